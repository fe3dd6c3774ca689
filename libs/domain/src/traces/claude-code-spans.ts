/**
 * The span tree of a derived Claude Code trace (one session), built at read time from the
 * session's hook events. Hook events carry no trace ids, so the shape is inferred from the
 * event types and their order (sorted by time, then id):
 *
 * ```
 * session                       root: SessionStart, SessionEnd, anything outside a turn
 * ├─ <prompt>                   turn: a UserPromptSubmit up to the last Stop before the next
 * │  │                                prompt (or up to the next prompt without a Stop)
 * │  ├─ Bash                    tool: PreToolUse, closed by the PostToolUse /
 * │  │                                PostToolUseFailure with the same tool_use_id
 * │  └─ Task                    tool that launched a subagent
 * │     └─ Explore              subagent: every event with its agent_id (SubagentStart,
 * │        └─ Read                        SubagentStop, and tool calls made inside it)
 * ```
 *
 * Rules:
 * - Span ids: `session`, `turn:<event id>`, `tool:<tool_use_id>` (`tool:<event id>` without
 *   one), `agent:<agent_id>`.
 * - Spans, exactly: the root, one turn per UserPromptSubmit, one tool span per PreToolUse,
 *   one subagent per distinct agent_id. The write path counts the same set
 *   (`traces.span_count`). A PostToolUse whose PreToolUse is missing is an event of the
 *   enclosing span, not a span.
 * - A PostToolUse / PostToolUseFailure without tool_use_id closes the oldest open call of
 *   the same tool; a PermissionRequest joins the newest open call of its tool.
 * - A subagent's parent is the Task / Agent call open when it started (the one whose
 *   `tool_input.subagent_type` is the subagent's agent_type first, else the oldest); its
 *   start is its SubagentStart, else that call's start. Tool calls that carry the agent_id
 *   nest under it. NOTE: older Claude Code versions send agent_id only on SubagentStart /
 *   SubagentStop; then a tool call made while such a subagent runs is nested under it (under
 *   the most recently started one when several run at once: a heuristic).
 * - Every span's bounds stretch to cover its children (they are inferred, not measured).
 * - Status: error if one of the span's own events is an error; ok if it was closed
 *   (PostToolUse, Stop, SubagentStop, SessionEnd) or an event says ok; else unset.
 */
import type { EventEnvelope } from '../envelope/event-envelope.schema';
import { promptOf, truncate } from '../sessions/session-rules';
import {
  byTimeThenId,
  nestSpans,
  SpanAccumulator,
  type FlatSpan,
  type TraceSpan,
} from './span-tree';
import { CLAUDE_CODE_ROOT_SPAN_ID, reportsOk } from './trace-rules';

/** Tools that launch a subagent (`Task`, renamed `Agent` in later Claude Code versions). */
const SUBAGENT_TOOLS: ReadonlySet<string> = new Set(['Task', 'Agent']);
const SUBAGENT_LIFECYCLE: ReadonlySet<string> = new Set(['SubagentStart', 'SubagentStop']);
/** Longest turn name taken from the prompt, in characters. */
const TURN_NAME_MAX_LENGTH = 80;

interface Turn {
  acc: SpanAccumulator;
  startIdx: number;
  /** Inclusive. */
  endIdx: number;
}

interface ToolCall {
  acc: SpanAccumulator;
  pre: EventEnvelope;
  startIdx: number;
  closeIdx: number | null;
  toolUseId: string | null;
  launched: AgentRun | null;
}

interface AgentRun {
  acc: SpanAccumulator;
  agentId: string;
  agentType: string | null;
  startIdx: number;
  endIdx: number;
  /** Some event other than SubagentStart/Stop carries the agent_id. */
  tagged: boolean;
  launchedBy: ToolCall | null;
}

function stringField(obj: unknown, key: string): string | null {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === 'string' && v.trim().length > 0 ? v.trim() : null;
}

/** Claude Code's `tool_use_id`: a top-level field of the hook body (kept in attributes) or of the stdin payload. */
export function toolUseIdOf(e: Pick<EventEnvelope, 'attributes' | 'payload'>): string | null {
  return stringField(e.attributes, 'tool_use_id') ?? stringField(e.payload, 'tool_use_id');
}

function subagentTypeRequested(pre: EventEnvelope): string | null {
  const input =
    typeof pre.payload === 'object' && pre.payload !== null
      ? (pre.payload as Record<string, unknown>)['tool_input']
      : null;
  return stringField(input, 'subagent_type');
}

/** Flat spans of one Claude Code session (see the file header). */
export function buildClaudeCodeSpans(events: readonly EventEnvelope[]): FlatSpan[] {
  const evs = [...events].sort(byTimeThenId);
  const first = evs[0];
  if (!first) return [];
  const root = new SpanAccumulator(CLAUDE_CODE_ROOT_SPAN_ID, null, 'session', 'session', first.app);
  const attached: (SpanAccumulator | undefined)[] = new Array(evs.length);
  const attach = (i: number, acc: SpanAccumulator): void => {
    acc.add(evs[i]!, reportsOk(evs[i]!));
    attached[i] = acc;
  };

  // --- turns ------------------------------------------------------------------------------
  const promptIdx = evs.flatMap((e, i) => (e.event_type === 'UserPromptSubmit' ? [i] : []));
  const turns: Turn[] = promptIdx.map((p, k) => {
    const limit = promptIdx[k + 1] ?? evs.length;
    let endIdx = limit - 1;
    for (let i = limit - 1; i > p; i--) {
      if (evs[i]!.event_type === 'Stop') {
        endIdx = i;
        break;
      }
    }
    const prompt = evs[p]!;
    const text = promptOf(prompt);
    const name = text === null ? 'turn' : (truncate(text, TURN_NAME_MAX_LENGTH) ?? 'turn');
    const acc = new SpanAccumulator(`turn:${prompt.id}`, root.spanId, name, 'turn', prompt.app);
    return { acc, startIdx: p, endIdx };
  });
  const turnAt = (i: number): Turn | undefined =>
    turns.find((t) => t.startIdx <= i && i <= t.endIdx);

  // --- tool calls -------------------------------------------------------------------------
  const calls: ToolCall[] = [];
  const open: ToolCall[] = [];
  const usedIds = new Set<string>();
  const findOpen = (e: EventEnvelope, newest: boolean): ToolCall | undefined => {
    const id = toolUseIdOf(e);
    if (id !== null) {
      const byId = open.find((c) => c.toolUseId === id);
      if (byId || e.event_type !== 'PermissionRequest') return byId;
    }
    const sameTool = open.filter((c) => c.pre.tool_name === e.tool_name);
    return newest ? sameTool[sameTool.length - 1] : sameTool[0];
  };
  evs.forEach((e, i) => {
    if (e.event_type === 'PreToolUse') {
      const toolUseId = toolUseIdOf(e);
      let spanId = `tool:${toolUseId ?? e.id}`;
      if (usedIds.has(spanId)) spanId = `tool:${e.id}`;
      if (usedIds.has(spanId)) spanId = `tool:${e.id}#${i}`;
      usedIds.add(spanId);
      const acc = new SpanAccumulator(spanId, null, e.tool_name ?? 'tool', 'tool', e.app);
      const call: ToolCall = {
        acc,
        pre: e,
        startIdx: i,
        closeIdx: null,
        toolUseId,
        launched: null,
      };
      attach(i, acc);
      calls.push(call);
      open.push(call);
    } else if (e.event_type === 'PostToolUse' || e.event_type === 'PostToolUseFailure') {
      const call = findOpen(e, false);
      if (!call) return;
      attach(i, call.acc);
      call.closeIdx = i;
      open.splice(open.indexOf(call), 1);
    } else if (e.event_type === 'PermissionRequest') {
      const call = findOpen(e, true);
      if (call) attach(i, call.acc);
    }
  });

  // --- subagents --------------------------------------------------------------------------
  const agentEvents = new Map<string, number[]>();
  evs.forEach((e, i) => {
    if (e.agent_id === null) return;
    const list = agentEvents.get(e.agent_id);
    if (list) list.push(i);
    else agentEvents.set(e.agent_id, [i]);
  });
  const agents = new Map<string, AgentRun>();
  for (const [agentId, idx] of agentEvents) {
    const startEvent = idx.find((i) => evs[i]!.event_type === 'SubagentStart');
    const stops = idx.filter((i) => evs[i]!.event_type === 'SubagentStop');
    const agentType = idx.map((i) => evs[i]!.agent_type).find((t) => t !== null) ?? null;
    const anchor = startEvent ?? idx[0]!;
    // The launching call is open at the anchor: started before it, not closed before it.
    const candidates = calls.filter(
      (c) =>
        c.launched === null &&
        c.pre.tool_name !== null &&
        SUBAGENT_TOOLS.has(c.pre.tool_name) &&
        c.startIdx < anchor &&
        (c.closeIdx === null || c.closeIdx > anchor),
    );
    const launchedBy =
      candidates.find((c) => agentType !== null && subagentTypeRequested(c.pre) === agentType) ??
      candidates[0] ??
      null;
    const startIdx = startEvent ?? launchedBy?.startIdx ?? idx[0]!;
    const acc = new SpanAccumulator(
      `agent:${agentId}`,
      null,
      agentType ?? 'subagent',
      'subagent',
      evs[idx[0]!]!.app,
    );
    const run: AgentRun = {
      acc,
      agentId,
      agentType,
      startIdx,
      endIdx: stops[stops.length - 1] ?? idx[idx.length - 1]!,
      tagged: idx.some((i) => !SUBAGENT_LIFECYCLE.has(evs[i]!.event_type)),
      launchedBy,
    };
    if (launchedBy) launchedBy.launched = run;
    agents.set(agentId, run);
  }

  // --- parents ----------------------------------------------------------------------------
  const legacyRuns = [...agents.values()].filter((a) => !a.tagged);
  for (const call of calls) {
    const own = call.pre.agent_id === null ? undefined : agents.get(call.pre.agent_id);
    const running =
      own ??
      (call.launched !== null
        ? undefined
        : legacyRuns
            .filter((a) => a.startIdx < call.startIdx && call.startIdx <= a.endIdx)
            .sort((a, b) => b.startIdx - a.startIdx)[0]);
    call.acc.parentSpanId = (running?.acc ?? turnAt(call.startIdx)?.acc ?? root).spanId;
  }
  for (const run of agents.values()) {
    run.acc.parentSpanId = (run.launchedBy?.acc ?? turnAt(run.startIdx)?.acc ?? root).spanId;
  }

  // --- the remaining events ---------------------------------------------------------------
  const turnByPrompt = new Map(turns.map((t) => [t.startIdx, t]));
  evs.forEach((e, i) => {
    if (attached[i]) return;
    const agent = e.agent_id === null ? undefined : agents.get(e.agent_id);
    const target =
      turnByPrompt.get(i)?.acc ??
      agent?.acc ??
      (e.event_type === 'SessionStart' || e.event_type === 'SessionEnd'
        ? root
        : (turnAt(i)?.acc ?? root));
    attach(i, target);
  });

  // --- bounds cover children (inferred spans) ---------------------------------------------
  const all = [root, ...turns.map((t) => t.acc), ...calls.map((c) => c.acc)];
  for (const a of agents.values()) all.push(a.acc);
  const byId = new Map(all.map((a) => [a.spanId, a]));
  const depth = (a: SpanAccumulator): number => {
    let d = 0;
    for (let p = a.parentSpanId; p !== null; p = byId.get(p)?.parentSpanId ?? null) d += 1;
    return d;
  };
  // Deepest first, so a parent sees its children's stretched bounds.
  for (const a of [...all].sort((x, y) => depth(y) - depth(x))) {
    const parent = a.parentSpanId === null ? undefined : byId.get(a.parentSpanId);
    if (!parent) continue;
    parent.startMs = Math.min(parent.startMs, a.startMs);
    parent.endMs = Math.max(parent.endMs, a.endMs);
  }
  return all.map((a) => a.toFlat());
}

/** The nested span tree of one Claude Code session. */
export function buildClaudeCodeSpanTree(events: readonly EventEnvelope[]): TraceSpan[] {
  return nestSpans(buildClaudeCodeSpans(events));
}
