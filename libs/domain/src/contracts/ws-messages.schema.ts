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
import { LIVE_CURSOR_MAX_LENGTH } from './live-cursor';
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
 * Subscribe (or replace) subscription `id`. `cursor` (the `cursor` of the last `event`
 * received, or a `lagged` message's `resume_from`) resumes right after it: the events missed
 * meanwhile are replayed first (`replay: true`), then the stream goes live.
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
    cursor: z.string().min(1).max(LIVE_CURSOR_MAX_LENGTH).optional(),
  })
  .strict();

export const wsUnsubscribeSchema = z
  .object({ type: z.literal('unsubscribe'), id: z.string().min(1).max(64) })
  .strict();

// Lenient on purpose: clients often add a client timestamp to pings.
export const wsPingSchema = z.object({ type: z.literal('ping') });

/** A bind parameter of the SQL console (`$1`, `$2`, …): a JSON scalar. */
export const sqlParamSchema = z.union([
  z.string().max(65_536),
  z.number().finite(),
  z.boolean(),
  z.null(),
]);
export type SqlParam = z.infer<typeof sqlParamSchema>;

/** One SELECT statement of the SQL console; also the body of `POST /query`. */
export const sqlTextSchema = z
  .string()
  .max(20_000)
  // Not trimmed: error positions refer to the text as sent.
  .refine((v) => v.trim().length > 0, 'must not be empty');
export const sqlParamsSchema = z.array(sqlParamSchema).max(100);

/**
 * Seed-compatible ad-hoc query (`{type:"query", sql, queryId}`). The server runs it read-only
 * over the caller's project (see docs/api.md, "SQL console").
 */
export const wsQuerySchema = z
  .object({
    type: z.literal('query'),
    queryId: z.string().min(1).max(128).optional(),
    sql: sqlTextSchema,
    params: sqlParamsSchema.optional(),
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
  /** Opaque: subscribe again with it to resume right after this event. */
  cursor: string;
  /** Present on events replayed from storage after a subscribe with a cursor. */
  replay?: true;
}
export interface WsSubscribedMessage {
  type: 'subscribed';
  id: string;
  /** After a subscribe with a cursor: how many events were replayed (sent before this). */
  resumed?: number;
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
/**
 * Events were skipped: subscribe again (same id) with `resume_from` as the cursor to get them.
 * `slow_client`: the connection's send buffer was full; `dropped` events were skipped and the
 * stream went on. `replay_limit`: a resume had more to replay than one replay sends (or the
 * live events waiting behind it overflowed); the subscription is paused until the client
 * subscribes again, and `dropped` is how many were left (at least).
 */
export interface WsLaggedMessage {
  type: 'lagged';
  subscription?: string;
  dropped: number;
  /** A cursor; null when nothing had been delivered on the subscription before the gap. */
  resume_from?: string | null;
  reason?: 'slow_client' | 'replay_limit';
}
export interface WsErrorMessage {
  type: 'error';
  code: string;
  message: string;
  /** The subscription or query id the error is about, when any. */
  id?: string;
  /** Query errors: 1-based character offset in the query's `sql` that PostgreSQL points at. */
  position?: number;
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
/** A result column: its name and PostgreSQL type (`format_type`, e.g. `bigint`, `jsonb`). */
export interface QueryColumn {
  name: string;
  type: string;
}
/**
 * The rows of a `query`. Values are JSON: bigint as a number when exact, else a string;
 * numeric likewise; timestamps as ISO 8601 (`timestamptz` in UTC with `Z`); dates as
 * `YYYY-MM-DD`; bytea as `\x…` hex; json and arrays as JSON. `truncated`: more rows than
 * QUERY_MAX_ROWS matched and only the first QUERY_MAX_ROWS are here.
 */
export interface WsQueryResultMessage {
  type: 'query_result';
  queryId: string | null;
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
  rowCount: number;
  truncated: boolean;
  elapsed_ms: number;
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
