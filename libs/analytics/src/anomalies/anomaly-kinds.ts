import type { SeriesId } from '../windows/series-id';

export const ANOMALY_KINDS = [
  'event_spike',
  'event_drop',
  'error_spike',
  'latency_spike',
  'token_burn',
  'cost_burn',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** Per-minute metrics of a series; the names are what `anomalies.metric` stores. */
export const METRIC_NAMES = [
  'events_per_min',
  'errors_per_min',
  'p95_ms',
  'tokens_per_min',
  'cost_usd_per_min',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const METRIC_OF_KIND: Readonly<Record<AnomalyKind, MetricName>> = {
  event_spike: 'events_per_min',
  event_drop: 'events_per_min',
  error_spike: 'errors_per_min',
  latency_spike: 'p95_ms',
  token_burn: 'tokens_per_min',
  cost_burn: 'cost_usd_per_min',
};

export type AnomalySeverity = 'warning' | 'high' | 'critical';

/** Where `expected` came from: the last hour of the series, or the same time on past days. */
export type BaselineSource = 'recent' | 'seasonal';

/** One minute of a series as the detectors see it (a closed minute or the live 1m window). */
export interface MinuteValues {
  events: number;
  errors: number;
  p95_ms: number | null;
  /** Events that had a duration: p95 of 3 calls is noise. */
  latency_samples: number;
  tokens: number;
  cost_usd: number;
}

/**
 * What the engine emits: `open` once per episode, `update` while it lasts (rate-limited),
 * `resolve` once. Maps onto a row of the `anomalies` table.
 */
export interface AnomalyTransition {
  action: 'open' | 'update' | 'resolve';
  key: string;
  series: SeriesId;
  kind: AnomalyKind;
  metric: MetricName;
  window: '1m';
  baseline: BaselineSource;
  /** The metric in the evaluated minute (for `resolve`: the last breaching evaluation). */
  actual: number;
  expected: number;
  /** expected ± sensitivity·scale; lower clamped at 0. */
  lower: number;
  upper: number;
  /** Robust z-score in the anomaly's direction (positive = breaching). */
  score: number;
  /** Highest severity reached in the episode: an episode never downgrades. */
  severity: AnomalySeverity;
  first_seen_ms: number;
  /** Last evaluation that breached. */
  last_seen_ms: number;
  /** Set on `resolve` only. */
  resolved_ms: number | null;
}
