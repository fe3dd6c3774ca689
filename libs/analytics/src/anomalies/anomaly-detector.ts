import {
  type AnomalyKind,
  type AnomalySeverity,
  type BaselineSource,
  METRIC_NAMES,
  METRIC_OF_KIND,
  type MetricName,
  type MinuteValues,
} from './anomaly-kinds';
import type { ResolvedAnomalyOptions } from './anomaly-options.schema';
import { type Baseline, type ScaleModel, robustBaseline, scoreAgainst } from './robust-baseline';

/** How each metric's noise is modelled (see robust-baseline.ts for why). */
export const SCALE_MODEL_OF_METRIC: Readonly<Record<MetricName, ScaleModel>> = {
  events_per_min: 'poisson',
  errors_per_min: 'poisson',
  p95_ms: 'log',
  tokens_per_min: 'relative',
  cost_usd_per_min: 'relative',
};

/** The value of a metric in one minute; null when the minute says nothing about it. */
export function metricValue(
  metric: MetricName,
  m: MinuteValues,
  minLatencySamples: number,
): number | null {
  switch (metric) {
    case 'events_per_min':
      return m.events;
    case 'errors_per_min':
      return m.errors;
    case 'p95_ms':
      return m.latency_samples >= minLatencySamples ? m.p95_ms : null;
    case 'tokens_per_min':
      return m.tokens;
    case 'cost_usd_per_min':
      return m.cost_usd;
  }
}

/**
 * What the detectors need from a series' recent history, computed once per closed minute (not
 * on every evaluation): robust baselines per metric and the usual shares used to explain
 * effects by their cause.
 */
export interface HistorySummary {
  /** Closed minutes in the history. */
  minutes: number;
  /** The newest of them (the minute just before the judged window), for confirmation. */
  lastClosed: MinuteValues | null;
  /** Null when fewer than `warmupMinutes` minutes have a value for the metric. */
  recent: Readonly<Record<MetricName, Baseline | null>>;
  /** Errors per event, tokens per event, cost per token, cost per event; null if undefined. */
  errorsPerEvent: number | null;
  tokensPerEvent: number | null;
  costPerToken: number | null;
  costPerEvent: number | null;
}

export function summarizeHistory(
  history: readonly MinuteValues[],
  o: ResolvedAnomalyOptions,
): HistorySummary {
  const recent = {} as Record<MetricName, Baseline | null>;
  for (const metric of METRIC_NAMES) {
    const values: number[] = [];
    for (const m of history) {
      const v = metricValue(metric, m, o.minLatencySamples);
      if (v !== null) values.push(v);
    }
    recent[metric] =
      values.length >= o.warmupMinutes
        ? robustBaseline(values, SCALE_MODEL_OF_METRIC[metric], 'recent')
        : null;
  }
  const upper = (b: Baseline | null) =>
    b === null
      ? Number.POSITIVE_INFINITY
      : scoreAgainst(b, b.median, b.median, 'up', o.sensitivity, o.relativeScaleFloor).upper;
  const errorsUpper = upper(recent.errors_per_min);
  const tokensUpper = upper(recent.tokens_per_min);
  const costUpper = upper(recent.cost_usd_per_min);
  return {
    minutes: history.length,
    lastClosed: history[history.length - 1] ?? null,
    recent,
    errorsPerEvent: trimmedRatio(
      history,
      errorsUpper,
      (m) => m.errors,
      (m) => m.events,
    ),
    tokensPerEvent: trimmedRatio(
      history,
      tokensUpper,
      (m) => m.tokens,
      (m) => m.events,
    ),
    costPerToken: trimmedRatio(
      history,
      costUpper,
      (m) => m.cost_usd,
      (m) => m.tokens,
    ),
    costPerEvent: trimmedRatio(
      history,
      costUpper,
      (m) => m.cost_usd,
      (m) => m.events,
    ),
  };
}

/**
 * Σ numerator / Σ denominator over the minutes whose numerator was not itself an outlier.
 * Pooled rather than a median of per-minute ratios because small shares (0.5 % errors) have a
 * per-minute median of 0; trimmed so a past error burst does not raise the usual share.
 */
function trimmedRatio(
  history: readonly MinuteValues[],
  numeratorUpper: number,
  numerator: (m: MinuteValues) => number,
  denominator: (m: MinuteValues) => number,
): number | null {
  let num = 0;
  let den = 0;
  for (const m of history) {
    const n = numerator(m);
    if (n > numeratorUpper) continue;
    num += n;
    den += denominator(m);
  }
  return den > 0 ? num / den : null;
}

export type Detection =
  | { status: 'warming_up' }
  /** A guard said the minute cannot be judged (low volume, no baseline of that metric). */
  | { status: 'skipped'; reason: string }
  | Judgement;

export interface Judgement {
  status: 'judged';
  /** The judged minute is beyond the band. */
  breaching: boolean;
  /**
   * Breaching and either scoring at least instantFactor × sensitivity or confirmed by the
   * closed minute before the window: what it takes to open an anomaly (an open one stays open
   * while `breaching`).
   */
  confirmed: boolean;
  actual: number;
  expected: number;
  lower: number;
  upper: number;
  /** Robust z in the kind's direction. */
  score: number;
  severity: AnomalySeverity | null;
  baseline: BaselineSource;
}

const skipped = (reason: string): Detection => ({ status: 'skipped', reason });

/**
 * Judges one kind on one minute. `seasonal` (same metric at this time on previous days), when
 * given, replaces the recent baseline: it already knows that 09:00 is busier than 08:00,
 * which the last hour cannot. The shares that explain effects by their cause always come from
 * the recent history, which knows the series' current mix of events best.
 */
export function detect(
  kind: AnomalyKind,
  current: MinuteValues,
  summary: HistorySummary,
  seasonal: Baseline | null,
  o: ResolvedAnomalyOptions,
): Detection {
  const base = seasonal ?? summary.recent[METRIC_OF_KIND[kind]];
  if (base === null) {
    return summary.minutes < o.warmupMinutes ? { status: 'warming_up' } : skipped('no baseline');
  }
  const d = judgeMinute(kind, current, summary, base, o);
  if (d.status !== 'judged' || d.confirmed) return d;
  if (!d.breaching) return d;
  // Confirmation: the closed minute before the window (disjoint from it) must breach as well.
  const previous =
    summary.lastClosed === null ? null : judgeMinute(kind, summary.lastClosed, summary, base, o);
  return { ...d, confirmed: previous?.status === 'judged' && previous.breaching };
}

function judgeMinute(
  kind: AnomalyKind,
  current: MinuteValues,
  summary: HistorySummary,
  base: Baseline,
  o: ResolvedAnomalyOptions,
): Detection {
  const explain = o.explainByVolume;
  switch (kind) {
    case 'event_spike':
      if (current.events < o.minVolume) return skipped('volume below minVolume');
      return judge('up', current.events, base.median, base, o);
    case 'event_drop':
      if (base.median < o.minVolume) return skipped('baseline below minVolume');
      return judge('down', current.events, base.median, base, o);
    case 'error_spike': {
      if (current.errors < o.minErrors) return skipped('errors below minErrors');
      const byVolume = explain ? (summary.errorsPerEvent ?? 0) * current.events : 0;
      return judge('up', current.errors, Math.max(base.median, byVolume), base, o);
    }
    case 'latency_spike':
      if (current.p95_ms === null || current.latency_samples < o.minLatencySamples) {
        return skipped('durations below minLatencySamples');
      }
      if (base.median <= 0) return skipped('no latency baseline');
      return judge('up', current.p95_ms, base.median, base, o);
    case 'token_burn': {
      if (current.events < o.minBurnEvents) return skipped('events below minBurnEvents');
      if (base.median <= 0) return skipped('no token baseline');
      const byVolume = explain ? (summary.tokensPerEvent ?? 0) * current.events : 0;
      return judge('up', current.tokens, Math.max(base.median, byVolume), base, o);
    }
    case 'cost_burn': {
      if (current.events < o.minBurnEvents) return skipped('events below minBurnEvents');
      if (base.median <= 0) return skipped('no cost baseline');
      let byCause = 0;
      if (explain) {
        byCause =
          summary.costPerToken !== null && current.tokens > 0
            ? summary.costPerToken * current.tokens
            : (summary.costPerEvent ?? 0) * current.events;
      }
      return judge('up', current.cost_usd, Math.max(base.median, byCause), base, o);
    }
  }
}

/**
 * Severity from the score, in units of the threshold T: warning ≥ T, high ≥ 1.5·T,
 * critical ≥ 2·T; a drop to exactly 0 events (silence) is critical whatever its score.
 */
export function severityOf(score: number, threshold: number, silence: boolean): AnomalySeverity {
  if (silence || score >= 2 * threshold) return 'critical';
  if (score >= 1.5 * threshold) return 'high';
  return 'warning';
}

function judge(
  direction: 'up' | 'down',
  actual: number,
  expected: number,
  base: Baseline,
  o: ResolvedAnomalyOptions,
): Judgement {
  const band = scoreAgainst(base, expected, actual, direction, o.sensitivity, o.relativeScaleFloor);
  const breaching = band.score >= o.sensitivity;
  return {
    status: 'judged',
    breaching,
    confirmed: breaching && band.score >= o.instantFactor * o.sensitivity,
    actual,
    ...band,
    severity: breaching
      ? severityOf(band.score, o.sensitivity, direction === 'down' && actual === 0)
      : null,
    baseline: base.source,
  };
}
