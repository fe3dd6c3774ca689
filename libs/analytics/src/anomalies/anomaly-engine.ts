import type { SeriesId } from '../windows/series-id';
import type { MinutePoint, SeriesStats } from '../windows/sliding-windows';
import {
  type Detection,
  type HistorySummary,
  type Judgement,
  SCALE_MODEL_OF_METRIC,
  detect,
  summarizeHistory,
} from './anomaly-detector';
import {
  type AnomalyKind,
  type AnomalySeverity,
  type AnomalyTransition,
  METRIC_OF_KIND,
  type MetricName,
  type MinuteValues,
} from './anomaly-kinds';
import {
  type AnomalyOptions,
  type ResolvedAnomalyOptions,
  parseAnomalyOptions,
} from './anomaly-options.schema';
import { type Baseline, robustBaseline } from './robust-baseline';

const MINUTE_MS = 60_000;

/**
 * Values of a metric at the same time on previous days (or the same hour of the week), e.g.
 * from the hourly rollups. The engine asks once per series, metric and minute.
 */
export interface SeasonalProvider {
  values(key: string, metric: MetricName, atMs: number): readonly number[] | undefined;
}

/** The 1m window a series is judged on: a `SeriesStats` row of window_ms 60 000 fits. */
export type CurrentStats = Pick<
  SeriesStats,
  | 'key'
  | 'series'
  | 'window_ms'
  | 'window_start_ms'
  | 'events'
  | 'errors'
  | 'p95_ms'
  | 'latency_samples'
  | 'input_tokens'
  | 'output_tokens'
  | 'cost_usd'
>;

export interface OpenAnomalyState {
  kind: AnomalyKind;
  severity: AnomalySeverity;
  first_seen_ms: number;
  last_seen_ms: number;
}

export interface SeriesDetectorState {
  key: string;
  series: SeriesId;
  /** Closed minutes held (at most historyMinutes + 1). */
  minutes: number;
  /** Fewer than warmupMinutes minutes: nothing is raised unless a seasonal baseline exists. */
  warming_up: boolean;
  open: OpenAnomalyState[];
}

interface Episode {
  kind: AnomalyKind;
  firstSeenMs: number;
  lastSeenMs: number;
  severity: AnomalySeverity;
  /** The last breaching judgement: what update and resolve report. */
  latest: Judgement;
  normalSinceMs: number | null;
  lastEmitMs: number;
  lastEmitActual: number;
  lastEmitSeverity: AnomalySeverity;
}

interface SeriesRecord {
  key: string;
  series: SeriesId;
  /** Closed minutes, ascending, unique by minuteStartMs. */
  minutes: MinutePoint[];
  episodes: Map<AnomalyKind, Episode>;
  /** Cached summary of `minutes[0, summaryUpTo)`; dropped when a minute is recorded. */
  summary: HistorySummary | null;
  summaryUpTo: number;
  /** Cached seasonal baselines of the minute `seasonalFor`. */
  seasonal: Map<MetricName, Baseline | null>;
  seasonalFor: number;
}

const SEVERITY_RANK: Readonly<Record<AnomalySeverity, number>> = {
  warning: 0,
  high: 1,
  critical: 2,
};

const SILENT: MinuteValues = {
  events: 0,
  errors: 0,
  p95_ms: null,
  latency_samples: 0,
  tokens: 0,
  cost_usd: 0,
};

/**
 * Anomaly lifecycle per (series, kind): inactive → open → (update)* → resolved. Stateful but
 * pure: no clock, no I/O; `nowMs` is passed in.
 *
 * - Baselines come from closed minutes (`recordMinute`, `seedHistory` on start); a series is
 *   judged on its live 1m window (`evaluate`), excluding from the baseline the minutes that
 *   overlap that window.
 * - Series with history but no current stats are judged as silent (0 events), which is how an
 *   agent going quiet becomes an `event_drop`.
 * - Hysteresis: an open anomaly resolves only after `resolveAfterMs` of normal evaluations;
 *   breaching again meanwhile keeps the same episode.
 * - Write rate: `update` is emitted on a severity escalation at once; otherwise at most every
 *   `updateMinIntervalMs` and only when `actual` moved by `updateMinChange` (relative) since
 *   the last emitted transition; and at least every `updateMaxIntervalMs` as a heartbeat. At
 *   1 Hz that is ≤ 6 writes a minute per open anomaly, typically 1.
 * - Forgetting: a series with no minute in the last `historyMinutes` (of event time) and no
 *   current stats is dropped; its open anomalies are resolved (nothing is left to judge).
 */
export class AnomalyEngine {
  readonly options: ResolvedAnomalyOptions;
  private readonly records = new Map<string, SeriesRecord>();
  /** End of the newest minute recorded: the engine's event-time clock for forgetting. */
  private newestMinuteEndMs = Number.NEGATIVE_INFINITY;

  constructor(
    options: AnomalyOptions = {},
    private readonly seasonalProvider?: SeasonalProvider,
  ) {
    this.options = parseAnomalyOptions(options);
  }

  /** Adds a closed minute; a minute already held for the series is replaced. */
  recordMinute(p: MinutePoint): void {
    this.insertMinute(this.recordOf(p.key, p.series), p);
  }

  /** Rebuilds a series' history on start, e.g. from the per-minute rollups. */
  seedHistory(key: string, series: SeriesId, points: readonly MinutePoint[]): void {
    const record = this.recordOf(key, series);
    for (const p of points) this.insertMinute(record, { ...p, key, series });
  }

  state(key: string): SeriesDetectorState | undefined {
    const r = this.records.get(key);
    if (r === undefined) return undefined;
    return {
      key: r.key,
      series: r.series,
      minutes: r.minutes.length,
      warming_up: r.minutes.length < this.options.warmupMinutes,
      open: [...r.episodes.values()].map((e) => ({
        kind: e.kind,
        severity: e.severity,
        first_seen_ms: e.firstSeenMs,
        last_seen_ms: e.lastSeenMs,
      })),
    };
  }

  /** Series currently tracked (for a gauge). */
  get seriesCount(): number {
    return this.records.size;
  }

  /**
   * Judges every series: those in `current` on their 1m window (rows of other windows are
   * ignored, so a whole snapshot can be passed), those with history but no row as silent.
   */
  evaluate(nowMs: number, current: readonly CurrentStats[]): AnomalyTransition[] {
    const out: AnomalyTransition[] = [];
    const seen = new Set<string>();
    let windowStartMs = Number.NEGATIVE_INFINITY;
    for (const s of current) {
      if (s.window_ms !== MINUTE_MS) continue;
      windowStartMs = Math.max(windowStartMs, s.window_start_ms);
      seen.add(s.key);
      const values: MinuteValues = {
        events: s.events,
        errors: s.errors,
        p95_ms: s.p95_ms,
        latency_samples: s.latency_samples,
        tokens: s.input_tokens + s.output_tokens,
        cost_usd: s.cost_usd,
      };
      this.evaluateSeries(this.recordOf(s.key, s.series), values, s.window_start_ms, nowMs, out);
    }
    const forgetBeforeMs = this.newestMinuteEndMs - this.options.historyMinutes * MINUTE_MS;
    for (const [key, record] of this.records) {
      if (seen.has(key)) continue;
      const newest = record.minutes[record.minutes.length - 1];
      if (newest === undefined || newest.minuteStartMs < forgetBeforeMs) {
        for (const episode of record.episodes.values()) {
          out.push(transition('resolve', record, episode, nowMs));
        }
        this.records.delete(key);
        continue;
      }
      // Without any row, all series share the watermark: fall back to after the newest minute.
      const silentFromMs = Number.isFinite(windowStartMs) ? windowStartMs : this.newestMinuteEndMs;
      this.evaluateSeries(record, SILENT, silentFromMs, nowMs, out);
    }
    return out;
  }

  private recordOf(key: string, series: SeriesId): SeriesRecord {
    let r = this.records.get(key);
    if (r === undefined) {
      r = {
        key,
        series,
        minutes: [],
        episodes: new Map(),
        summary: null,
        summaryUpTo: -1,
        seasonal: new Map(),
        seasonalFor: Number.NaN,
      };
      this.records.set(key, r);
    }
    return r;
  }

  private insertMinute(r: SeriesRecord, p: MinutePoint): void {
    const minutes = r.minutes;
    let i = minutes.length;
    while (i > 0 && minutes[i - 1]!.minuteStartMs > p.minuteStartMs) i--;
    if (i > 0 && minutes[i - 1]!.minuteStartMs === p.minuteStartMs) minutes[i - 1] = p;
    else minutes.splice(i, 0, p);
    // One more than the baseline uses: the newest may overlap the window being judged.
    const keep = this.options.historyMinutes + 1;
    if (minutes.length > keep) minutes.splice(0, minutes.length - keep);
    r.summary = null;
    this.newestMinuteEndMs = Math.max(this.newestMinuteEndMs, p.minuteStartMs + MINUTE_MS);
  }

  /**
   * Baseline inputs: the last historyMinutes closed minutes that end at or before
   * `windowStartMs`. Cached by how many minutes that is, so a 1 Hz loop whose window slides
   * within a minute reuses it (median/MAD are computed once per closed minute, not per second).
   */
  private summaryOf(r: SeriesRecord, windowStartMs: number): HistorySummary {
    let upTo = r.minutes.length;
    while (upTo > 0 && r.minutes[upTo - 1]!.minuteStartMs + MINUTE_MS > windowStartMs) upTo--;
    if (r.summary !== null && r.summaryUpTo === upTo) return r.summary;
    const history = r.minutes
      .slice(Math.max(0, upTo - this.options.historyMinutes), upTo)
      .map((m) => ({
        events: m.events,
        errors: m.errors,
        p95_ms: m.p95_ms,
        latency_samples: m.latency_samples,
        tokens: m.tokens,
        cost_usd: m.cost_usd,
      }));
    r.summary = summarizeHistory(history, this.options);
    r.summaryUpTo = upTo;
    return r.summary;
  }

  private seasonalOf(r: SeriesRecord, metric: MetricName, atMs: number): Baseline | null {
    if (this.seasonalProvider === undefined) return null;
    const minuteMs = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
    if (r.seasonalFor !== minuteMs) {
      r.seasonal.clear();
      r.seasonalFor = minuteMs;
    }
    let baseline = r.seasonal.get(metric);
    if (baseline === undefined) {
      const values = this.seasonalProvider.values(r.key, metric, atMs) ?? [];
      baseline =
        values.length >= this.options.seasonalMinPoints
          ? robustBaseline(values, SCALE_MODEL_OF_METRIC[metric], 'seasonal')
          : null;
      r.seasonal.set(metric, baseline);
    }
    return baseline;
  }

  private evaluateSeries(
    r: SeriesRecord,
    values: MinuteValues,
    windowStartMs: number,
    nowMs: number,
    out: AnomalyTransition[],
  ): void {
    const summary = this.summaryOf(r, windowStartMs);
    for (const kind of this.options.kinds) {
      const seasonal = this.seasonalOf(r, METRIC_OF_KIND[kind], windowStartMs);
      this.advance(r, kind, detect(kind, values, summary, seasonal, this.options), nowMs, out);
    }
  }

  private advance(
    r: SeriesRecord,
    kind: AnomalyKind,
    d: Detection,
    nowMs: number,
    out: AnomalyTransition[],
  ): void {
    const episode = r.episodes.get(kind);
    if (d.status === 'judged' && d.breaching && (episode !== undefined || d.confirmed)) {
      const severity = d.severity ?? 'warning';
      if (episode === undefined) {
        const opened: Episode = {
          kind,
          firstSeenMs: nowMs,
          lastSeenMs: nowMs,
          severity,
          latest: d,
          normalSinceMs: null,
          lastEmitMs: nowMs,
          lastEmitActual: d.actual,
          lastEmitSeverity: severity,
        };
        r.episodes.set(kind, opened);
        out.push(transition('open', r, opened, null));
        return;
      }
      episode.lastSeenMs = nowMs;
      episode.latest = d;
      episode.normalSinceMs = null;
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[episode.severity]) episode.severity = severity;
      if (this.shouldEmitUpdate(episode, nowMs)) {
        episode.lastEmitMs = nowMs;
        episode.lastEmitActual = d.actual;
        episode.lastEmitSeverity = episode.severity;
        out.push(transition('update', r, episode, null));
      }
      return;
    }
    if (episode === undefined) return;
    episode.normalSinceMs ??= nowMs;
    if (nowMs - episode.normalSinceMs >= this.options.resolveAfterMs) {
      r.episodes.delete(kind);
      out.push(transition('resolve', r, episode, nowMs));
    }
  }

  private shouldEmitUpdate(e: Episode, nowMs: number): boolean {
    const sinceMs = nowMs - e.lastEmitMs;
    if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[e.lastEmitSeverity]) return true;
    if (sinceMs >= this.options.updateMaxIntervalMs) return true;
    if (sinceMs < this.options.updateMinIntervalMs) return false;
    const base = Math.max(Math.abs(e.lastEmitActual), Number.EPSILON);
    return Math.abs(e.latest.actual - e.lastEmitActual) / base >= this.options.updateMinChange;
  }
}

function transition(
  action: AnomalyTransition['action'],
  r: SeriesRecord,
  e: Episode,
  resolvedMs: number | null,
): AnomalyTransition {
  const d = e.latest;
  return {
    action,
    key: r.key,
    series: r.series,
    kind: e.kind,
    metric: METRIC_OF_KIND[e.kind],
    window: '1m',
    baseline: d.baseline,
    actual: d.actual,
    expected: d.expected,
    lower: d.lower,
    upper: d.upper,
    score: d.score,
    severity: e.severity,
    first_seen_ms: e.firstSeenMs,
    last_seen_ms: e.lastSeenMs,
    resolved_ms: resolvedMs,
  };
}
