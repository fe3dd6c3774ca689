/**
 * The API's shapes the dashboard reads. The event envelope and live messages come from
 * libs/domain (type-only imports: nothing of the server's runtime reaches the bundle).
 */
export type {
  EventEnvelope,
  WsServerMessage,
  WsEventMessage,
  WsStatsMessage,
  WsAnomalyMessage,
  WsAlertMessage,
  WsErrorMessage,
  WsLaggedMessage,
  EventFilter,
  LiveChannel,
  AnomalyView,
  AlertView,
} from '@fleetscope/domain';

import type { EventEnvelope } from '@fleetscope/domain';

/** An event as the REST routes return it (`timestamp` repeats `ts` for the seed's clients). */
export type ApiEvent = EventEnvelope & { timestamp?: string };
