export type { EventBus, LiveFeed, LiveListener } from './event-bus.port';
export { LiveHub } from './event-bus.port';
export { EventPipeline } from './event-pipeline';
export type { PipelineResult } from './event-pipeline';
export { InProcessEventBus } from './in-process-event-bus';
export type { InProcessBusOptions } from './in-process-event-bus';
export { StreamAnalytics } from './stream-analytics';
export type {
  LiveUpdateSink,
  StreamAnalyticsOptions,
  StreamAnalyticsLog,
} from './stream-analytics';
export { RollupSeasonalBaseline, SEASONAL_DAYS } from './seasonal-baseline';
export { AlertRunner } from './alert-runner';
export type { AlertNotifier, AlertRunnerOptions } from './alert-runner';
export { OutboxAlertNotifier } from './outbox-alert-notifier';
