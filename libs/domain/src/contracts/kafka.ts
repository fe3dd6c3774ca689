/**
 * The Kafka contract between the API (producer), fleets producing directly, and the stream
 * workers (consumers). Messages are UTF-8 JSON of one {@link EventEnvelope}, keyed by
 * `project_id:session_id` so a session's events stay ordered within one partition.
 */
import {
  eventEnvelopeSchema,
  EVENT_SCHEMA_VERSION,
  type EventEnvelope,
} from '../envelope/event-envelope.schema';
import { formatFieldErrors, zodIssuesToFieldErrors } from '../errors/fleetscope-error';
import { isPlainObject } from '../ingest/field-rules';
import { DEFAULT_MAX_EVENT_BYTES, normalizeEvents } from '../ingest/normalize-events';
import { describeType } from '../ingest/timestamp';

export const TOPICS = {
  events: 'fleetscope.events.v1',
  eventsDlq: 'fleetscope.events.dlq.v1',
  live: 'fleetscope.live.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const KAFKA_HEADERS = {
  contentType: 'content-type',
  schemaVersion: 'schema-version',
  dlqError: 'x-fleetscope-error',
  dlqSourceTopic: 'x-fleetscope-source-topic',
  dlqSourcePartition: 'x-fleetscope-source-partition',
  dlqSourceOffset: 'x-fleetscope-source-offset',
} as const;

export const EVENT_MESSAGE_CONTENT_TYPE = 'application/json';

/** Header values as kafkajs-style clients expose them (Buffer is a Uint8Array). */
export type KafkaHeaderValue = string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
export type KafkaMessageHeaders = Readonly<Record<string, KafkaHeaderValue>>;

/** Partition key: a session's events stay in order; sessions spread across partitions. */
export function eventMessageKey(e: Pick<EventEnvelope, 'project_id' | 'session_id'>): string {
  return `${e.project_id}:${e.session_id}`;
}

export function encodeEventMessage(e: EventEnvelope): string {
  return JSON.stringify(e);
}

/** Headers to send with {@link encodeEventMessage}'s value. */
export function eventMessageHeaders(): Record<string, string> {
  return {
    [KAFKA_HEADERS.contentType]: EVENT_MESSAGE_CONTENT_TYPE,
    [KAFKA_HEADERS.schemaVersion]: String(EVENT_SCHEMA_VERSION),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** First value of a header as a string, or undefined. */
export function readKafkaHeader(
  headers: KafkaMessageHeaders | undefined,
  name: string,
): string | undefined {
  if (headers === undefined) return undefined;
  // Header names are case-sensitive in Kafka; accept any case since producers differ.
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return undefined;
  const raw = headers[key];
  const first = Array.isArray(raw)
    ? (raw as readonly (string | Uint8Array)[])[0]
    : (raw as string | Uint8Array | undefined);
  if (first === undefined) return undefined;
  if (typeof first === 'string') return first;
  try {
    return utf8.decode(first);
  } catch {
    return undefined;
  }
}

export interface DecodeEventOptions {
  /** Receive time for raw events. Default `new Date()`. */
  now?: Date;
  /** Default {@link DEFAULT_MAX_EVENT_BYTES}. */
  maxEventBytes?: number;
  /**
   * Deterministic id for a raw event that has none, e.g. `${topic}:${partition}:${offset}`.
   * NOTE: without it a redelivered raw message gets a fresh random UUID and is stored twice.
   */
  fallbackId?: string;
}

export type DecodeEventResult = { ok: true; event: EventEnvelope } | { ok: false; error: string };

/**
 * Decode a message of `fleetscope.events.v1`. Accepts:
 * - a canonical envelope (recognised by a `received_at` key, which no client dialect has),
 *   validated with `eventEnvelopeSchema`;
 * - a raw generic / Claude Code hook event, for fleets producing directly: normalised with
 *   `project_id` from the message (else `'default'`) and source `'kafka'`.
 * Anything else (tombstone, invalid UTF-8, not JSON, not an object, a batch, a newer schema
 * version, invalid fields) → `{ ok: false, error }` for the DLQ.
 */
export function decodeEventMessage(
  value: string | Uint8Array | null,
  headers?: KafkaMessageHeaders,
  options: DecodeEventOptions = {},
): DecodeEventResult {
  if (value === null) return { ok: false, error: 'empty message value (tombstone)' };

  const version = readKafkaHeader(headers, KAFKA_HEADERS.schemaVersion);
  if (version !== undefined && version.trim() !== String(EVENT_SCHEMA_VERSION)) {
    return {
      ok: false,
      error: `unsupported schema-version "${version}" (this consumer reads ${EVENT_SCHEMA_VERSION})`,
    };
  }

  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = utf8.decode(value);
    } catch {
      return { ok: false, error: 'message value is not valid UTF-8' };
    }
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (Array.isArray(parsed))
    return { ok: false, error: 'message is a JSON array: produce one event per message' };
  if (!isPlainObject(parsed))
    return { ok: false, error: `message must be a JSON object, got ${describeType(parsed)}` };

  if (Object.hasOwn(parsed, 'received_at')) {
    const r = eventEnvelopeSchema.safeParse(parsed);
    if (!r.success)
      return {
        ok: false,
        error: `invalid envelope: ${formatFieldErrors(zodIssuesToFieldErrors(r.error))}`,
      };
    return { ok: true, event: { ...r.data, payload: r.data.payload } };
  }

  const projectRaw = parsed['project_id'];
  let projectId = 'default';
  if (projectRaw !== undefined && projectRaw !== null) {
    if (
      typeof projectRaw !== 'string' ||
      projectRaw.trim().length === 0 ||
      projectRaw.length > 128
    ) {
      return {
        ok: false,
        error: 'invalid event: project_id: must be a non-empty string of at most 128 characters',
      };
    }
    projectId = projectRaw.trim();
  }
  const result = normalizeEvents(parsed, {
    projectId,
    receivedAt: options.now ?? new Date(),
    maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES,
    source: 'kafka',
  });
  const event = result.events[0];
  if (event === undefined)
    return { ok: false, error: `invalid event: ${formatFieldErrors(result.rejected)}` };
  if (options.fallbackId !== undefined && (parsed['id'] === undefined || parsed['id'] === null)) {
    event.id = options.fallbackId;
  }
  return { ok: true, event };
}
