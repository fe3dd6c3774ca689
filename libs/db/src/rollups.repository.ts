import type { SqlExecutor } from './sql-client';

/**
 * Reads the rollups (agent_stats_* and latency_hist_*), never raw events. A time range is
 * answered by stitching levels: whole days from the 1d rollup, whole hours from 1h, the
 * minutes at the edges from 1m, so a "last 24 hours" query reads ~24 hourly rows per group
 * plus two partial hours of minutes, and the figures are exact for the (minute-aligned)
 * range. Both flavours expose the same relation names (continuous aggregates on TimescaleDB,
 * views on PostgreSQL).
 */

export type RollupLevel = '1m' | '1h' | '1d';
export type RollupDimension = 'app' | 'agent_id' | 'event_type';

const LEVEL_MS: Record<RollupLevel, number> = { '1m': 60_000, '1h': 3_600_000, '1d': 86_400_000 };
const STATS: Record<RollupLevel, string> = {
  '1m': 'agent_stats_1m',
  '1h': 'agent_stats_1h',
  '1d': 'agent_stats_1d',
};
const HIST: Record<RollupLevel, string> = {
  '1m': 'latency_hist_1m',
  '1h': 'latency_hist_1h',
  '1d': 'latency_hist_1d',
};
/** Per-app histograms: what a question without agents reads (~10x fewer rows). */
const HIST_APP: Record<RollupLevel, string> = {
  '1m': 'latency_hist_app_1m',
  '1h': 'latency_hist_app_1h',
  '1d': 'latency_hist_app_1d',
};

export interface RollupSegment {
  level: RollupLevel;
  fromMs: number;
  toMs: number;
}

const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit;
const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit;

/**
 * Splits [start, end) into level-aligned segments, coarsest in the middle. The range is
 * widened to whole minutes first (the finest rollup).
 */
export function planSegments(startMs: number, endMs: number): RollupSegment[] {
  const s = floorTo(startMs, LEVEL_MS['1m']);
  const e = ceilTo(endMs, LEVEL_MS['1m']);
  if (e <= s) return [];
  const out: RollupSegment[] = [];
  const push = (level: RollupLevel, fromMs: number, toMs: number): void => {
    if (toMs > fromMs) out.push({ level, fromMs, toMs });
  };
  const h1 = ceilTo(s, LEVEL_MS['1h']);
  const h2 = floorTo(e, LEVEL_MS['1h']);
  if (h2 <= h1) {
    push('1m', s, e);
    return out;
  }
  push('1m', s, h1);
  const d1 = ceilTo(h1, LEVEL_MS['1d']);
  const d2 = floorTo(h2, LEVEL_MS['1d']);
  if (d2 > d1) {
    push('1h', h1, d1);
    push('1d', d1, d2);
    push('1h', d2, h2);
  } else {
    push('1h', h1, h2);
  }
  push('1m', h2, e);
  return out;
}

export interface RollupFilter {
  projectId: string;
  app?: string[] | undefined;
  agentId?: string[] | undefined;
  eventType?: string[] | undefined;
}

export interface StatsRow {
  /** Present when grouped by time. */
  time?: string;
  app?: string;
  agent_id?: string;
  event_type?: string;
  events: number;
  errors: number;
  duration_count: number;
  duration_sum: number;
  duration_min: number | null;
  duration_max: number | null;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  last_seen: string | null;
}

export interface HistRow {
  time?: string;
  app?: string;
  agent_id?: string;
  event_type?: string;
  idx: number;
  n: number;
}

export interface GroupSpec {
  dimensions: RollupDimension[];
  /** Re-bucket to this interval (a multiple of every segment's level). */
  intervalMs?: number;
}

/** Builds `SELECT … FROM (seg UNION ALL seg …)` over the given segments, parameterised. */
class SegmentQuery {
  readonly params: unknown[] = [];

  p(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  union(
    relations: Record<RollupLevel, string>,
    columns: string,
    segments: RollupSegment[],
    f: RollupFilter,
  ): string {
    const project = this.p(f.projectId);
    const filters: string[] = [];
    if (f.app?.length) filters.push(`app = ANY(${this.p(f.app)}::text[])`);
    if (f.agentId?.length) filters.push(`agent_id = ANY(${this.p(f.agentId)}::text[])`);
    if (f.eventType?.length) filters.push(`event_type = ANY(${this.p(f.eventType)}::text[])`);
    const extra = filters.map((x) => ` AND ${x}`).join('');
    return segments
      .map(
        (s) =>
          // NOTE: relation names come from the constant maps above, never from input.
          `SELECT ${columns} FROM ${relations[s.level]} WHERE project_id = ${project}` +
          ` AND bucket >= ${this.p(new Date(s.fromMs).toISOString())}::timestamptz` +
          ` AND bucket < ${this.p(new Date(s.toMs).toISOString())}::timestamptz${extra}`,
      )
      .join('\nUNION ALL\n');
  }

  groupColumns(g: GroupSpec): { select: string[]; groupBy: string[] } {
    const select: string[] = [];
    const groupBy: string[] = [];
    if (g.intervalMs !== undefined) {
      const interval = this.p(`${g.intervalMs / 1000} seconds`);
      select.push(`time_bucket(${interval}::interval, bucket) AS time`);
      groupBy.push('1');
    }
    for (const d of g.dimensions) {
      select.push(d);
      groupBy.push(d);
    }
    return { select, groupBy };
  }
}

const STAT_COLUMNS =
  'bucket, app, agent_id, event_type, events, errors, duration_count, duration_sum, duration_min, duration_max, input_tokens, output_tokens, cost_usd, last_seen';

export class RollupsRepository {
  async stats(
    db: SqlExecutor,
    segments: RollupSegment[],
    filter: RollupFilter,
    group: GroupSpec,
  ): Promise<StatsRow[]> {
    if (segments.length === 0) return [];
    const q = new SegmentQuery();
    const { select, groupBy } = q.groupColumns(group);
    const from = q.union(STATS, STAT_COLUMNS, segments, filter);
    const sql = `SELECT ${[
      ...select,
      'sum(events)::bigint AS events',
      'sum(errors)::bigint AS errors',
      'sum(duration_count)::bigint AS duration_count',
      'coalesce(sum(duration_sum), 0) AS duration_sum',
      'min(duration_min) AS duration_min',
      'max(duration_max) AS duration_max',
      'sum(input_tokens)::bigint AS input_tokens',
      'sum(output_tokens)::bigint AS output_tokens',
      'coalesce(sum(cost_usd), 0) AS cost_usd',
      'max(last_seen) AS last_seen',
    ].join(', ')}
  FROM (${from}) s
 ${groupBy.length ? `GROUP BY ${groupBy.join(', ')}` : ''}
 ${group.intervalMs !== undefined ? 'ORDER BY 1' : ''}`;
    const r = await db.query<Record<string, unknown>>(sql, q.params);
    return r.rows.map((row) => ({
      ...(row.time !== undefined ? { time: iso(row.time) } : {}),
      ...dimensionsOf(row),
      events: Number(row.events ?? 0),
      errors: Number(row.errors ?? 0),
      duration_count: Number(row.duration_count ?? 0),
      duration_sum: Number(row.duration_sum ?? 0),
      duration_min: nullableNumber(row.duration_min),
      duration_max: nullableNumber(row.duration_max),
      input_tokens: Number(row.input_tokens ?? 0),
      output_tokens: Number(row.output_tokens ?? 0),
      cost_usd: Number(row.cost_usd ?? 0),
      last_seen: row.last_seen == null ? null : iso(row.last_seen),
    }));
  }

  /**
   * Latency histogram counts per group and sketch bucket. The histograms are kept per app
   * and agent only (not per event type: see migration 0002).
   */
  async histogram(
    db: SqlExecutor,
    segments: RollupSegment[],
    filter: RollupFilter,
    group: GroupSpec,
  ): Promise<HistRow[]> {
    if (filter.eventType?.length || group.dimensions.includes('event_type')) {
      throw new Error('latency histograms have no event_type dimension');
    }
    if (segments.length === 0) return [];
    const q = new SegmentQuery();
    const { select, groupBy } = q.groupColumns(group);
    const perAgent = group.dimensions.includes('agent_id') || Boolean(filter.agentId?.length);
    const from = perAgent
      ? q.union(HIST, 'bucket, app, agent_id, idx, n', segments, filter)
      : q.union(HIST_APP, 'bucket, app, idx, n', segments, filter);
    const sql = `SELECT ${[...select, 'idx', 'sum(n)::bigint AS n'].join(', ')}
  FROM (${from}) s
 GROUP BY ${[...groupBy, 'idx'].join(', ')}`;
    const r = await db.query<Record<string, unknown>>(sql, q.params);
    return r.rows.map((row) => ({
      ...(row.time !== undefined ? { time: iso(row.time) } : {}),
      ...dimensionsOf(row),
      idx: Number(row.idx),
      n: Number(row.n),
    }));
  }

  /**
   * Per-minute history of app and agent series over [from, to), for the detectors' baseline
   * when a worker starts (window state is in memory; the rollups are the durable copy).
   */
  async minuteHistory(
    db: SqlExecutor,
    fromMs: number,
    toMs: number,
  ): Promise<(StatsRow & { time: string; project_id: string })[]> {
    const r = await db.query<Record<string, unknown>>(
      `SELECT bucket AS time, project_id, app, agent_id,
              sum(events)::bigint AS events, sum(errors)::bigint AS errors,
              sum(duration_count)::bigint AS duration_count,
              coalesce(sum(duration_sum), 0) AS duration_sum,
              sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens,
              coalesce(sum(cost_usd), 0) AS cost_usd, max(last_seen) AS last_seen
         FROM agent_stats_1m
        WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz
        GROUP BY 1, 2, 3, 4
        ORDER BY 1`,
      [new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
    );
    return r.rows.map((row) => ({
      time: iso(row.time),
      project_id: String(row.project_id),
      app: String(row.app),
      agent_id: String(row.agent_id),
      events: Number(row.events),
      errors: Number(row.errors),
      duration_count: Number(row.duration_count),
      duration_sum: Number(row.duration_sum),
      duration_min: null,
      duration_max: null,
      input_tokens: Number(row.input_tokens),
      output_tokens: Number(row.output_tokens),
      cost_usd: Number(row.cost_usd),
      last_seen: row.last_seen == null ? null : iso(row.last_seen),
    }));
  }

  /**
   * Sessions active in [from, to) (their first..last event overlaps the range) per app and
   * agent, from the session summaries: distinct counts cannot be summed from rollups.
   */
  async activeSessions(
    db: SqlExecutor,
    projectId: string,
    fromMs: number,
    toMs: number,
  ): Promise<{ app: string; agent_id: string; sessions: number }[]> {
    const r = await db.query<{ app: string; agent_id: string; sessions: string | number }>(
      `SELECT app, coalesce(agent_id, '') AS agent_id, count(*) AS sessions
         FROM sessions
        WHERE project_id = $1 AND last_seen >= $2::timestamptz AND first_seen < $3::timestamptz
        GROUP BY 1, 2`,
      [projectId, new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
    );
    return r.rows.map((row) => ({
      app: row.app,
      agent_id: row.agent_id,
      sessions: Number(row.sessions),
    }));
  }
}

/** The grouping columns a row carries (text in the database). */
function dimensionsOf(row: Record<string, unknown>): {
  app?: string;
  agent_id?: string;
  event_type?: string;
} {
  const out: { app?: string; agent_id?: string; event_type?: string } = {};
  if (typeof row.app === 'string') out.app = row.app;
  if (typeof row.agent_id === 'string') out.agent_id = row.agent_id;
  if (typeof row.event_type === 'string') out.event_type = row.event_type;
  return out;
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
