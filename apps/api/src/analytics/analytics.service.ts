import { Inject, Injectable } from '@nestjs/common';
import { quantileFromBuckets } from '@fleetscope/analytics';
import {
  AnomaliesRepository,
  planSegments,
  RollupsRepository,
  type AnomalyRecord,
  type HistRow,
  type RollupDimension,
  type RollupFilter,
  type RollupLevel,
  type StatsRow,
} from '@fleetscope/db';
import { ValidationError } from '@fleetscope/domain';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import {
  MAX_SERIES_POINTS,
  SERIES_INTERVALS,
  type SeriesGroup,
  type SeriesInterval,
  type SeriesMetric,
} from './analytics-query.dto';

export type HealthStatus = 'healthy' | 'warning' | 'critical';

/** The seed's rule: no errors → healthy; error rate > 10 % → critical; > 5 % → warning. */
export function healthStatus(events: number, errors: number): HealthStatus {
  if (errors === 0 || events === 0) return 'healthy';
  const rate = errors / events;
  if (rate > 0.1) return 'critical';
  if (rate > 0.05) return 'warning';
  return 'healthy';
}

/** An agent counts as active when it sent something in the last five minutes. */
const ACTIVE_WITHIN_MS = 5 * 60_000;

interface Totals {
  events: number;
  errors: number;
  durationCount: number;
  durationSum: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  lastSeen: string | null;
}

function total(rows: StatsRow[]): Totals {
  const t: Totals = {
    events: 0,
    errors: 0,
    durationCount: 0,
    durationSum: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    lastSeen: null,
  };
  for (const r of rows) {
    t.events += r.events;
    t.errors += r.errors;
    t.durationCount += r.duration_count;
    t.durationSum += r.duration_sum;
    t.inputTokens += r.input_tokens;
    t.outputTokens += r.output_tokens;
    t.costUsd += r.cost_usd;
    if (r.last_seen && (!t.lastSeen || r.last_seen > t.lastSeen)) t.lastSeen = r.last_seen;
  }
  return t;
}

const round = (v: number, digits = 4): number => Number(v.toFixed(digits));
const ratio = (a: number, b: number): number => (b === 0 ? 0 : round(a / b));
const avg = (t: Totals): number | null =>
  t.durationCount === 0 ? null : round(t.durationSum / t.durationCount, 3);
const quantile = (buckets: [number, number][] | undefined, q: number): number | null => {
  const v = buckets ? quantileFromBuckets(buckets, q) : null;
  return v === null ? null : round(v, 3);
};

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function bucketsBy(rows: HistRow[], key: (r: HistRow) => string): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k) ?? [];
    list.push([r.idx, r.n]);
    out.set(k, list);
  }
  return out;
}

/**
 * Dashboard queries, answered from the rollups (never a raw scan). Latency percentiles come
 * from the merged log histograms (≤ 9.1 % relative error); everything else is exact.
 */
@Injectable()
export class AnalyticsService {
  private readonly rollups = new RollupsRepository();
  private readonly anomalies = new AnomaliesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** GET /analytics: the seed's overview / performance / anomalies, for one range. */
  async analytics(projectId: string, startMs: number, endMs: number, apps?: string[]) {
    const db = this.runtime.db;
    const segments = planSegments(startMs, endMs);
    const filter: RollupFilter = { projectId, app: apps };
    const [stats, hist, sessions, anomalies] = await Promise.all([
      this.rollups.stats(db, segments, filter, { dimensions: ['app', 'agent_id', 'event_type'] }),
      this.rollups.histogram(db, segments, filter, { dimensions: ['app'] }),
      this.rollups.activeSessions(db, projectId, startMs, endMs),
      this.anomalies.list(db, {
        projectId,
        app: apps,
        startTime: new Date(startMs).toISOString(),
        endTime: new Date(endMs).toISOString(),
        limit: 100,
      }),
    ]);
    const all = total(stats);
    const histByApp = bucketsBy(hist, (h) => h.app ?? '');
    const allBuckets = hist.map((h) => [h.idx, h.n] as [number, number]);
    const sessionsByApp = new Map<string, number>();
    for (const s of sessions) {
      if (apps?.length && !apps.includes(s.app)) continue;
      sessionsByApp.set(s.app, (sessionsByApp.get(s.app) ?? 0) + s.sessions);
    }
    const activeSessions = [...sessionsByApp.values()].reduce((a, b) => a + b, 0);
    const avgAll = avg(all);
    const performance = [...groupBy(stats, (r) => r.app ?? '')]
      .map(([app, rows]) => {
        const t = total(rows);
        return {
          app,
          event_count: t.events,
          error_count: t.errors,
          error_rate: ratio(t.errors, t.events),
          avg_response_time: avg(t),
          p95_response_time: quantile(histByApp.get(app), 0.95),
          active_sessions: sessionsByApp.get(app) ?? 0,
          input_tokens: t.inputTokens,
          output_tokens: t.outputTokens,
          cost_usd: round(t.costUsd, 6),
          last_seen: t.lastSeen,
          status: healthStatus(t.events, t.errors),
        };
      })
      .sort((a, b) => b.event_count - a.event_count || a.app.localeCompare(b.app));
    return {
      range: { start_time: iso(startMs), end_time: iso(endMs) },
      overview: {
        total_events: all.events,
        unique_apps: new Set(stats.map((r) => r.app)).size,
        unique_agents: new Set(
          stats.filter((r) => r.agent_id).map((r) => `${r.app}\u0000${r.agent_id}`),
        ).size,
        unique_sessions: activeSessions,
        unique_event_types: new Set(stats.map((r) => r.event_type)).size,
        error_count: all.errors,
        error_rate: ratio(all.errors, all.events),
        avg_response_time: avgAll,
        p95_response_time: quantile(allBuckets, 0.95),
        // The seed's name for the average duration (milliseconds here, consistently).
        avg_duration: avgAll,
        input_tokens: all.inputTokens,
        output_tokens: all.outputTokens,
        cost_usd: round(all.costUsd, 6),
        active_sessions: activeSessions,
      },
      performance,
      anomalies: anomalies.map(anomalyView),
      generated_at: new Date().toISOString(),
    };
  }

  /** GET /metrics/series: one metric over time, optionally one series per group. */
  async series(
    projectId: string,
    q: {
      startMs: number;
      endMs: number;
      metric: SeriesMetric;
      groupBy: SeriesGroup;
      interval: SeriesInterval | 'auto';
      filter: Omit<RollupFilter, 'projectId'>;
      limit: number;
    },
  ) {
    const interval = q.interval === 'auto' ? autoInterval(q.endMs - q.startMs) : q.interval;
    const stepMs = SERIES_INTERVALS[interval];
    const fromMs = Math.floor(q.startMs / stepMs) * stepMs;
    const toMs = Math.ceil(q.endMs / stepMs) * stepMs;
    const points = (toMs - fromMs) / stepMs;
    if (points > MAX_SERIES_POINTS) {
      throw new ValidationError(
        `interval: ${interval} gives ${points} points over this range (at most ${MAX_SERIES_POINTS}); choose a coarser interval`,
        [{ field: 'interval', reason: `too fine for the range (${points} points)` }],
      );
    }
    const level: RollupLevel =
      stepMs % 86_400_000 === 0 ? '1d' : stepMs % 3_600_000 === 0 ? '1h' : '1m';
    const segments = [{ level, fromMs, toMs }];
    const dimension: RollupDimension | undefined =
      q.groupBy === 'none' ? undefined : q.groupBy === 'agent' ? 'agent_id' : q.groupBy;
    const group = { dimensions: dimension ? [dimension] : [], intervalMs: stepMs };
    const filter: RollupFilter = { projectId, ...q.filter };
    const needsHist = q.metric.startsWith('p') && q.metric.endsWith('_response_time');
    if (needsHist && (dimension === 'event_type' || q.filter.eventType?.length)) {
      throw new ValidationError(
        'metric: latency percentiles are kept per app and agent, not per event type',
        [{ field: 'metric', reason: 'percentiles cannot be grouped or filtered by event_type' }],
      );
    }
    const [stats, hist] = await Promise.all([
      this.rollups.stats(this.runtime.db, segments, filter, group),
      needsHist
        ? this.rollups.histogram(this.runtime.db, segments, filter, group)
        : Promise.resolve([] as HistRow[]),
    ]);
    const keyOf = (r: { app?: string; agent_id?: string; event_type?: string }): string =>
      dimension ? (r[dimension] ?? '') : 'all';
    // The groups with the most events first; at most `limit` series.
    const byGroup = groupBy(stats, keyOf);
    const groups = [...byGroup]
      .map(([key, rows]) => ({ key, rows, events: total(rows).events }))
      .sort((a, b) => b.events - a.events || a.key.localeCompare(b.key))
      .slice(0, q.limit);
    const histByGroupTime = bucketsBy(hist, (h) => `${keyOf(h)}\u0000${h.time}`);
    const quantileOf = { p50_response_time: 0.5, p95_response_time: 0.95, p99_response_time: 0.99 };
    const series = groups.map(({ key, rows }) => {
      const byTime = new Map(rows.map((r) => [r.time!, r]));
      const pts: { time: string; value: number | null }[] = [];
      for (let t = fromMs; t < toMs; t += stepMs) {
        const time = iso(t);
        const r = byTime.get(time);
        let value: number | null;
        if (q.metric in quantileOf) {
          const qq = quantileOf[q.metric as keyof typeof quantileOf];
          value = quantile(histByGroupTime.get(`${key}\u0000${time}`), qq);
        } else {
          value = metricValue(q.metric, r, stepMs);
        }
        pts.push({ time, value });
      }
      return { key: dimension ? key : 'all', points: pts };
    });
    return {
      metric: q.metric,
      unit: METRIC_UNITS[q.metric],
      interval,
      group_by: q.groupBy,
      start_time: iso(fromMs),
      end_time: iso(toMs),
      series,
    };
  }

  /** GET /agents: the fleet table, one row per (app, agent). */
  async agents(
    projectId: string,
    q: {
      startMs: number;
      endMs: number;
      apps?: string[] | undefined;
      sort: string;
      percentiles: boolean;
      limit: number;
    },
    nowMs = Date.now(),
  ) {
    const db = this.runtime.db;
    const segments = planSegments(q.startMs, q.endMs);
    const filter: RollupFilter = { projectId, app: q.apps };
    const dims: RollupDimension[] = ['app', 'agent_id'];
    const [stats, hist, sessions] = await Promise.all([
      this.rollups.stats(db, segments, filter, { dimensions: dims }),
      q.percentiles
        ? this.rollups.histogram(db, segments, filter, { dimensions: dims })
        : Promise.resolve([] as HistRow[]),
      this.rollups.activeSessions(db, projectId, q.startMs, q.endMs),
    ]);
    const key = (r: { app?: string; agent_id?: string }): string =>
      `${r.app}\u0000${r.agent_id ?? ''}`;
    const histBy = bucketsBy(hist, key);
    const sessionsBy = new Map(sessions.map((s) => [key(s), s.sessions]));
    const rows = stats.map((r) => {
      const t = total([r]);
      return {
        app: r.app!,
        agent_id: r.agent_id ? r.agent_id : null,
        events: t.events,
        errors: t.errors,
        error_rate: ratio(t.errors, t.events),
        avg_response_time: avg(t),
        ...(q.percentiles ? { p95_response_time: quantile(histBy.get(key(r)), 0.95) } : {}),
        input_tokens: t.inputTokens,
        output_tokens: t.outputTokens,
        cost_usd: round(t.costUsd, 6),
        sessions: sessionsBy.get(key(r)) ?? 0,
        last_seen: t.lastSeen,
        active: t.lastSeen !== null && nowMs - Date.parse(t.lastSeen) <= ACTIVE_WITHIN_MS,
        status: healthStatus(t.events, t.errors),
      };
    });
    const sorters: Record<string, (a: (typeof rows)[0], b: (typeof rows)[0]) => number> = {
      last_seen: (a, b) => (b.last_seen ?? '').localeCompare(a.last_seen ?? ''),
      events: (a, b) => b.events - a.events,
      errors: (a, b) => b.errors - a.errors,
      error_rate: (a, b) => b.error_rate - a.error_rate,
      cost_usd: (a, b) => b.cost_usd - a.cost_usd,
    };
    return rows.sort(sorters[q.sort] ?? sorters.last_seen).slice(0, q.limit);
  }

  async listAnomalies(q: Parameters<AnomaliesRepository['list']>[1]) {
    return (await this.anomalies.list(this.runtime.db, q)).map(anomalyView);
  }
}

const METRIC_UNITS: Record<SeriesMetric, string> = {
  events: 'events',
  errors: 'events',
  error_rate: 'ratio',
  event_rate: 'events/min',
  avg_response_time: 'ms',
  p50_response_time: 'ms',
  p95_response_time: 'ms',
  p99_response_time: 'ms',
  input_tokens: 'tokens',
  output_tokens: 'tokens',
  tokens: 'tokens',
  cost_usd: 'USD',
};

function metricValue(metric: SeriesMetric, r: StatsRow | undefined, stepMs: number): number | null {
  const t = total(r ? [r] : []);
  switch (metric) {
    case 'events':
      return t.events;
    case 'errors':
      return t.errors;
    case 'error_rate':
      return ratio(t.errors, t.events);
    case 'event_rate':
      return round(t.events / (stepMs / 60_000));
    case 'avg_response_time':
      return avg(t);
    case 'input_tokens':
      return t.inputTokens;
    case 'output_tokens':
      return t.outputTokens;
    case 'tokens':
      return t.inputTokens + t.outputTokens;
    case 'cost_usd':
      return round(t.costUsd, 6);
    default:
      return null;
  }
}

/** The finest interval giving at most ~120 points, so a chart stays readable. */
function autoInterval(rangeMs: number): SeriesInterval {
  for (const [name, ms] of Object.entries(SERIES_INTERVALS) as [SeriesInterval, number][]) {
    if (rangeMs / ms <= 120) return name;
  }
  return '1d';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The stored anomaly plus the seed's anomaly-card names. */
function anomalyView(a: AnomalyRecord) {
  return {
    ...a,
    anomaly_type: a.kind,
    time: a.first_seen,
  };
}
