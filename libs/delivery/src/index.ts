// Public API of @fleetscope/delivery: alert notification delivery.
export {
  DeliveryProcessor,
  nextRunAt,
  signingSecrets,
  type DeliveryHandler,
  type DeliveryProcessorOptions,
  type DeliveryResult,
} from './delivery.processor';
export {
  CHAT_INTERVAL_MS,
  createDeliveryProcessor,
  createDeliveryRuntime,
  ensureDefaultChannel,
  instrumentHandler,
  retryPolicyOf,
  vapidOf,
  type DeliveryRole,
  type DeliveryRuntime,
  type DeliveryRuntimeDeps,
} from './delivery-runtime';
export { FORMATTERS, formatNotification } from './formats/format-notification';
export type { FormatContext, Formatter } from './formats/format-context';
export { DISCORD_COLORS } from './formats/discord-format';
export { PAGERDUTY_SEVERITY, pagerdutyDedupKey } from './formats/pagerduty-format';
export {
  HttpSender,
  type HttpSenderOptions,
  type NotificationSender,
  type SendRequest,
  type SendResult,
} from './http/http-sender';
export { blockedRange, guardedLookup, literalRefusal, SsrfRefusedError } from './http/ssrf-guard';
export { signatureOf, standardWebhookHeaders, type SignInput } from './signing/standard-webhooks';
export {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  decideRetry,
  parseRetryAfter,
  type AttemptOutcome,
  type RetryDecision,
  type RetryPolicyOptions,
} from './retry/retry-policy';
export { NoopDeliveryQueue, type DeliveryQueue } from './queue/delivery-queue.port';
export { InProcessDeliveryQueue } from './queue/in-process-delivery.queue';
export { BullMqDeliveryQueue, type BullMqQueueOptions } from './queue/bullmq-delivery.queue';
export { OutboxRelay, type OutboxRelayOptions } from './queue/outbox-relay';
export { formatWebpush, type WebpushNotification } from './formats/webpush-format';
export { VAPID_SETTING_KEY, VapidKeys, type VapidDetails } from './webpush/vapid-keys';
export { topicOf, urgencyOf, WEBPUSH_TTL_S, webpushRequest } from './webpush/webpush-request';
