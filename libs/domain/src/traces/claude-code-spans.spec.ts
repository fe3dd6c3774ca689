import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '../envelope/event-envelope.schema';
import { normalizeEvents } from '../ingest/normalize-events';
import { buildClaudeCodeSpanTree } from './claude-code-spans';
import type { TraceSpan } from './span-tree';

const T0 = Date.parse('2026-01-02T03:00:00.000Z');

/** Hook bodies as the disler hook script posts them, one second apart, ids h<second>. */
function hooks(
  steps: [type: string, payload?: Record<string, unknown>, extra?: Record<string, unknown>][],
): EventEnvelope[] {
  const r = normalizeEvents(
    steps.map(([type, payload = {}, extra = {}], i) => ({
      id: `h${String(i).padStart(2, '0')}`,
      source_app: 'cc',
      session_id: 'sess-1',
      hook_event_type: type,
      payload: { session_id: 'sess-1', hook_event_name: type, ...payload },
      timestamp: T0 + i * 1000,
      ...extra,
    })),
    { projectId: 'p', receivedAt: new Date(T0 + 60_000), maxEventBytes: 1 << 20 },
  );
  assert.deepEqual(r.rejected, []);
  return r.events;
}

/** A compact, comparable view: `span_id name status [startS..endS] events` and children. */
interface Shape {
  span: string;
  children?: Shape[];
}
function shape(spans: TraceSpan[]): Shape[] {
  return spans.map((s) => {
    const sec = (iso: string) => (Date.parse(iso) - T0) / 1000;
    const out: Shape = {
      span: `${s.span_id} ${s.name} ${s.status} [${sec(s.start)}..${sec(s.end)}] ${s.event_ids.join(',')}`,
    };
    if (s.children.length > 0) out.children = shape(s.children);
    return out;
  });
}

describe('Claude Code derived span tree', () => {
  it('nests session → prompt turns → tool calls, with a subagent under its Task call', () => {
    const events = hooks([
      ['SessionStart', { source: 'startup' }], // h00
      ['UserPromptSubmit', { prompt: 'Fix the failing test' }], // h01
      ['PreToolUse', { tool_name: 'Bash', tool_use_id: 'tu1' }], // h02
      ['PostToolUseFailure', { tool_name: 'Bash', tool_use_id: 'tu1', error: 'exit 1' }], // h03
      [
        'PreToolUse',
        { tool_name: 'Task', tool_use_id: 'tu2', tool_input: { subagent_type: 'Explore' } },
      ], // h04
      ['SubagentStart', { agent_id: 'a1', agent_type: 'Explore' }], // h05
      ['PreToolUse', { tool_name: 'Read', tool_use_id: 'tu3', agent_id: 'a1' }], // h06
      ['PostToolUse', { tool_name: 'Read', tool_use_id: 'tu3', agent_id: 'a1' }], // h07
      ['SubagentStop', { agent_id: 'a1', agent_type: 'Explore' }], // h08
      ['PostToolUse', { tool_name: 'Task', tool_use_id: 'tu2' }], // h09
      ['PreToolUse', { tool_name: 'Edit', tool_use_id: 'tu4' }], // h10
      ['PermissionRequest', { tool_name: 'Edit' }], // h11
      ['PostToolUse', { tool_name: 'Edit', tool_use_id: 'tu4' }], // h12
      ['Stop', {}], // h13
      ['Notification', { notification_type: 'idle_prompt' }], // h14
      ['UserPromptSubmit', { prompt: 'Now run it' }], // h15
      ['PostToolUse', { tool_name: 'Bash', tool_use_id: 'tu9' }], // h16: its PreToolUse is missing
      ['Stop', {}], // h17
      ['SessionEnd', { reason: 'logout' }], // h18
    ]);
    const tree = buildClaudeCodeSpanTree([...events].reverse()); // input order does not matter
    assert.deepEqual(shape(tree), [
      {
        span: 'session session ok [0..18] h00,h14,h18',
        children: [
          {
            span: 'turn:h01 Fix the failing test ok [1..13] h01,h13',
            children: [
              { span: 'tool:tu1 Bash error [2..3] h02,h03' },
              {
                span: 'tool:tu2 Task ok [4..9] h04,h09',
                children: [
                  {
                    span: 'agent:a1 Explore ok [5..8] h05,h08',
                    children: [{ span: 'tool:tu3 Read ok [6..7] h06,h07' }],
                  },
                ],
              },
              { span: 'tool:tu4 Edit ok [10..12] h10,h11,h12' },
            ],
          },
          { span: 'turn:h15 Now run it ok [15..17] h15,h16,h17' },
        ],
      },
    ]);
    const count = (s: TraceSpan[]): number => s.reduce((n, x) => n + 1 + count(x.children), 0);
    // The write path counts 1 + prompts + PreToolUse + distinct agent ids: 1 + 2 + 4 + 1.
    assert.equal(count(tree), 8);
    assert.equal(tree[0]!.duration_ms, 18_000);
    assert.equal(tree[0]!.parent_span_id, null);
    assert.equal(tree[0]!.children[0]!.parent_span_id, 'session');
  });

  it('nests a subagent of an older Claude Code (agent_id only on SubagentStop) by time', () => {
    const events = hooks([
      ['UserPromptSubmit', { prompt: 'explore' }], // h00
      ['PreToolUse', { tool_name: 'Task', tool_use_id: 'tu1' }], // h01
      ['PreToolUse', { tool_name: 'Grep', tool_use_id: 'tu2' }], // h02: inside the subagent
      ['PostToolUse', { tool_name: 'Grep', tool_use_id: 'tu2' }], // h03
      ['SubagentStop', { agent_id: 'a7' }], // h04
      ['PostToolUse', { tool_name: 'Task', tool_use_id: 'tu1' }], // h05
      ['PreToolUse', { tool_name: 'Write' }], // h06: no tool_use_id, closed by name
      ['PostToolUse', { tool_name: 'Write' }], // h07
    ]);
    assert.deepEqual(shape(buildClaudeCodeSpanTree(events)), [
      {
        span: 'session session unset [0..7] ',
        children: [
          {
            span: 'turn:h00 explore unset [0..7] h00',
            children: [
              {
                span: 'tool:tu1 Task ok [1..5] h01,h05',
                children: [
                  {
                    span: 'agent:a7 subagent ok [2..4] h04',
                    children: [{ span: 'tool:tu2 Grep ok [2..3] h02,h03' }],
                  },
                ],
              },
              { span: 'tool:h06 Write ok [6..7] h06,h07' },
            ],
          },
        ],
      },
    ]);
  });

  it('returns no spans for no events, and one session span for events outside any turn', () => {
    assert.deepEqual(buildClaudeCodeSpanTree([]), []);
    const tree = buildClaudeCodeSpanTree(hooks([['SessionStart'], ['Notification']]));
    assert.equal(tree.length, 1);
    assert.equal(tree[0]!.span_id, 'session');
    assert.deepEqual(tree[0]!.event_ids, ['h00', 'h01']);
    assert.equal(tree[0]!.status, 'unset');
  });
});
