/**
 * The live WebSocket protocol. Client → server messages are validated with
 * {@link wsClientMessageSchema}; server → client messages are plain TS types (the server is
 * trusted). Every message is one JSON object with a `type`.
 */
import { z } from 'zod';
import type { EventEnvelope } from '../envelope/event-envelope.schema';
import { formatFieldErrors, zodIssuesToFieldErrors } from '../errors/fleetscope-error';
import { eventFilterSchema } from '../filters/event-filter.schema';
import { isPlainObject } from '../ingest/field-rules';
import { describeType } from '../ingest/timestamp';
import type { LiveAlertUpdate } from '../alerting/alert';
import {
  LIVE_CHANNELS,
  type AnomalyView,
  type LiveAnomalyUpdate,
  type LiveStatsUpdate,
} from './live-updates';

// --- client → server -------------------------------------------------------------------

/**
 * Subscribe (or replace the filter of) subscription `id`; `cursor` resumes after an event.
 * `channels` (default `["events"]`): `stats` gets window statistics once a second for the
 * series the filter matches (project, apps, agents; sessions when `session_id` is given),
 * `anomalies` gets anomaly transitions.
 */
export const wsSubscribeSchema = z
  .object({
    type: z.literal('subscribe'),
    id: z.string().min(1).max(64),
    filter: eventFilterSchema.optional(),
    channels: z.array(z.enum(LIVE_CHANNELS)).min(1).max(LIVE_CHANNELS.length).optional(),
    cursor: z.string().min(1).max(1024).optional(),
  })
  .strict();

export const wsUnsubscribeSchema = z
  .object({ type: z.literal('unsubscribe'), id: z.string().min(1).max(64) })
  .strict();

// Lenient on purpose: clients often add a client timestamp to pings.
export const wsPingSchema = z.object({ type: z.literal('ping') });

/** Seed-compatible ad-hoc query (`{type:"query", sql, queryId}`); the server decides what may run. */
export const wsQuerySchema = z
  .object({
    type: z.literal('query'),
    queryId: z.string().min(1).max(128).optional(),
    sql: z.string().min(1).max(20_000),
    params: z.array(z.unknown()).max(100).optional(),
  })
  .strict();

export const wsClientMessageSchema = z.discriminatedUnion('type', [
  wsSubscribeSchema,
  wsUnsubscribeSchema,
  wsPingSchema,
  wsQuerySchema,
]);

export type WsClientMessage = z.infer<typeof wsClientMessageSchema>;
export type WsSubscribeMessage = z.infer<typeof wsSubscribeSchema>;
export type WsQueryMessage = z.infer<typeof wsQuerySchema>;

export const WS_CLIENT_MESSAGE_TYPES = ['subscribe', 'unsubscribe', 'ping', 'query'] as const;

export type ParseWsClientMessageResult =
  { ok: true; msg: WsClientMessage } | { ok: false; error: string };

/** Parse one text frame. Errors are short sentences meant to be echoed to the client. */
export function parseWsClientMessage(raw: string): ParseWsClientMessageResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (!isPlainObject(parsed))
    return { ok: false, error: `message must be a JSON object, got ${describeType(parsed)}` };
  const type = parsed['type'];
  if (type === undefined) return { ok: false, error: "missing field 'type'" };
  if (typeof type !== 'string' || !(WS_CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      error: `unknown message type ${JSON.stringify(type)} (expected one of ${WS_CLIENT_MESSAGE_TYPES.join(', ')})`,
    };
  }
  const r = wsClientMessageSchema.safeParse(parsed);
  if (!r.success) {
    return {
      ok: false,
      error: `invalid ${type} message: ${formatFieldErrors(zodIssuesToFieldErrors(r.error))}`,
    };
  }
  return { ok: true, msg: r.data };
}

// --- server → client -------------------------------------------------------------------

export const WS_ERROR_CODES = {
  invalidMessage: 'invalid_message',
  unknownSubscription: 'unknown_subscription',
  tooManySubscriptions: 'too_many_subscriptions',
  invalidCursor: 'invalid_cursor',
  queryFailed: 'query_failed',
  queryForbidden: 'query_forbidden',
  unauthorized: 'unauthorized',
  internal: 'internal_error',
} as const;

export interface WsEventMessage {
  type: 'event';
  /** The subscription id the event matched. */
  subscription: string;
  data: EventEnvelope;
}
export interface WsSubscribedMessage {
  type: 'subscribed';
  id: string;
}
export interface WsUnsubscribedMessage {
  type: 'unsubscribed';
  id: string;
}
export interface WsPongMessage {
  type: 'pong';
  /** Server time, ISO 8601 UTC with ms. */
  timestamp: string;
}
/** The client was too slow: `dropped` events were skipped; resubscribe with `resume_from` as cursor. */
export interface WsLaggedMessage {
  type: 'lagged';
  subscription?: string;
  dropped: number;
  resume_from?: string;
}
export interface WsErrorMessage {
  type: 'error';
  code: string;
  message: string;
  /** The subscription or query id the error is about, when any. */
  id?: string;
}
/** Window statistics of the series the subscription's filter matches. */
export interface WsStatsMessage {
  type: 'stats';
  subscription: string;
  data: Omit<LiveStatsUpdate, 'type'>;
}
/** An anomaly opened, updated or resolved. */
export interface WsAnomalyMessage {
  type: 'anomaly';
  subscription: string;
  action: LiveAnomalyUpdate['action'];
  data: AnomalyView;
}
/** An alert changed state (seed: `{type:"alert", data:{rule, condition, …}}`). */
export interface WsAlertMessage {
  type: 'alert';
  subscription: string;
  action: LiveAlertUpdate['action'];
  data: LiveAlertUpdate['alert'];
}
export interface WsQueryResultMessage {
  type: 'query_result';
  queryId: string | null;
  rows: Record<string, unknown>[];
  rowCount?: number;
  truncated?: boolean;
  [key: string]: unknown;
}

export type WsServerMessage =
  | WsEventMessage
  | WsSubscribedMessage
  | WsUnsubscribedMessage
  | WsPongMessage
  | WsLaggedMessage
  | WsErrorMessage
  | WsStatsMessage
  | WsAnomalyMessage
  | WsAlertMessage
  | WsQueryResultMessage;
