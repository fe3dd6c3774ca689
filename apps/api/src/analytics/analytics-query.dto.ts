import { z } from 'zod';
import { queryLimit, queryList, queryTime } from '../common/query-params';

/** Intervals a series can be bucketed by: each a whole number of its rollup level. */
export const SERIES_INTERVALS = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '3h': 10_800_000,
  '6h': 21_600_000,
  '12h': 43_200_000,
  '1d': 86_400_000,
} as const;
export type SeriesInterval = keyof typeof SERIES_INTERVALS;
// NOTE: the enum of seriesQuerySchema lists the same names (zod needs a literal tuple).

export const SERIES_METRICS = [
  'events',
  'errors',
  'error_rate',
  'event_rate',
  'avg_response_time',
  'p50_response_time',
  'p95_response_time',
  'p99_response_time',
  'input_tokens',
  'output_tokens',
  'tokens',
  'cost_usd',
] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

export const SERIES_GROUPS = ['none', 'app', 'agent', 'event_type'] as const;
export type SeriesGroup = (typeof SERIES_GROUPS)[number];

/** Most points one series may have; a wider range needs a coarser interval. */
export const MAX_SERIES_POINTS = 1500;

const range = {
  start_time: queryTime.optional(),
  end_time: queryTime.optional(),
};

const filters = {
  app: queryList.optional(),
  agent_id: queryList.optional(),
  event_type: queryList.optional(),
};

export const analyticsQuerySchema = z.object({ ...range, app: queryList.optional() }).strict();

export const seriesQuerySchema = z
  .object({
    ...range,
    ...filters,
    metric: z.enum(SERIES_METRICS),
    group_by: z.enum(SERIES_GROUPS).default('none'),
    interval: z
      .enum(['auto', '1m', '5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d'])
      .default('auto'),
    limit: queryLimit(50).optional(),
  })
  .strict();

export const agentsQuerySchema = z
  .object({
    ...range,
    app: queryList.optional(),
    sort: z.enum(['last_seen', 'events', 'errors', 'error_rate', 'cost_usd']).default('last_seen'),
    /** p95 per agent reads the per-agent latency histograms: ~10x the rows (see performance.md). */
    percentiles: z.enum(['true', 'false']).default('false'),
    limit: queryLimit(5000).optional(),
  })
  .strict();

export const anomaliesQuerySchema = z
  .object({
    ...range,
    status: z.enum(['open', 'resolved']).optional(),
    kind: queryList.optional(),
    app: queryList.optional(),
    agent_id: z.string().trim().min(1).max(256).optional(),
    limit: queryLimit(1000).optional(),
  })
  .strict();

/** Resolves a query's range: end defaults to now, start to end − `defaultMs`; start < end. */
export function resolveRange(
  q: { start_time?: string | undefined; end_time?: string | undefined },
  defaultMs: number,
  nowMs: number,
): { startMs: number; endMs: number } | { error: string } {
  const endMs = q.end_time ? Date.parse(q.end_time) : nowMs;
  const startMs = q.start_time ? Date.parse(q.start_time) : endMs - defaultMs;
  if (startMs >= endMs) return { error: 'start_time must be before end_time' };
  return { startMs, endMs };
}
