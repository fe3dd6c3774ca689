/**
 * Ingest normalisers: turn whatever a client POSTs (or produces to Kafka) into canonical
 * {@link EventEnvelope}s, item by item, so one bad item never loses the others.
 *
 * ## Body
 * A single object (index 0) or an array of objects (a batch; index = position). An empty
 * array, more than `maxBatchEvents` items, or anything else gives one rejection with
 * index -1 and field `(body)` and no events. A non-object item in a batch is rejected with
 * field `(item)`. For NDJSON see {@link normalizeNdjson}.
 *
 * ## Dialects (detected per item)
 * 1. **Claude Code hook body** (disler / DIS): an item with `source_app` or `hook_event_type`.
 *    `source_app` → app, `hook_event_type` → event_type, `session_id` required, `payload`
 *    required and an object or a string, `timestamp` epoch ms (an ISO string is accepted
 *    too), `model_name` → model. `agent_id` / `agent_type` / `tool_name` come from the top
 *    level, else from the payload (the hook stdin). Default source `claude_code`.
 * 2. **Generic** (EzAigents seed) **+ canonical**, one dialect with aliases: `app`,
 *    `event_type` and `payload` required (any JSON value except null; a string is fine),
 *    `session_id` defaults to `"default"`. Canonical names win over aliases when both are
 *    given (`ts` over `timestamp`, `model` over `model_name`); the losing alias is kept in
 *    `attributes`. Default source `generic`.
 *
 * ## Field rules (both dialects)
 * - `id`: client string of 1..128 printable ASCII without whitespace (an idempotency key),
 *   else a generated UUID.
 * - `ts` / `timestamp`: see `timestamp.ts` (ISO 8601 incl. microseconds and offsets, or epoch
 *   ms; at most 365 days old and 1 day ahead of `receivedAt`). Absent → `received_at`.
 *   Output is always `toISOString()` (UTC, ms).
 * - `app`, `event_type`, `session_id`: trimmed, non-empty, ≤ 256 chars. `summary` ≤ 4096.
 *   Optional strings are trimmed and an empty string becomes null.
 * - `severity`: a given integer 1..4 wins (anything else is a rejection), else
 *   {@link deriveSeverity}. `status`: ok|error|unset (+ success → ok, failed/failure → error),
 *   else `'error'` when severity ≥ 3, else null.
 * - `duration_ms`: {@link resolveDurationMs} (top-level ms, else payload.duration_ms, else
 *   payload.duration in **seconds**). An invalid top-level value is a rejection.
 * - tokens / `cost_usd`: top-level canonical fields (invalid → rejection), else from the payload
 *   ({@link tokensFromPayload}, `payload.cost_usd`; invalid payload values are ignored).
 * - `model`: top-level `model`, else `model_name`, else `payload.model`. `provider`: top-level,
 *   else `payload.provider`, else {@link inferProvider}. `tool_name`: top-level, else
 *   `payload.tool_name`, else `payload.tool` (seed SDK) unless it is the seed hooks' bogus
 *   `"unknown"`.
 * - `tags`: {@link normalizeTags}.
 * - `attributes`: every other top-level key (DIS `chat`, `humanInTheLoop`, `tool_use_id`,
 *   `error`, `is_interrupt`, `source`, …), then a client `attributes` object merged over
 *   them. Persisted, never dropped.
 * - NOTE: `project_id` and `received_at` are server-owned: a client value is ignored so a
 *   client cannot write into another tenant (Kafka raw messages pass their `project_id`
 *   through `ctx.projectId`, see `contracts/kafka.ts`).
 * - `generateTracing` (seed `ENABLE_TRACING`): when trace_id is absent, a W3C trace_id (32 hex)
 *   and, if absent, a span_id (16 hex) are generated.
 * - size: the normalised event's UTF-8 JSON must be ≤ `maxEventBytes`, else field `(event)`.
 *   NOTE: DIS `Stop` events with `--add-chat` carry the whole transcript in `chat` and are the
 *   usual offenders.
 */
import {
  ENVELOPE_LIMITS,
  EVENT_ID_RE,
  type EventEnvelope,
  type EventSource,
  type EventStatus,
  type Severity,
} from '../envelope/event-envelope.schema';
import { utf8ByteLength } from './event-size';
import {
  deriveSeverity,
  getOwn,
  inferProvider,
  isPlainObject,
  isSeverity,
  isTokenCount,
  normalizeStatus,
  normalizeTags,
  resolveDurationMs,
  setOwn,
  tokensFromPayload,
  type TokenCounts,
} from './field-rules';
import { describeType, parseEventTimestamp } from './timestamp';
import { generateSpanId, generateTraceId } from './tracing-ids';

export const DEFAULT_MAX_BATCH_EVENTS = 10_000;
/** 1 MiB; the API and the Kafka decoder use it unless configured otherwise. */
export const DEFAULT_MAX_EVENT_BYTES = 1_048_576;

export interface NormalizeContext {
  projectId: string;
  receivedAt: Date;
  maxEventBytes: number;
  /** Default {@link DEFAULT_MAX_BATCH_EVENTS}. */
  maxBatchEvents?: number;
  /** Overrides the per-dialect default (`generic` / `claude_code`). */
  source?: EventSource;
  /** Generate W3C trace/span ids when the client gives no trace_id. Default false. */
  generateTracing?: boolean;
}

export interface IngestRejection {
  /** Position in the batch (0 for a single object, the line for NDJSON, -1 for the whole body). */
  index: number;
  /** Dotted path (`app`, `timestamp`, `tags.env`) or a structural marker: `(body)`, `(item)`, `(line)`, `(event)`. */
  field: string;
  reason: string;
}

export interface NormalizeResult {
  events: EventEnvelope[];
  /**
   * The JSON of each event (same index), as measured against `maxEventBytes`: the Kafka
   * message value, so an event is serialised once on the ingest path.
   * NOTE: it no longer matches an event changed after normalisation.
   */
  json: string[];
  rejected: IngestRejection[];
}

export type IngestDialect = 'generic' | 'claude_code';

/** DIS bodies are recognised by their two distinctive keys. */
export function detectDialect(item: Record<string, unknown>): IngestDialect {
  return Object.hasOwn(item, 'source_app') || Object.hasOwn(item, 'hook_event_type')
    ? 'claude_code'
    : 'generic';
}

/** Keys the server owns; a client value is ignored (see the NOTE in the file header). */
const SERVER_OWNED_KEYS: ReadonlySet<string> = new Set(['project_id', 'received_at']);

interface FieldError {
  field: string;
  reason: string;
}

/** Reads fields off one item, recording which keys were consumed and what was wrong. */
class FieldReader {
  readonly used = new Set<string>();
  readonly errors: FieldError[] = [];

  constructor(readonly obj: Record<string, unknown>) {}

  /** True when the key is present with a non-null value. */
  has(key: string): boolean {
    const v = getOwn(this.obj, key);
    return v !== undefined && v !== null;
  }

  take(key: string): unknown {
    this.used.add(key);
    return getOwn(this.obj, key);
  }

  fail(field: string, reason: string): void {
    this.errors.push({ field, reason });
  }

  /** Required, trimmed, non-empty string of at most `max` characters. */
  requiredText(key: string, max: number): string {
    const v = this.take(key);
    if (v === undefined || v === null) {
      this.fail(key, 'is required');
      return '';
    }
    return this.checkText(key, v, max, true) ?? '';
  }

  /** Optional string: absent, null or blank → null. */
  optionalText(key: string, max: number): string | null {
    const v = this.take(key);
    if (v === undefined || v === null) return null;
    return this.checkText(key, v, max, false);
  }

  private checkText(key: string, v: unknown, max: number, required: boolean): string | null {
    if (typeof v !== 'string') {
      this.fail(key, `must be a string, got ${describeType(v)}`);
      return null;
    }
    const s = v.trim();
    if (s.length === 0) {
      if (required) this.fail(key, 'must not be empty');
      return null;
    }
    if (s.length > max) {
      this.fail(key, `is ${s.length} characters, over the limit of ${max}`);
      return null;
    }
    return s;
  }

  optionalTokenCount(key: string): number | null {
    const v = this.take(key);
    if (v === undefined || v === null) return null;
    if (!isTokenCount(v)) {
      this.fail(
        key,
        `must be a non-negative integer, got ${JSON.stringify(v)?.slice(0, 32) ?? describeType(v)}`,
      );
      return null;
    }
    return v;
  }

  optionalNonNegativeNumber(key: string): number | null {
    const v = this.take(key);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      this.fail(
        key,
        `must be a finite number >= 0, got ${JSON.stringify(v)?.slice(0, 32) ?? describeType(v)}`,
      );
      return null;
    }
    return v;
  }
}

/** A trimmed non-empty string of bounded length from the payload, or null (never a rejection). */
function payloadText(payload: unknown, key: string): string | null {
  if (!isPlainObject(payload)) return null;
  const v = getOwn(payload, key);
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s.length > 0 && s.length <= ENVELOPE_LIMITS.shortTextMaxLength ? s : null;
}

type ItemOutcome =
  { ok: true; event: EventEnvelope; json: string } | { ok: false; errors: FieldError[] };

interface ResolvedContext {
  projectId: string;
  receivedAt: Date;
  receivedAtIso: string;
  maxEventBytes: number;
  maxBatchEvents: number;
  source: EventSource | undefined;
  generateTracing: boolean;
}

function resolveContext(ctx: NormalizeContext): ResolvedContext {
  // Programming errors, not client errors: fail loudly.
  if (!(ctx.receivedAt instanceof Date) || Number.isNaN(ctx.receivedAt.getTime())) {
    throw new TypeError('NormalizeContext.receivedAt must be a valid Date');
  }
  if (!(ctx.maxEventBytes > 0)) throw new TypeError('NormalizeContext.maxEventBytes must be > 0');
  if (typeof ctx.projectId !== 'string' || ctx.projectId.length === 0) {
    throw new TypeError('NormalizeContext.projectId must be a non-empty string');
  }
  return {
    projectId: ctx.projectId,
    receivedAt: ctx.receivedAt,
    receivedAtIso: ctx.receivedAt.toISOString(),
    maxEventBytes: ctx.maxEventBytes,
    maxBatchEvents: ctx.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS,
    source: ctx.source,
    generateTracing: ctx.generateTracing ?? false,
  };
}

function normalizeItem(item: Record<string, unknown>, ctx: ResolvedContext): ItemOutcome {
  const dialect = detectDialect(item);
  const r = new FieldReader(item);
  const L = ENVELOPE_LIMITS;

  // --- identity: app / event_type / session_id / payload ----------------------------------
  let app: string;
  let eventType: string;
  let sessionId: string;
  const payload = r.take('payload');
  if (dialect === 'claude_code') {
    app = r.requiredText('source_app', L.appMaxLength);
    eventType = r.requiredText('hook_event_type', L.eventTypeMaxLength);
    sessionId = r.requiredText('session_id', L.sessionIdMaxLength);
    if (payload === undefined || payload === null) r.fail('payload', 'is required');
    else if (!isPlainObject(payload) && typeof payload !== 'string') {
      r.fail('payload', `must be an object or a string, got ${describeType(payload)}`);
    }
  } else {
    app = r.requiredText('app', L.appMaxLength);
    eventType = r.requiredText('event_type', L.eventTypeMaxLength);
    sessionId = r.optionalText('session_id', L.sessionIdMaxLength) ?? 'default';
    if (payload === undefined || payload === null)
      r.fail('payload', 'is required (any JSON value except null)');
  }

  // --- id -------------------------------------------------------------------------------
  let id: string | null = null;
  const rawId = r.take('id');
  if (rawId !== undefined && rawId !== null) {
    if (typeof rawId !== 'string') r.fail('id', `must be a string, got ${describeType(rawId)}`);
    else if (rawId.length < 1 || rawId.length > L.idMaxLength)
      r.fail('id', `must be 1..${L.idMaxLength} characters`);
    else if (!EVENT_ID_RE.test(rawId)) r.fail('id', 'must be printable ASCII without whitespace');
    else id = rawId;
  }

  // --- event time -------------------------------------------------------------------------
  let ts = ctx.receivedAtIso;
  const tsKey = r.has('ts') ? 'ts' : r.has('timestamp') ? 'timestamp' : null;
  if (tsKey !== null) {
    const parsed = parseEventTimestamp(r.take(tsKey), ctx.receivedAt);
    if (parsed.ok) ts = parsed.date.toISOString();
    else r.fail(tsKey, parsed.reason);
  }
  // A null alias is simply absent; mark it consumed so it does not land in attributes.
  for (const k of ['ts', 'timestamp']) if (getOwn(item, k) === null) r.take(k);

  // --- text fields --------------------------------------------------------------------------
  const summary = r.optionalText('summary', L.summaryMaxLength);
  const traceId = r.optionalText('trace_id', L.traceIdMaxLength);
  const spanId = r.optionalText('span_id', L.traceIdMaxLength);
  const parentSpanId = r.optionalText('parent_span_id', L.traceIdMaxLength);

  let agentId = r.optionalText('agent_id', L.shortTextMaxLength);
  let agentType = r.optionalText('agent_type', L.shortTextMaxLength);
  if (dialect === 'claude_code') {
    // NOTE: only for hook bodies: the seed SDK's payload.agent_type is the client library
    // (openai/anthropic/langchain), not an agent type, so generic payloads are not read.
    agentId ??= payloadText(payload, 'agent_id');
    agentType ??= payloadText(payload, 'agent_type');
  }

  let model: string | null;
  if (r.has('model')) model = r.optionalText('model', L.shortTextMaxLength);
  else model = r.optionalText('model_name', L.shortTextMaxLength);
  if (getOwn(item, 'model') === null) r.take('model');
  model ??= payloadText(payload, 'model');

  const provider =
    r.optionalText('provider', L.shortTextMaxLength) ??
    payloadText(payload, 'provider') ??
    inferProvider(model);

  let toolName =
    r.optionalText('tool_name', L.shortTextMaxLength) ?? payloadText(payload, 'tool_name');
  if (toolName === null) {
    const tool = payloadText(payload, 'tool');
    // NOTE: the seed's Claude hooks always send payload.tool = "unknown" (they read the wrong key).
    if (tool !== null && tool !== 'unknown') toolName = tool;
  }

  // --- severity / status -----------------------------------------------------------------
  const rawSeverity = r.take('severity');
  let givenSeverity: Severity | null = null;
  if (rawSeverity !== undefined && rawSeverity !== null) {
    if (isSeverity(rawSeverity)) givenSeverity = rawSeverity;
    else r.fail('severity', 'must be an integer 1..4 (1 info, 2 warn, 3 error, 4 fatal)');
  }
  const rawStatus = r.take('status');
  let givenStatus: EventStatus | null = null;
  if (rawStatus !== undefined && rawStatus !== null) {
    const s = normalizeStatus(rawStatus);
    if (s === undefined)
      r.fail('status', 'must be one of ok, error, unset (or success, failed, failure)');
    else givenStatus = s;
  }

  // --- numbers ----------------------------------------------------------------------------
  const topDuration = r.optionalNonNegativeNumber('duration_ms');
  const durationMs = resolveDurationMs(topDuration, payload);

  const fromPayload = tokensFromPayload(payload);
  const tokens: TokenCounts = {
    input_tokens: r.optionalTokenCount('input_tokens') ?? fromPayload.input_tokens,
    output_tokens: r.optionalTokenCount('output_tokens') ?? fromPayload.output_tokens,
    cache_read_tokens: r.optionalTokenCount('cache_read_tokens') ?? fromPayload.cache_read_tokens,
    cache_creation_tokens:
      r.optionalTokenCount('cache_creation_tokens') ?? fromPayload.cache_creation_tokens,
  };
  let costUsd = r.optionalNonNegativeNumber('cost_usd');
  if (costUsd === null && isPlainObject(payload)) {
    const c = getOwn(payload, 'cost_usd');
    if (typeof c === 'number' && Number.isFinite(c) && c >= 0) costUsd = c;
  }

  // --- tags / attributes --------------------------------------------------------------------
  const tagsResult = normalizeTags(r.take('tags'));
  let tags: Record<string, string> | null = null;
  if (tagsResult.ok) tags = tagsResult.tags;
  else r.fail(tagsResult.field, tagsResult.reason);

  const explicitAttributes = r.take('attributes');
  if (
    explicitAttributes !== undefined &&
    explicitAttributes !== null &&
    !isPlainObject(explicitAttributes)
  ) {
    r.fail('attributes', `must be an object, got ${describeType(explicitAttributes)}`);
  }

  if (r.errors.length > 0) return { ok: false, errors: r.errors };

  const attributes: Record<string, unknown> = {};
  for (const key of Object.keys(item)) {
    if (r.used.has(key) || SERVER_OWNED_KEYS.has(key)) continue;
    setOwn(attributes, key, item[key]);
  }
  if (isPlainObject(explicitAttributes)) {
    for (const key of Object.keys(explicitAttributes))
      setOwn(attributes, key, explicitAttributes[key]);
  }

  const severity = givenSeverity ?? deriveSeverity(eventType, givenStatus);
  const status: EventStatus | null = givenStatus ?? (severity >= 3 ? 'error' : null);

  let finalTraceId = traceId;
  let finalSpanId = spanId;
  if (ctx.generateTracing && finalTraceId === null) {
    finalTraceId = generateTraceId();
    finalSpanId ??= generateSpanId();
  }

  const event: EventEnvelope = {
    id: id ?? globalThis.crypto.randomUUID(),
    project_id: ctx.projectId,
    ts,
    received_at: ctx.receivedAtIso,
    source: ctx.source ?? (dialect === 'claude_code' ? 'claude_code' : 'generic'),
    app,
    agent_id: agentId,
    agent_type: agentType,
    session_id: sessionId,
    event_type: eventType,
    severity,
    summary,
    payload,
    trace_id: finalTraceId,
    span_id: finalSpanId,
    parent_span_id: parentSpanId,
    duration_ms: durationMs,
    status,
    model,
    provider,
    input_tokens: tokens.input_tokens,
    output_tokens: tokens.output_tokens,
    cache_read_tokens: tokens.cache_read_tokens,
    cache_creation_tokens: tokens.cache_creation_tokens,
    cost_usd: costUsd,
    tool_name: toolName,
    tags,
    attributes: Object.keys(attributes).length > 0 ? attributes : null,
  };

  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (err) {
    // Only reachable from in-process callers (JSON.parse output is always serialisable).
    return {
      ok: false,
      errors: [
        { field: '(event)', reason: `event is not JSON-serialisable: ${errorMessage(err)}` },
      ],
    };
  }
  const size = utf8ByteLength(json);
  if (size > ctx.maxEventBytes) {
    return {
      ok: false,
      errors: [
        {
          field: '(event)',
          reason: `event is ${size} bytes, over the limit of ${ctx.maxEventBytes} bytes`,
        },
      ],
    };
  }
  return { ok: true, event, json };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface IndexedItem {
  index: number;
  value: unknown;
}

function normalizeIndexed(
  items: readonly IndexedItem[],
  ctx: ResolvedContext,
  result: NormalizeResult,
): NormalizeResult {
  for (const { index, value } of items) {
    if (!isPlainObject(value)) {
      result.rejected.push({
        index,
        field: '(item)',
        reason: `each event must be a JSON object, got ${describeType(value)}`,
      });
      continue;
    }
    const outcome = normalizeItem(value, ctx);
    if (outcome.ok) {
      result.events.push(outcome.event);
      result.json.push(outcome.json);
    } else
      for (const e of outcome.errors)
        result.rejected.push({ index, field: e.field, reason: e.reason });
  }
  return result;
}

function bodyRejection(reason: string): NormalizeResult {
  return { events: [], json: [], rejected: [{ index: -1, field: '(body)', reason }] };
}

/** Normalise a parsed JSON body: one event object or an array of them. See the file header. */
export function normalizeEvents(body: unknown, ctx: NormalizeContext): NormalizeResult {
  const rc = resolveContext(ctx);
  if (Array.isArray(body)) {
    if (body.length === 0) return bodyRejection('empty batch: send at least one event');
    if (body.length > rc.maxBatchEvents) {
      return bodyRejection(
        `batch has ${body.length} events, over the limit of ${rc.maxBatchEvents}`,
      );
    }
    return normalizeIndexed(
      body.map((value: unknown, index) => ({ index, value })),
      rc,
      { events: [], json: [], rejected: [] },
    );
  }
  if (isPlainObject(body)) {
    const result: NormalizeResult = { events: [], json: [], rejected: [] };
    const outcome = normalizeItem(body, rc);
    if (outcome.ok) {
      result.events.push(outcome.event);
      result.json.push(outcome.json);
    } else
      for (const e of outcome.errors)
        result.rejected.push({ index: 0, field: e.field, reason: e.reason });
    return result;
  }
  return bodyRejection(
    `body must be a JSON object or an array of objects, got ${describeType(body)}`,
  );
}

/**
 * Normalise newline-delimited JSON (one event per line). Lines are split on `\n` (a trailing
 * `\r` is removed); blank lines, including the one after a trailing newline, are skipped.
 * NOTE: rejection indexes are the **physical 0-based line numbers** (blank lines counted), so
 * a client can find the offending line in its file; `maxBatchEvents` counts non-blank lines.
 * A line that is not valid JSON gives field `(line)`; the other lines are still normalised.
 */
export function normalizeNdjson(text: string, ctx: NormalizeContext): NormalizeResult {
  const rc = resolveContext(ctx);
  // NOTE: a UTF-8 BOM would make JSON.parse fail on the first line.
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const nonBlank: { index: number; line: string }[] = [];
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim().length > 0) nonBlank.push({ index, line });
  }
  if (nonBlank.length === 0) return bodyRejection('empty batch: send at least one event');
  if (nonBlank.length > rc.maxBatchEvents) {
    return bodyRejection(
      `batch has ${nonBlank.length} events, over the limit of ${rc.maxBatchEvents}`,
    );
  }
  const result: NormalizeResult = { events: [], json: [], rejected: [] };
  const items: IndexedItem[] = [];
  for (const { index, line } of nonBlank) {
    try {
      items.push({ index, value: JSON.parse(line) as unknown });
    } catch (err) {
      result.rejected.push({
        index,
        field: '(line)',
        reason: `invalid JSON: ${errorMessage(err)}`,
      });
    }
  }
  normalizeIndexed(items, rc, result);
  // Keep rejections in line order (JSON errors were collected before the per-item ones).
  result.rejected.sort((a, b) => a.index - b.index);
  return result;
}
