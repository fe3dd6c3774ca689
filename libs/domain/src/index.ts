// Public API of @fleetscope/domain. Other packages import only from here.

export {
  EVENT_SCHEMA_VERSION,
  EVENT_SOURCES,
  EVENT_STATUSES,
  ENVELOPE_LIMITS,
  EVENT_ID_RE,
  ISO_MILLIS_UTC_RE,
  SEVERITY,
  eventEnvelopeSchema,
  parseEventEnvelope,
  type EventEnvelope,
  type EventSource,
  type EventStatus,
  type Severity,
} from './envelope/event-envelope.schema';

export {
  DEFAULT_MAX_BATCH_EVENTS,
  DEFAULT_MAX_EVENT_BYTES,
  detectDialect,
  normalizeEvents,
  normalizeNdjson,
  type IngestDialect,
  type IngestRejection,
  type NormalizeContext,
  type NormalizeResult,
} from './ingest/normalize-events';
export {
  deriveSeverity,
  inferProvider,
  normalizeStatus,
  normalizeTags,
  resolveDurationMs,
  tokensFromPayload,
  type TagsResult,
  type TokenCounts,
} from './ingest/field-rules';
export {
  TIMESTAMP_MAX_FUTURE_MS,
  TIMESTAMP_MAX_PAST_MS,
  parseEventTimestamp,
  parseIsoTimestamp,
  type TimestampParseResult,
} from './ingest/timestamp';
export { eventByteSize } from './ingest/event-size';
export { generateSpanId, generateTraceId } from './ingest/tracing-ids';

export { eventFilterSchema, matchesFilter, type EventFilter } from './filters/event-filter.schema';

export {
  EVENT_MESSAGE_CONTENT_TYPE,
  KAFKA_HEADERS,
  TOPICS,
  decodeEventMessage,
  encodeEventMessage,
  eventMessageHeaders,
  eventMessageKey,
  readKafkaHeader,
  type DecodeEventOptions,
  type DecodeEventResult,
  type KafkaHeaderValue,
  type KafkaMessageHeaders,
  type TopicName,
} from './contracts/kafka';

export {
  WS_CLIENT_MESSAGE_TYPES,
  WS_ERROR_CODES,
  parseWsClientMessage,
  sqlParamSchema,
  sqlParamsSchema,
  sqlTextSchema,
  wsClientMessageSchema,
  wsPingSchema,
  wsQuerySchema,
  wsSubscribeSchema,
  wsUnsubscribeSchema,
  type ParseWsClientMessageResult,
  type QueryColumn,
  type SqlParam,
  type WsAlertMessage,
  type WsAnomalyMessage,
  type WsClientMessage,
  type WsErrorMessage,
  type WsEventMessage,
  type WsLaggedMessage,
  type WsPongMessage,
  type WsQueryMessage,
  type WsQueryResultMessage,
  type WsServerMessage,
  type WsStatsMessage,
  type WsSubscribeMessage,
  type WsSubscribedMessage,
  type WsUnsubscribedMessage,
} from './contracts/ws-messages.schema';
export {
  LIVE_CURSOR_MAX_LENGTH,
  LivePosition,
  compareStreamKeys,
  decodeLiveCursor,
  encodeLiveCursor,
  type LiveCursor,
  type StreamKey,
} from './contracts/live-cursor';

export {
  BackpressureError,
  FleetscopeError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
  formatFieldErrors,
  isFleetscopeError,
  zodIssuesToFieldErrors,
  type FieldError,
  type FleetscopeErrorOptions,
} from './errors/fleetscope-error';

export { cursorOf, decodeCursor, encodeCursor, type EventCursor } from './query/cursor';
export { SEARCH_LIMITS, payloadText, searchTextOf } from './query/search-text';
export { decodeLiveUpdate, LIVE_CHANNELS } from './contracts/live-updates';
export type {
  AnomalyView,
  LiveAnomalyUpdate,
  LiveChannel,
  LiveStatsUpdate,
  LiveUpdate,
  SeriesLevel,
  SeriesRef,
  SeriesStatsView,
  WindowStatsView,
} from './contracts/live-updates';

export {
  CLAUDE_CODE_HOOK_EVENT_TYPES,
  SESSION_PROMPT_MAX_LENGTH,
  SESSION_STATUSES,
  isClaudeCodeHookEvent,
  isErrorEvent,
  isSessionEndEvent,
  isToolCallEvent,
  promptOf,
  sessionContributionOf,
  sessionStatusAfter,
  type SessionContribution,
  type SessionStatus,
} from './sessions/session-rules';
export {
  CLAUDE_CODE_ROOT_SPAN_ID,
  CLAUDE_CODE_TRACE_PREFIX,
  claudeCodeTraceId,
  sessionOfClaudeCodeTrace,
  spanKeyOf,
  spanNameOf,
  traceContributionOf,
  traceKeyOf,
  type TraceContribution,
  type TraceKey,
} from './traces/trace-rules';
export {
  buildExplicitSpans,
  buildSpanTree,
  nestSpans,
  type FlatSpan,
  type TraceSpan,
} from './traces/span-tree';
export {
  buildClaudeCodeSpanTree,
  buildClaudeCodeSpans,
  toolUseIdOf,
} from './traces/claude-code-spans';
export {
  ALERT_CONDITIONS,
  ALERT_GROUP_KEYS,
  ALERT_OPERATORS,
  ALERT_SEVERITIES,
  RESPONSE_TIME_STATS,
  alertFiltersSchema,
  alertRuleInputSchema,
  alertRuleView,
  defaultAlertRules,
  durationSchema,
  formatDuration,
  normalizeAlertRule,
  renderTemplate,
} from './alerting/alert-rule.schema';
export type {
  AlertCondition,
  AlertFilters,
  AlertGroupKey,
  AlertOperator,
  AlertRule,
  AlertRuleInput,
  AlertRuleSpec,
  AlertSeverity,
  ResponseTimeStat,
} from './alerting/alert-rule.schema';
export {
  ALERT_ACTIONS,
  NOTIFYING_ACTIONS,
  alertLabels,
  silenceMatcherSchema,
  silenceMatches,
} from './alerting/alert';
export type {
  AlertAction,
  AlertStatus,
  AlertView,
  LiveAlertUpdate,
  SilenceMatcher,
} from './alerting/alert';
export {
  DELIVERY_KINDS,
  NOTIFICATION_SEVERITIES,
  NOTIFICATION_STATUSES,
  alertLink,
  alertNotificationSchema,
  notificationSummary,
  testNotification,
  type AlertNotification,
  type DeliveryKind,
  type NotificationSeverity,
  type NotificationStatus,
} from './alerting/notification.schema';
export {
  CHANNEL_CONFIG_SCHEMAS,
  CHANNEL_KINDS,
  PAGERDUTY_EVENTS_URL,
  RESERVED_HEADERS,
  WEBHOOK_SECRET_BYTES,
  channelCreateSchema,
  channelPatchSchema,
  channelUrl,
  generateWebhookSecret,
  parseChannelConfig,
  redactChannelConfig,
  secretBytes,
  webhookConfigSchema,
  webhookSecretSchema,
  type AlertmanagerConfig,
  type ChannelCreate,
  type ChannelKind,
  type ChannelPatch,
  type ChannelTarget,
  type DiscordConfig,
  type PagerdutyConfig,
  type SlackConfig,
  type WebhookConfig,
} from './alerting/channel.schema';
export {
  DELIVERY_QUEUE,
  DELIVERY_STATUSES,
  REDELIVERABLE_STATUSES,
  deliveryJobSchema,
  type ChannelView,
  type DeliveryAttemptView,
  type DeliveryJob,
  type DeliveryNotifier,
  type DeliveryStatus,
  type DeliveryView,
} from './alerting/delivery.schema';
// Test factory (specs and integration tests of every package build envelopes with it).
export { sampleEnvelope } from './envelope/test-fixtures';
export {
  base64UrlBytes,
  pushKeysSchema,
  pushSubscriptionCreateSchema,
  webpushConfigSchema,
  webpushWants,
  type PushSubscriptionCreate,
  type PushSubscriptionView,
  type WebpushConfig,
} from './alerting/webpush.schema';
export {
  HITL_DEFAULT_TIMEOUT_S,
  HITL_LIMITS,
  HITL_MAX_TIMEOUT_S,
  HITL_MAX_WAIT_S,
  HITL_STATUSES,
  HITL_TYPES,
  checkHitlAnswer,
  hitlAnswerSchema,
  hitlAttributeSchema,
  hitlCreateSchema,
  hitlEventOf,
  hitlListQuerySchema,
  hitlRequestOf,
  hitlTimeoutSeconds,
  hitlWaitQuerySchema,
  type HitlAnswer,
  type HitlAnswerCheck,
  type HitlCreate,
  type HitlListQuery,
  type HitlRequestView,
  type HitlRequestWrite,
  type HitlResponse,
  type HitlStatus,
  type HitlType,
} from './hitl/hitl.schema';
