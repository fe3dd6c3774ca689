import { z } from 'zod';

/**
 * The canonical Fleetscope event: what the normalisers produce, what travels on Kafka
 * (`fleetscope.events.v1`), what the DB stores (field names are the column names) and what
 * the live WebSocket sends. Every wire dialect (seed generic events, Claude Code hook bodies,
 * SDKs, OTLP later) is mapped onto this one shape at the edge.
 *
 * Bump {@link EVENT_SCHEMA_VERSION} (and the Kafka topic suffix) on any incompatible change;
 * the schema is `.strict()` so a producer on a newer version fails loudly instead of having
 * its new fields silently stripped.
 *
 * ## OTLP mapping (not implemented yet; the envelope is shaped so it needs no new columns)
 *
 * One OTLP span → one envelope:
 * - `traceId` (32 hex) → `trace_id`; `spanId` (16 hex) → `span_id`;
 *   `parentSpanId` → `parent_span_id` (empty string / all zeros → null).
 * - `name` → `summary`; `event_type` = `gen_ai.operation.name` when present
 *   (`chat`, `execute_tool`, `invoke_agent`, …), else the span name.
 * - `startTimeUnixNano` → `ts` (ns → ms, truncated); `endTimeUnixNano - startTimeUnixNano`
 *   → `duration_ms` (ns / 1e6, may be fractional).
 * - `status.code` UNSET/OK/ERROR → `status` 'unset'/'ok'/'error'; ERROR → severity 3,
 *   `status.message` → `attributes['otel.status_message']`.
 * - `gen_ai.request.model` (else `gen_ai.response.model`, else OpenInference `llm.model_name`)
 *   → `model`; `gen_ai.provider.name` (else deprecated `gen_ai.system`) → `provider`.
 * - `gen_ai.usage.input_tokens` / `output_tokens` (else deprecated `prompt_tokens` /
 *   `completion_tokens`, else `llm.token_count.prompt|completion`) → `input_tokens` /
 *   `output_tokens`; `gen_ai.usage.cache_read.input_tokens` → `cache_read_tokens`;
 *   `gen_ai.usage.cache_creation.input_tokens` → `cache_creation_tokens`.
 * - `gen_ai.agent.id` (else `gen_ai.agent.name`) → `agent_id`; `gen_ai.tool.name` → `tool_name`.
 * - session: `gen_ai.conversation.id`, else `session.id`, else the trace id → `session_id`.
 * - resource `service.name` → `app` (fallback `'unknown_service'`, as the OTel SDKs do).
 * - `source` = 'otlp'; `payload` = `{ kind, events, links }` of the span (bounded);
 *   every other span attribute and resource attribute → `attributes` (resource ones
 *   prefixed `resource.`), so nothing is dropped.
 * - OTLP log records map the same way with `severityNumber` 1-8/9-12/13-16/17-20/21-24 →
 *   severity 1/1/2/3/4 and `body` → `payload`.
 */
export const EVENT_SCHEMA_VERSION = 1 as const;

/** Which dialect / path produced an event. */
export const EVENT_SOURCES = ['generic', 'claude_code', 'otlp', 'sdk', 'kafka'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

export const EVENT_STATUSES = ['ok', 'error', 'unset'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** 1 info, 2 warn, 3 error, 4 fatal. */
export type Severity = 1 | 2 | 3 | 4;
export const SEVERITY = { info: 1, warn: 2, error: 3, fatal: 4 } as const;

/** Length limits shared by the schema and the normalisers (they must agree). */
export const ENVELOPE_LIMITS = {
  idMaxLength: 128,
  projectIdMaxLength: 128,
  appMaxLength: 256,
  eventTypeMaxLength: 256,
  sessionIdMaxLength: 256,
  summaryMaxLength: 4096,
  /** agent_id, agent_type, model, provider, tool_name. */
  shortTextMaxLength: 256,
  /** trace_id, span_id, parent_span_id. Not forced to W3C hex: the seed used 16/8 hex. */
  traceIdMaxLength: 128,
  maxTags: 64,
  tagKeyMaxLength: 128,
  tagValueMaxLength: 1024,
} as const;

/** `2026-01-02T03:04:05.678Z`: exactly what `Date.prototype.toISOString()` emits. */
export const ISO_MILLIS_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Client ids are idempotency keys: printable ASCII, no whitespace. */
export const EVENT_ID_RE = /^[\x21-\x7e]+$/;

const isoMillis = z
  .string()
  .regex(ISO_MILLIS_UTC_RE, 'must be ISO 8601 UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z')
  // NOTE: the regex alone accepts 2026-02-30T…; round-tripping through Date rejects it.
  .refine((s) => {
    const d = new Date(s);
    return !Number.isNaN(d.getTime()) && d.toISOString() === s;
  }, 'is not a valid calendar date/time');

const nullableText = (max: number) => z.string().min(1).max(max).nullable();
const tokenCount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullable();

export const eventEnvelopeSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(ENVELOPE_LIMITS.idMaxLength)
      .regex(EVENT_ID_RE, 'must be printable ASCII without whitespace'),
    project_id: z.string().min(1).max(ENVELOPE_LIMITS.projectIdMaxLength),
    ts: isoMillis,
    received_at: isoMillis,
    source: z.enum(EVENT_SOURCES),
    app: z.string().min(1).max(ENVELOPE_LIMITS.appMaxLength),
    agent_id: nullableText(ENVELOPE_LIMITS.shortTextMaxLength),
    agent_type: nullableText(ENVELOPE_LIMITS.shortTextMaxLength),
    session_id: z.string().min(1).max(ENVELOPE_LIMITS.sessionIdMaxLength),
    event_type: z.string().min(1).max(ENVELOPE_LIMITS.eventTypeMaxLength),
    severity: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
    summary: z.string().max(ENVELOPE_LIMITS.summaryMaxLength).nullable(),
    // NOTE: z.unknown() accepts undefined, so default it: a stored payload is never undefined
    // (JSON.stringify would drop the key and the NOT NULL column would fail).
    payload: z.unknown().default({}),
    trace_id: nullableText(ENVELOPE_LIMITS.traceIdMaxLength),
    span_id: nullableText(ENVELOPE_LIMITS.traceIdMaxLength),
    parent_span_id: nullableText(ENVELOPE_LIMITS.traceIdMaxLength),
    duration_ms: z.number().finite().nonnegative().nullable(),
    status: z.enum(EVENT_STATUSES).nullable(),
    model: nullableText(ENVELOPE_LIMITS.shortTextMaxLength),
    provider: nullableText(ENVELOPE_LIMITS.shortTextMaxLength),
    input_tokens: tokenCount,
    output_tokens: tokenCount,
    cache_read_tokens: tokenCount,
    cache_creation_tokens: tokenCount,
    cost_usd: z.number().finite().nonnegative().nullable(),
    tool_name: nullableText(ENVELOPE_LIMITS.shortTextMaxLength),
    tags: z
      .record(
        z.string().min(1).max(ENVELOPE_LIMITS.tagKeyMaxLength),
        z.string().max(ENVELOPE_LIMITS.tagValueMaxLength),
      )
      .refine(
        (t) => Object.keys(t).length <= ENVELOPE_LIMITS.maxTags,
        `at most ${ENVELOPE_LIMITS.maxTags} tags`,
      )
      .nullable(),
    attributes: z.record(z.string(), z.unknown()).nullable(),
  })
  .strict();

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * NOTE: plain `z.infer` would type `payload` as optional (`payload?: unknown`) because zod
 * marks every key whose type admits `undefined` as optional. The envelope always carries a
 * payload, so the key is made required here; everything else is exactly the inferred type.
 */
export type EventEnvelope = Simplify<
  Omit<z.infer<typeof eventEnvelopeSchema>, 'payload'> & { payload: unknown }
>;

/** Parse an unknown value as an envelope; throws `ZodError`. */
export function parseEventEnvelope(value: unknown): EventEnvelope {
  const parsed = eventEnvelopeSchema.parse(value);
  return { ...parsed, payload: parsed.payload };
}
