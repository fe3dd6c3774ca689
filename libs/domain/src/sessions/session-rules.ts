/**
 * How one stored event contributes to its session's summary (the `sessions` table). Pure:
 * the pipeline maps every newly stored event through {@link sessionContributionOf} and the
 * sessions repository merges the contributions with set-based SQL. Every rule here is a
 * function of ONE event, so the merge is order-independent (counts add up, "latest" and
 * "first" are decided by event time with a fixed tie-break).
 */
import type { EventEnvelope } from '../envelope/event-envelope.schema';

/** Claude Code hook event types (the disler hook server's 12, plus its HITL type). */
export const CLAUDE_CODE_HOOK_EVENT_TYPES = [
  'SessionStart',
  'SessionEnd',
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'PostToolUseFailure',
  'PermissionRequest',
  'Notification',
  'SubagentStart',
  'SubagentStop',
  'Stop',
  'PreCompact',
  'HumanInTheLoop',
] as const;

const HOOK_TYPES: ReadonlySet<string> = new Set(CLAUDE_CODE_HOOK_EVENT_TYPES);

/**
 * A Claude Code hook event: ingested through the hook dialect, or a hook event type arriving
 * another way (a raw hook body produced to Kafka is stored with source `kafka`).
 * NOTE: the SQL in traces.repository.ts applies the same test (`source = 'claude_code' OR
 * event_type = ANY(hook types)`); keep them together.
 */
export function isClaudeCodeHookEvent(e: Pick<EventEnvelope, 'source' | 'event_type'>): boolean {
  return e.source === 'claude_code' || HOOK_TYPES.has(e.event_type);
}

/** Session status as stored. `idle` is derived at read time from `last_seen`. */
export const SESSION_STATUSES = ['active', 'completed', 'error'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Event types that end a session or an agent run (compared case-insensitively). */
const END_EVENT_TYPES: ReadonlySet<string> = new Set([
  'sessionend', // Claude Code: the session is over
  'stop', // Claude Code: the main agent finished answering (a new prompt re-opens the session)
  'session_end',
  'agent_end',
  'agent_finish',
  'run_end',
]);

/**
 * Event types that report on a call counted already (its completion, result or failure), so
 * they do not count as a tool call of their own.
 */
const COMPLETION_WORDS =
  'end|complete|completed|result|response|error|failure|failed|finish|finished|done';
/** `tool_result`, `function_call_complete`, `end`. */
const SNAKE_COMPLETION = new RegExp(`(?:^|[_.-])(?:${COMPLETION_WORDS})$`, 'i');
/** `ToolResult`, `functionCallError`. */
const CAMEL_COMPLETION = new RegExp(
  `[a-z0-9](?:${COMPLETION_WORDS.replace(/\b\w/g, (c) => c.toUpperCase())})$`,
);

/** The errors rule shared with the rollups: severity >= 3 (error, fatal) or status `error`. */
export function isErrorEvent(e: Pick<EventEnvelope, 'severity' | 'status'>): boolean {
  return e.severity >= 3 || e.status === 'error';
}

export function isSessionEndEvent(e: Pick<EventEnvelope, 'event_type'>): boolean {
  return END_EVENT_TYPES.has(e.event_type.toLowerCase());
}

/**
 * One call of a tool. Claude Code reports a call up to four times (PreToolUse,
 * PermissionRequest, PostToolUse or PostToolUseFailure): only PreToolUse counts, which is
 * also what opens a tool span in the derived trace. Other dialects: an event naming a tool
 * whose type is not a completion (`tool_use`, `function_call_start` count;
 * `function_call_complete`, `tool_result` do not).
 */
export function isToolCallEvent(
  e: Pick<EventEnvelope, 'source' | 'event_type' | 'tool_name'>,
): boolean {
  if (isClaudeCodeHookEvent(e)) return e.event_type === 'PreToolUse';
  return (
    e.tool_name !== null &&
    !SNAKE_COMPLETION.test(e.event_type) &&
    !CAMEL_COMPLETION.test(e.event_type)
  );
}

/**
 * The session's status if this were its latest event: `error` when it is an error, else
 * `completed` when it ends the session, else `active`.
 */
export function sessionStatusAfter(
  e: Pick<EventEnvelope, 'event_type' | 'severity' | 'status'>,
): SessionStatus {
  if (isErrorEvent(e)) return 'error';
  if (isSessionEndEvent(e)) return 'completed';
  return 'active';
}

/** Longest first-prompt summary kept on a session, in characters (an ellipsis included). */
export const SESSION_PROMPT_MAX_LENGTH = 200;

/**
 * The user's prompt carried by this event, whitespace collapsed and cut to
 * {@link SESSION_PROMPT_MAX_LENGTH}: Claude Code's `UserPromptSubmit` (`payload.prompt`).
 */
export function promptOf(e: Pick<EventEnvelope, 'event_type' | 'payload'>): string | null {
  if (e.event_type !== 'UserPromptSubmit') return null;
  const p = e.payload;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return null;
  const prompt = (p as Record<string, unknown>)['prompt'];
  if (typeof prompt !== 'string') return null;
  return truncate(prompt.replace(/\s+/g, ' ').trim(), SESSION_PROMPT_MAX_LENGTH);
}

/** Cuts at `max` characters (code points), ending with an ellipsis when cut. Empty → null. */
export function truncate(s: string, max: number): string | null {
  if (s.length === 0) return null;
  const chars = Array.from(s);
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** What one event adds to its session. Field names are the SQL record's column names. */
export interface SessionContribution {
  project_id: string;
  session_id: string;
  id: string;
  ts: string;
  app: string;
  agent_id: string | null;
  agent_type: string | null;
  model: string | null;
  provider: string | null;
  event_type: string;
  /** The session's status if this event is its latest. */
  status: SessionStatus;
  error: boolean;
  tool_call: boolean;
  prompt: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_creation_tokens: number | null;
  cost_usd: number | null;
}

export function sessionContributionOf(e: EventEnvelope): SessionContribution {
  return {
    project_id: e.project_id,
    session_id: e.session_id,
    id: e.id,
    ts: e.ts,
    app: e.app,
    agent_id: e.agent_id,
    agent_type: e.agent_type,
    model: e.model,
    provider: e.provider,
    event_type: e.event_type,
    status: sessionStatusAfter(e),
    error: isErrorEvent(e),
    tool_call: isToolCallEvent(e),
    prompt: promptOf(e),
    input_tokens: e.input_tokens,
    output_tokens: e.output_tokens,
    cache_read_tokens: e.cache_read_tokens,
    cache_creation_tokens: e.cache_creation_tokens,
    cost_usd: e.cost_usd,
  };
}
