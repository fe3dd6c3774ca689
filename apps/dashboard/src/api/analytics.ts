/**
 * The analytics routes' answers (GET /analytics, /metrics/series, /agents, /anomalies), all
 * computed by the server from its rollups. The dashboard only reshapes them for charts.
 */
import type { AlignedData } from 'uplot';
import type { TimeRange } from '../components/ui';
import type { AnomalyView } from '../lib/types';
import { api } from './http';

export type HealthStatus = 'healthy' | 'warning' | 'critical';

export interface Overview {
  total_events: number;
  unique_apps: number;
  unique_agents: number;
  unique_sessions: number;
  unique_event_types: number;
  error_count: number;
  error_rate: number;
  avg_response_time: number | null;
  p95_response_time: number | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  active_sessions: number;
}

export interface AnalyticsResponse {
  range: { start_time: string; end_time: string };
  overview: Overview;
  anomalies: AnomalyView[];
  generated_at: string;
}

export interface AgentRow {
  app: string;
  agent_id: string | null;
  events: number;
  errors: number;
  error_rate: number;
  avg_response_time: number | null;
  p95_response_time?: number | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  sessions: number;
  last_seen: string | null;
  active: boolean;
  status: HealthStatus;
}

export type SeriesMetric =
  | 'events'
  | 'errors'
  | 'error_rate'
  | 'event_rate'
  | 'avg_response_time'
  | 'p50_response_time'
  | 'p95_response_time'
  | 'p99_response_time'
  | 'input_tokens'
  | 'output_tokens'
  | 'tokens'
  | 'cost_usd';

export interface SeriesResponse {
  metric: SeriesMetric;
  unit: string;
  interval: string;
  group_by: string;
  start_time: string;
  end_time: string;
  series: { key: string; points: { time: string; value: number | null }[] }[];
}

/** A range as the API's query parameters. */
export const rangeQuery = (r: Pick<TimeRange, 'from' | 'to'>) => ({
  start_time: r.from,
  end_time: r.to,
});

export const getAnalytics = (r: TimeRange) => api<AnalyticsResponse>('/analytics', rangeQuery(r));

export const getAgents = (r: TimeRange, percentiles = false) =>
  api<AgentRow[]>('/agents', {
    ...rangeQuery(r),
    sort: 'events',
    limit: 5000,
    percentiles: percentiles || undefined,
  });

export interface SeriesQuery {
  metric: SeriesMetric;
  from: string;
  to: string;
  interval?: string;
  app?: string | null;
  agent_id?: string | null;
}

export const getSeries = (q: SeriesQuery) =>
  api<SeriesResponse>('/metrics/series', {
    metric: q.metric,
    start_time: q.from,
    end_time: q.to,
    interval: q.interval,
    app: q.app,
    agent_id: q.agent_id,
  });

/**
 * Ungrouped series of several metrics over one range as uPlot data: x in unix seconds, one
 * column per metric. They share the server's time grid (same range and interval); a metric
 * with no data in the range gives a column of nulls.
 */
export function alignSeries(responses: (SeriesResponse | undefined)[]): AlignedData | null {
  const grid = responses.find((r) => r?.series[0])?.series[0]?.points;
  if (!grid || grid.length === 0) return null;
  const xs = grid.map((p) => Date.parse(p.time) / 1000);
  const index = new Map(grid.map((p, i) => [p.time, i]));
  const columns = responses.map((r) => {
    const col = new Array<number | null>(xs.length).fill(null);
    for (const p of r?.series[0]?.points ?? []) {
      const i = index.get(p.time);
      if (i !== undefined) col[i] = p.value;
    }
    return col;
  });
  return [xs, ...columns] as AlignedData;
}

/** "app · agent", or the app alone for events without an agent. */
export const agentLabel = (r: { app: string; agent_id: string | null }): string =>
  r.agent_id && r.agent_id !== r.app ? `${r.app} · ${r.agent_id}` : r.app;

export const STATUS_LABEL: Record<HealthStatus, string> = {
  healthy: '🟢 Healthy',
  warning: '🟡 Warning',
  critical: '🔴 Critical',
};
