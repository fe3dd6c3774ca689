/**
 * Pure derivation rules used by the normalisers. Each one is exported so the API, the
 * workers and the tests agree on a single definition.
 */
import {
  ENVELOPE_LIMITS,
  type EventStatus,
  type Severity,
} from '../envelope/event-envelope.schema';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property read: `obj['constructor']` on a plain object would return the inherited function. */
export function getOwn(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Define an own, enumerable property.
 * NOTE: `JSON.parse` produces an own `"__proto__"` key; copying it with `out[key] = v` would
 * replace the prototype of `out` instead (and lose the data). defineProperty keeps it data.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Severity from the event type (case-insensitive) and status, used when the client gives none:
 * - 4 (fatal): `fatal`, `crash`, `panic`, or a type ending in `_fatal` / `_crash` / `_panic`;
 * - 3 (error): a type ending in `error` (`error`, `function_call_error`, `ToolError`), in
 *   `failure` (`failure`, `PostToolUseFailure`) or in `failed` (`task_failed`), or
 *   `status === 'error'`;
 * - 2 (warn): a type ending in `warning`, or exactly `warn`;
 * - 1 (info) otherwise.
 * The seed only knew `error` → 3 and `warning` → 2; those keep their meaning.
 */
export function deriveSeverity(eventType: string, status?: string | null): Severity {
  const t = eventType.trim().toLowerCase();
  if (t === 'fatal' || t === 'crash' || t === 'panic' || /_(fatal|crash|panic)$/.test(t)) return 4;
  if (t.endsWith('error') || t.endsWith('failure') || t.endsWith('failed') || status === 'error')
    return 3;
  if (t.endsWith('warning') || t === 'warn') return 2;
  return 1;
}

export function isSeverity(value: unknown): value is Severity {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

/**
 * Map a client status onto the envelope's: `ok`/`success` → ok, `error`/`failed`/`failure`
 * → error, `unset` → unset (case-insensitive). Returns undefined for anything else.
 */
export function normalizeStatus(value: unknown): EventStatus | undefined {
  if (typeof value !== 'string') return undefined;
  switch (value.trim().toLowerCase()) {
    case 'ok':
    case 'success':
      return 'ok';
    case 'error':
    case 'failed':
    case 'failure':
      return 'error';
    case 'unset':
      return 'unset';
    default:
      return undefined;
  }
}

function nonNegativeNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

/**
 * Duration rule, first match wins:
 * 1. top-level `duration_ms` when it is a finite number ≥ 0 (milliseconds);
 * 2. `payload.duration_ms` when a finite number ≥ 0 (milliseconds);
 * 3. `payload.duration` when a finite number ≥ 0, read as **seconds** (the seed Python SDK
 *    sends `time.time()` differences) and converted to ms, rounded to the microsecond so
 *    `1.23` gives `1230`, not `1230.0000000000002`;
 * 4. otherwise null.
 * Invalid values are skipped here (a bad top-level `duration_ms` is rejected by the
 * normaliser before this is called; bad payload values are only ignored).
 * NOTE: `payload.session_duration` (seed SDK) is the age of the session, not of the event:
 * it is deliberately not used.
 */
export function resolveDurationMs(top: unknown, payload: unknown): number | null {
  const direct = nonNegativeNumber(top);
  if (direct !== null) return direct;
  if (!isPlainObject(payload)) return null;
  const payloadMs = nonNegativeNumber(payload['duration_ms']);
  if (payloadMs !== null) return payloadMs;
  const seconds = nonNegativeNumber(payload['duration']);
  if (seconds !== null) return Math.round(seconds * 1_000_000) / 1_000;
  return null;
}

export interface TokenCounts {
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_creation_tokens: number | null;
}

export function isTokenCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function firstTokenCount(...candidates: unknown[]): number | null {
  for (const c of candidates) if (isTokenCount(c)) return c;
  return null;
}

/**
 * Token counts found inside a payload, first valid one wins per field:
 * - input: `usage.input_tokens` (Anthropic), `usage.prompt_tokens` (OpenAI),
 *   `input_tokens`, `prompt_tokens` (seed `token_usage` events);
 * - output: `usage.output_tokens`, `usage.completion_tokens`, `output_tokens`, `completion_tokens`;
 * - cache read: `usage.cache_read_input_tokens`, `cache_read_tokens`;
 * - cache creation: `usage.cache_creation_input_tokens`, `cache_creation_tokens`.
 * Values that are not non-negative integers are ignored (the seed's `total_tokens` is a float
 * word-count estimate, which is exactly why it is not read).
 */
export function tokensFromPayload(payload: unknown): TokenCounts {
  if (!isPlainObject(payload)) {
    return {
      input_tokens: null,
      output_tokens: null,
      cache_read_tokens: null,
      cache_creation_tokens: null,
    };
  }
  const usage = isPlainObject(payload['usage']) ? payload['usage'] : {};
  return {
    input_tokens: firstTokenCount(
      usage['input_tokens'],
      usage['prompt_tokens'],
      payload['input_tokens'],
      payload['prompt_tokens'],
    ),
    output_tokens: firstTokenCount(
      usage['output_tokens'],
      usage['completion_tokens'],
      payload['output_tokens'],
      payload['completion_tokens'],
    ),
    cache_read_tokens: firstTokenCount(
      usage['cache_read_input_tokens'],
      payload['cache_read_tokens'],
    ),
    cache_creation_tokens: firstTokenCount(
      usage['cache_creation_input_tokens'],
      payload['cache_creation_tokens'],
    ),
  };
}

/**
 * Provider from a model name: `claude*` → anthropic; `gpt-*`, `chatgpt-*`, `o1*`/`o3*`/`o4*`
 * → openai; `gemini*` → google; `mistral*`/`mixtral*` → mistral; `command*` → cohere;
 * `deepseek*` → deepseek; else null. A router prefix such as `anthropic/claude-3-5-haiku`
 * is ignored for matching.
 */
export function inferProvider(model: string | null | undefined): string | null {
  if (!model) return null;
  const m = model.trim().toLowerCase();
  const name = m.includes('/') ? m.slice(m.lastIndexOf('/') + 1) : m;
  if (name.startsWith('claude')) return 'anthropic';
  if (name.startsWith('gpt-') || name.startsWith('chatgpt-') || /^o[134](?:-|$)/.test(name))
    return 'openai';
  if (name.startsWith('gemini')) return 'google';
  if (name.startsWith('mistral') || name.startsWith('mixtral')) return 'mistral';
  if (name.startsWith('command')) return 'cohere';
  if (name.startsWith('deepseek')) return 'deepseek';
  return null;
}

export type TagsResult =
  { ok: true; tags: Record<string, string> | null } | { ok: false; field: string; reason: string };

/**
 * Tags accept:
 * - an object whose values are string | number | boolean (numbers and booleans are
 *   stringified: tags are matched as strings);
 * - an array of strings, each becoming `{ [tag]: "true" }` (the seed stored any JSON, and
 *   label lists are common);
 * - null / absent → null. An empty object or array → null.
 * Limits: at most 64 tags, keys 1..128 chars (after trim), values ≤ 1024 chars. The rejection
 * field is `tags` for shape/count problems and `tags.<key>` (or `tags.<index>` for arrays)
 * for a single bad entry.
 */
export function normalizeTags(value: unknown): TagsResult {
  if (value === undefined || value === null) return { ok: true, tags: null };
  const { maxTags, tagKeyMaxLength, tagValueMaxLength } = ENVELOPE_LIMITS;
  const out: Record<string, unknown> = {};
  const put = (rawKey: string, v: string, field: string): TagsResult | null => {
    const key = rawKey.trim();
    if (key.length === 0) return { ok: false, field: 'tags', reason: 'tag keys must not be empty' };
    if (key.length > tagKeyMaxLength) {
      return {
        ok: false,
        field: 'tags',
        reason: `tag key "${key.slice(0, 32)}…" is longer than ${tagKeyMaxLength} characters`,
      };
    }
    if (v.length > tagValueMaxLength) {
      return {
        ok: false,
        field,
        reason: `tag value is longer than ${tagValueMaxLength} characters`,
      };
    }
    setOwn(out, key, v);
    return null;
  };

  if (Array.isArray(value)) {
    if (value.length > maxTags)
      return { ok: false, field: 'tags', reason: `at most ${maxTags} tags, got ${value.length}` };
    for (const [i, item] of value.entries()) {
      if (typeof item !== 'string')
        return { ok: false, field: `tags.${i}`, reason: 'array tags must be strings' };
      const err = put(item, 'true', `tags.${i}`);
      if (err) return err;
    }
  } else if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length > maxTags)
      return { ok: false, field: 'tags', reason: `at most ${maxTags} tags, got ${entries.length}` };
    for (const [k, v] of entries) {
      const field = `tags.${k}`;
      if (typeof v === 'string') {
        const err = put(k, v, field);
        if (err) return err;
      } else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') {
        const err = put(k, String(v), field);
        if (err) return err;
      } else {
        return {
          ok: false,
          field,
          reason: 'tag values must be strings, finite numbers or booleans',
        };
      }
    }
  } else {
    return {
      ok: false,
      field: 'tags',
      reason: 'tags must be an object of string values or an array of strings',
    };
  }
  return { ok: true, tags: Object.keys(out).length === 0 ? null : (out as Record<string, string>) };
}
