import {
  AnomalyEngine,
  seriesKey,
  seriesOf,
  SlidingWindows,
  type AnomalyTransition,
  type MinutePoint,
  type SeriesStats,
} from '@fleetscope/analytics';
import {
  AnomaliesRepository,
  RollupsRepository,
  type AnomalyRecord,
  type SqlClient,
} from '@fleetscope/db';
import type { EventEnvelope, LiveUpdate, SeriesStatsView } from '@fleetscope/domain';
import { RollupSeasonalBaseline } from './seasonal-baseline';

/** Where derived updates go: the in-process live hub, or the live.v1 topic. */
export interface LiveUpdateSink {
  publish(update: LiveUpdate): void | Promise<void>;
}

export interface StreamAnalyticsLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface StreamAnalyticsOptions {
  /** Names the publisher in stats updates (a worker id, or "all-in-one"). */
  source: string;
  allowedLatenessMs: number;
  idleMs: number;
  statsIntervalMs: number;
  anomalies: {
    enabled: boolean;
    sensitivity: number;
    minVolume: number;
    /** Seasonal baseline from the 1h rollups (TimescaleDB only: on plain PostgreSQL those
     * are views, and an hourly 28-day scan is not worth it). */
    seasonal?: boolean;
  };
  /** Most session series one stats update carries (the most active first). */
  maxSessionSeries?: number;
}

/** Session series one stats update carries per project, by default. */
const DEFAULT_MAX_SESSION_SERIES = 200;
/** The series levels every stats update carries whole. */
const FLEET_LEVELS = ['project', 'app', 'agent'] as const;

/** The largest window: how much history a rebuild replays into the windows. */
const REBUILD_WINDOW_MS = 15 * 60_000;
/** How much per-minute history seeds the detectors' baseline at start. */
const BASELINE_HISTORY_MS = 60 * 60_000;
/** How often open anomalies nobody holds are looked for, and how old they must be. */
const ORPHAN_SWEEP_MS = 60_000;
const ORPHAN_AFTER_MS = 10 * 60_000;

/**
 * In-stream analytics over the events a process commits: sliding event-time windows per
 * project, app, agent and session; a stats update per project every interval; anomaly
 * detection on project, app and agent series, with anomalies stored and published.
 *
 * Fed with the FRESH events of each committed transaction only (what the insert really
 * added), so a replayed Kafka batch never counts twice. State is in memory and rebuilt from
 * the database: windows from the raw events of the last 15 minutes, detector baselines from
 * the 1m rollups.
 */
export class StreamAnalytics {
  private windows: SlidingWindows;
  private engine: AnomalyEngine | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly anomalies = new AnomaliesRepository();
  private readonly rollups = new RollupsRepository();
  /** Fleet-level detection needs every partition's events (see rebuild). */
  private fullView = true;
  private lastSweepMs = 0;
  private readonly seasonal: RollupSeasonalBaseline | undefined;
  ticks = 0;

  constructor(
    private readonly db: SqlClient,
    private readonly sink: LiveUpdateSink,
    private readonly options: StreamAnalyticsOptions,
    private readonly log: StreamAnalyticsLog,
    private readonly clock: () => number = Date.now,
  ) {
    this.windows = this.newWindows();
    this.seasonal =
      options.anomalies.enabled && options.anomalies.seasonal
        ? new RollupSeasonalBaseline()
        : undefined;
    this.engine = this.newEngine();
  }

  private newWindows(): SlidingWindows {
    return new SlidingWindows({
      allowedLatenessMs: this.options.allowedLatenessMs,
      idleMs: this.options.idleMs,
    });
  }

  private newEngine(): AnomalyEngine | undefined {
    if (!this.options.anomalies.enabled) return undefined;
    return new AnomalyEngine(
      {
        sensitivity: this.options.anomalies.sensitivity,
        minVolume: this.options.anomalies.minVolume,
      },
      this.seasonal,
    );
  }

  get lateEvents(): number {
    return this.windows.lateTotal;
  }

  /** Adds committed events to the windows; late ones are counted, not windowed. */
  observe(events: readonly EventEnvelope[]): void {
    const now = this.clock();
    for (const e of events) this.windows.observe(e, now);
  }

  /**
   * Rebuilds the state from the database: the windows from the last 15 minutes of raw
   * events the predicate keeps (the sessions of this worker's partitions), the detectors'
   * history from the 1m rollups. Call before consuming; replaces any previous state.
   */
  async rebuild(
    keep: (e: { project_id: string; session_id: string }) => boolean = () => true,
    fullView = true,
  ): Promise<void> {
    const now = this.clock();
    const windows = this.newWindows();
    // From a minute boundary: the first rebuilt minute is whole, and the detectors' history
    // (from the rollups) ends exactly where the windows' closed minutes begin.
    const sinceMs =
      Math.floor((now - REBUILD_WINDOW_MS - this.options.allowedLatenessMs) / 60_000) * 60_000;
    const r = await this.db.query<EventEnvelope>(
      `SELECT project_id, app, agent_id, session_id, ts, severity, status, duration_ms,
              input_tokens, output_tokens, cost_usd
         FROM events WHERE ts >= $1::timestamptz AND ts <= $2::timestamptz ORDER BY ts`,
      [new Date(sinceMs).toISOString(), new Date(now).toISOString()],
    );
    let restored = 0;
    for (const row of r.rows) {
      if (!keep(row)) continue;
      const ts = toIso(row.ts);
      // Replayed as if arriving at its own time: stored events are never late to a rebuild.
      windows.observe(
        {
          ...row,
          ts,
          severity: Number(row.severity) as EventEnvelope['severity'],
          duration_ms: num(row.duration_ms),
          input_tokens: num(row.input_tokens),
          output_tokens: num(row.output_tokens),
          cost_usd: num(row.cost_usd),
        },
        Date.parse(ts) - 1,
      );
      restored += 1;
    }
    this.windows = windows;
    this.fullView = fullView;
    this.engine = this.newEngine();
    if (this.engine) {
      if (fullView) await this.seedBaselines(sinceMs);
      else {
        this.log.warn(
          'anomaly detection of project, app and agent series is off: this worker holds only some partitions',
        );
      }
    }
    this.log.info('stream analytics rebuilt', { events: restored, fullView });
  }

  private async seedBaselines(untilMs: number): Promise<void> {
    const rows = await this.rollups.minuteHistory(this.db, untilMs - BASELINE_HISTORY_MS, untilMs);
    // Per-minute points of project, app and agent series, summed from the rollup's rows.
    const points = new Map<string, Map<number, MinutePoint>>();
    for (const row of rows) {
      const minuteStartMs = Date.parse(row.time);
      for (const series of seriesOf({
        project_id: row.project_id,
        app: row.app ?? '',
        agent_id: row.agent_id ? row.agent_id : null,
        session_id: '',
      })) {
        if (series.level === 'session') continue;
        const key = seriesKey(series);
        const byMinute = points.get(key) ?? new Map<number, MinutePoint>();
        points.set(key, byMinute);
        const p = byMinute.get(minuteStartMs);
        if (p) {
          p.events += row.events;
          p.errors += row.errors;
          p.tokens += row.input_tokens + row.output_tokens;
          p.cost_usd += row.cost_usd;
        } else {
          byMinute.set(minuteStartMs, {
            key,
            series,
            minuteStartMs,
            events: row.events,
            errors: row.errors,
            // Per-minute p95 is not in the summed history: latency baselines warm up live.
            p95_ms: null,
            latency_samples: 0,
            tokens: row.input_tokens + row.output_tokens,
            cost_usd: row.cost_usd,
          });
        }
      }
    }
    for (const [key, byMinute] of points) {
      // Minutes without events are zeros, not gaps: a quiet minute is part of the baseline.
      const list = [...byMinute.values()].sort((a, b) => a.minuteStartMs - b.minuteStartMs);
      const first = list[0]!;
      const filled: MinutePoint[] = [];
      for (let m = first.minuteStartMs; m < untilMs; m += 60_000) {
        filled.push(
          byMinute.get(m) ?? {
            ...first,
            minuteStartMs: m,
            events: 0,
            errors: 0,
            p95_ms: null,
            latency_samples: 0,
            tokens: 0,
            cost_usd: 0,
          },
        );
      }
      this.engine!.seedHistory(key, first.series, filled);
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.statsIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One evaluation: publish stats, detect, store and publish anomaly transitions. */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const now = this.clock();
    try {
      // Every project, app and agent series; of the sessions only those published (the
      // busiest per project): computing thousands of idle sessions' windows each second was
      // most of a worker's CPU after a restart (docs/performance.md).
      const snapshot = this.windows.snapshot(now, { levels: FLEET_LEVELS });
      const sessions = this.windows.snapshotTop(
        now,
        'session',
        this.options.maxSessionSeries ?? DEFAULT_MAX_SESSION_SERIES,
      );
      await this.publishStats(now, [...snapshot, ...sessions]);
      if (this.engine && this.fullView) {
        if (this.seasonal?.isStale(now)) await this.seasonal.reload(this.db, now);
        for (const p of this.windows.closedMinutes(now)) {
          if (p.series.level !== 'session') this.engine.recordMinute(p);
        }
        const transitions = this.engine.evaluate(
          now,
          snapshot.filter((s) => s.window_ms === 60_000),
        );
        if (transitions.length > 0) await this.persist(transitions);
        if (now - this.lastSweepMs >= ORPHAN_SWEEP_MS) {
          this.lastSweepMs = now;
          await this.resolveOrphans(now);
        }
      }
      this.windows.evict(now);
      this.ticks += 1;
    } catch (err) {
      this.log.warn('stream analytics tick failed', { error: (err as Error).message });
    }
  }

  private async publishStats(now: number, snapshot: SeriesStats[]): Promise<void> {
    // One view per series with its windows (the snapshot has a row per series and window).
    const views = new Map<string, SeriesStatsView>();
    for (const row of snapshot) {
      let view = views.get(row.key);
      if (!view) {
        view = { key: row.key, series: row.series, last_event_ts: row.last_event_ts, windows: [] };
        views.set(row.key, view);
      }
      view.windows.push({
        window: row.window,
        events: row.events,
        errors: row.errors,
        error_rate: row.error_rate,
        events_per_min: row.events_per_min,
        p50_ms: row.p50_ms,
        p95_ms: row.p95_ms,
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
        tokens_per_min: row.tokens_per_min,
        cost_usd: row.cost_usd,
        cost_per_min: row.cost_per_min,
      });
    }
    const byProject = new Map<string, SeriesStatsView[]>();
    const sessions = new Map<string, SeriesStatsView[]>();
    for (const view of views.values()) {
      const target = view.series.level === 'session' ? sessions : byProject;
      const list = target.get(view.series.project_id) ?? [];
      list.push(view);
      target.set(view.series.project_id, list);
    }
    // NOTE: −Infinity until the first event or idleMs after start (a backlog is never late).
    const w = this.windows.watermark(now);
    const watermark = Number.isFinite(w) ? new Date(w).toISOString() : null;
    for (const [projectId, series] of byProject) {
      // Already the busiest per project, most active first (snapshotTop).
      const active = sessions.get(projectId) ?? [];
      await this.sink.publish({
        type: 'stats',
        project_id: projectId,
        source: this.options.source,
        at: new Date(now).toISOString(),
        watermark,
        late_events: this.windows.lateTotal,
        series: [...series, ...active],
      });
    }
  }

  /**
   * Anomalies open in the database that this engine does not hold open (left by a previous
   * owner, or the episode ended while nobody was detecting) are resolved once they have not
   * been seen for a while.
   */
  private async resolveOrphans(now: number): Promise<void> {
    const stale = now - ORPHAN_AFTER_MS;
    for (const a of await this.anomalies.listOpen(this.db)) {
      if (Date.parse(a.last_seen) > stale) continue;
      const held = this.engine?.state(a.series_key)?.open.some((o) => o.kind === a.kind);
      if (held) continue;
      const record = await this.db.transaction((tx) =>
        this.anomalies.resolve(tx, a.project_id, a.series_key, a.kind, a.last_seen),
      );
      if (record) {
        await this.sink.publish({
          type: 'anomaly',
          project_id: record.project_id,
          action: 'resolve',
          anomaly: record,
        });
      }
    }
  }

  private async persist(transitions: AnomalyTransition[]): Promise<void> {
    const stored = await this.db.transaction(async (tx) => {
      const out: { action: AnomalyTransition['action']; record: AnomalyRecord }[] = [];
      for (const t of transitions) {
        const s = t.series;
        if (t.action === 'resolve') {
          const record = await this.anomalies.resolve(
            tx,
            s.project_id,
            t.key,
            t.kind,
            new Date(t.last_seen_ms).toISOString(),
          );
          if (record) out.push({ action: 'resolve', record });
          continue;
        }
        const record = await this.anomalies.upsertOpen(tx, {
          project_id: s.project_id,
          series_key: t.key,
          level: s.level,
          app: s.app ?? null,
          agent_id: s.agent_id ?? null,
          session_id: s.session_id ?? null,
          kind: t.kind,
          metric: t.metric,
          window: t.window,
          baseline: t.baseline,
          actual: t.actual,
          expected: t.expected,
          lower_bound: t.lower,
          upper_bound: t.upper,
          score: t.score,
          severity: t.severity,
          first_seen: new Date(t.first_seen_ms).toISOString(),
          last_seen: new Date(t.last_seen_ms).toISOString(),
        });
        out.push({ action: t.action, record });
      }
      return out;
    });
    for (const { action, record } of stored) {
      if (action === 'open') {
        this.log.info('anomaly opened', {
          kind: record.kind,
          series: record.series_key,
          actual: record.actual,
          expected: record.expected,
        });
      }
      await this.sink.publish({
        type: 'anomaly',
        project_id: record.project_id,
        action,
        anomaly: record,
      });
    }
  }
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function toIso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}
