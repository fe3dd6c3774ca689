// Public API of @fleetscope/analytics: pure stream analytics, no I/O and no clock reads
// (time is always passed in as `nowMs`).

export {
  LatencySketch,
  SKETCH_GAMMA,
  SKETCH_MIN_MS,
  SKETCH_RELATIVE_ERROR,
  quantileFromBuckets,
  sketchIndex,
  sketchValue,
} from './sketch/latency-sketch';

export { type WindowInput, isErrorEvent } from './windows/window-input';
export {
  SERIES_LEVELS,
  type SeriesId,
  type SeriesLevel,
  parseSeriesKey,
  seriesKey,
  seriesOf,
} from './windows/series-id';
export {
  type ResolvedSlidingWindowOptions,
  type SlidingWindowOptions,
  parseSlidingWindowOptions,
  slidingWindowOptionsSchema,
} from './windows/window-options.schema';
export { WatermarkTracker } from './windows/watermark';
export {
  type MinutePoint,
  type SeriesStats,
  type SnapshotFilter,
  SlidingWindows,
  type WindowStats,
  windowEndMs,
  windowLabel,
} from './windows/sliding-windows';

export {
  ANOMALY_KINDS,
  type AnomalyKind,
  type AnomalySeverity,
  type AnomalyTransition,
  type BaselineSource,
  METRIC_NAMES,
  METRIC_OF_KIND,
  type MetricName,
  type MinuteValues,
} from './anomalies/anomaly-kinds';
export {
  type AnomalyOptions,
  type ResolvedAnomalyOptions,
  anomalyOptionsSchema,
  parseAnomalyOptions,
} from './anomalies/anomaly-options.schema';
export {
  type Band,
  type Baseline,
  MAD_TO_SIGMA,
  type ScaleModel,
  robustBaseline,
  scoreAgainst,
} from './anomalies/robust-baseline';
export {
  type Detection,
  type HistorySummary,
  type Judgement,
  SCALE_MODEL_OF_METRIC,
  detect,
  metricValue,
  severityOf,
  summarizeHistory,
} from './anomalies/anomaly-detector';
export {
  AnomalyEngine,
  type CurrentStats,
  type OpenAnomalyState,
  type SeasonalProvider,
  type SeriesDetectorState,
} from './anomalies/anomaly-engine';

export {
  AlertEvaluator,
  type AlertEvaluatorOptions,
  type AlertEventInput,
  type AlertTransition,
  type EvaluatedRule,
  type OpenAnomalyInput,
  fingerprintOf,
  groupOf,
  matchesFilters,
  resolveAfterMs,
} from './alerts/alert-evaluator';
