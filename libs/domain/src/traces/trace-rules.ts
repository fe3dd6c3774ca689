/**
 * Which trace an event belongs to, and what it adds to that trace's summary (the `traces`
 * table). Pure and per event, like the session rules, so the merge is order-independent.
 *
 * Two kinds of trace:
 * - **explicit**: the client sent `trace_id` (SDKs, OTLP-style spans). Spans are the
 *   events' `span_id` / `parent_span_id`.
 * - **derived**: Claude Code hook events carry no trace ids. Their session IS the trace,
 *   under the id `claude-code:<session_id>`, and the span tree (session → prompt turns →
 *   tool calls, subagents nested) is derived at read time from the stored events
 *   (`claude-code-spans.ts`). The stored events are never rewritten: their `trace_id` stays
 *   null, as the client sent it.
 */
import type { EventEnvelope } from '../envelope/event-envelope.schema';
import { isClaudeCodeHookEvent, isErrorEvent } from '../sessions/session-rules';

/** Prefix of derived trace ids. NOTE: a client trace id with this prefix is taken as given. */
export const CLAUDE_CODE_TRACE_PREFIX = 'claude-code:';

/**
 * Longest duration a span is taken to last: 10 years, in ms. The envelope accepts any
 * duration >= 0; beyond this, `ts + duration_ms` would leave the range of timestamps (a
 * database error that would refuse a valid event) or of JavaScript dates.
 */
export const SPAN_DURATION_CAP_MS = 10 * 365 * 24 * 3600 * 1000;

/** The root span of a derived trace. */
export const CLAUDE_CODE_ROOT_SPAN_ID = 'session';

export function claudeCodeTraceId(sessionId: string): string {
  return CLAUDE_CODE_TRACE_PREFIX + sessionId;
}

/** The session of a derived trace id, or null for any other id. */
export function sessionOfClaudeCodeTrace(traceId: string): string | null {
  return traceId.startsWith(CLAUDE_CODE_TRACE_PREFIX) &&
    traceId.length > CLAUDE_CODE_TRACE_PREFIX.length
    ? traceId.slice(CLAUDE_CODE_TRACE_PREFIX.length)
    : null;
}

export interface TraceKey {
  trace_id: string;
  derived: boolean;
}

/**
 * The trace of an event: its own `trace_id`, else the derived session trace for a Claude
 * Code hook event, else none (an uncorrelated event belongs to no trace; none is invented).
 */
export function traceKeyOf(
  e: Pick<EventEnvelope, 'trace_id' | 'source' | 'event_type' | 'session_id'>,
): TraceKey | null {
  if (e.trace_id !== null) return { trace_id: e.trace_id, derived: false };
  if (isClaudeCodeHookEvent(e)) return { trace_id: claudeCodeTraceId(e.session_id), derived: true };
  return null;
}

/** Hook events that close something (a tool call, a turn, a subagent, the session). */
const CLOSING_HOOK_TYPES: ReadonlySet<string> = new Set([
  'PostToolUse',
  'Stop',
  'SubagentStop',
  'SessionEnd',
]);

/** A derived span reports success: the event says ok, or it closes something. */
export function reportsOk(e: Pick<EventEnvelope, 'status' | 'event_type'>): boolean {
  return e.status === 'ok' || CLOSING_HOOK_TYPES.has(e.event_type);
}

/** Explicit spans: an event without `span_id` is a span of its own, keyed by its id. */
export function spanKeyOf(e: Pick<EventEnvelope, 'span_id' | 'id'>): string {
  return e.span_id ?? `event:${e.id}`;
}

/**
 * A span's display name, after the OpenTelemetry GenAI convention `{operation} {detail}`:
 * the tool (`execute_tool web_search`, `tool_use Bash`), else for agent operations the agent
 * (`invoke_agent planner`), else the model (`chat gpt-4o`), else the bare event type.
 */
export function spanNameOf(
  e: Pick<EventEnvelope, 'event_type' | 'tool_name' | 'agent_id' | 'model'>,
): string {
  const detail =
    e.tool_name ??
    (/agent/i.test(e.event_type) ? (e.agent_id ?? e.model) : (e.model ?? e.agent_id));
  return detail === null ? e.event_type : `${e.event_type} ${detail}`;
}

/** What one event adds to its trace. Field names are the SQL record's column names. */
export interface TraceContribution {
  project_id: string;
  trace_id: string;
  derived: boolean;
  id: string;
  ts: string;
  duration_ms: number | null;
  app: string;
  session_id: string;
  error: boolean;
  /** Reports success: status `ok`, or (derived) a hook event that closes something. */
  ok: boolean;
  /** Root candidate (an explicit event without parent, or any derived event): its span. */
  root_span_id: string | null;
  root_name: string | null;
  /** Derived only: the event opens a span (a prompt turn, a tool call). */
  opens_span: boolean;
  /** Derived only: the subagent this event belongs to (its span is keyed by agent_id). */
  agent_id: string | null;
}

export function traceContributionOf(e: EventEnvelope): TraceContribution | null {
  const key = traceKeyOf(e);
  if (key === null) return null;
  const base = {
    project_id: e.project_id,
    trace_id: key.trace_id,
    derived: key.derived,
    id: e.id,
    ts: e.ts,
    duration_ms: e.duration_ms === null ? null : Math.min(e.duration_ms, SPAN_DURATION_CAP_MS),
    app: e.app,
    session_id: e.session_id,
    error: isErrorEvent(e),
  };
  if (key.derived) {
    return {
      ...base,
      ok: reportsOk(e),
      root_span_id: CLAUDE_CODE_ROOT_SPAN_ID,
      root_name: CLAUDE_CODE_ROOT_SPAN_ID,
      opens_span: e.event_type === 'UserPromptSubmit' || e.event_type === 'PreToolUse',
      agent_id: e.agent_id,
    };
  }
  const isRoot = e.parent_span_id === null;
  return {
    ...base,
    ok: e.status === 'ok',
    root_span_id: isRoot ? spanKeyOf(e) : null,
    root_name: isRoot ? spanNameOf(e) : null,
    opens_span: false,
    agent_id: null,
  };
}
