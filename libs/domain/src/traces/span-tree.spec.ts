import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEnvelope } from '../envelope/test-fixtures';
import type { EventEnvelope } from '../envelope/event-envelope.schema';
import { buildSpanTree, type TraceSpan } from './span-tree';
import { traceContributionOf, traceKeyOf } from './trace-rules';

const T0 = Date.parse('2026-01-02T03:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function span(
  id: string,
  parent: string | null,
  startMs: number,
  durationMs: number | null,
  over: Partial<EventEnvelope> = {},
): EventEnvelope {
  return sampleEnvelope({
    id: `e-${id}-${startMs}`,
    trace_id: 't1',
    span_id: id,
    parent_span_id: parent,
    ts: at(startMs),
    duration_ms: durationMs,
    ...over,
  });
}

const flat = (spans: TraceSpan[], depth = 0): string[] =>
  spans.flatMap((s) => [
    `${'  '.repeat(depth)}${s.span_id} ${s.name} ${s.status} ${s.duration_ms}`,
    ...flat(s.children, depth + 1),
  ]);

describe('explicit span tree', () => {
  it('nests a multi-agent trace by parent_span_id, children by start time', () => {
    const events = [
      span('root', null, 0, 1000, {
        app: 'orchestrator',
        event_type: 'invoke_agent',
        agent_id: 'planner',
        status: 'ok',
      }),
      span('w2', 'root', 300, 200, { app: 'coder', event_type: 'invoke_agent', agent_id: 'coder' }),
      span('w1', 'root', 100, 150, {
        app: 'researcher',
        event_type: 'invoke_agent',
        agent_id: 'researcher',
      }),
      span('llm', 'w1', 110, 100, { event_type: 'chat', model: 'gpt-4o' }),
      span('tool', 'w2', 320, 50, {
        event_type: 'execute_tool',
        tool_name: 'run_tests',
        severity: 3,
        status: 'error',
      }),
      // A log record of span w2: no duration, no parent; it joins the span, not the roots.
      span('w2', null, 400, null, { event_type: 'log' }),
    ];
    assert.deepEqual(flat(buildSpanTree(events)), [
      'root invoke_agent planner ok 1000',
      '  w1 invoke_agent researcher unset 150',
      '    llm chat gpt-4o unset 100',
      '  w2 invoke_agent coder unset 200',
      '    tool execute_tool run_tests error 50',
    ]);
    const w2 = buildSpanTree(events)[0]!.children[1]!;
    assert.deepEqual(w2.event_ids, ['e-w2-300', 'e-w2-400']);
    assert.equal(w2.app, 'coder');
  });

  it('keeps orphans and events without span_id as top-level spans, and breaks parent cycles', () => {
    const events = [
      span('a', 'missing', 0, 10),
      sampleEnvelope({ id: 'loose', trace_id: 't1', ts: at(5) }),
      span('x', 'y', 20, 5),
      span('y', 'x', 30, 5),
    ];
    assert.deepEqual(flat(buildSpanTree(events)), [
      'a llm_response unset 10',
      'event:loose llm_response unset 0',
      'x llm_response unset 5',
      '  y llm_response unset 5',
    ]);
  });

  it('assigns events to traces: client ids first, Claude Code sessions derived, others none', () => {
    assert.deepEqual(traceKeyOf(sampleEnvelope({ trace_id: 't9' })), {
      trace_id: 't9',
      derived: false,
    });
    assert.deepEqual(
      traceKeyOf(sampleEnvelope({ source: 'claude_code', event_type: 'Stop', session_id: 's' })),
      { trace_id: 'claude-code:s', derived: true },
    );
    assert.equal(traceKeyOf(sampleEnvelope()), null);
    const root = traceContributionOf(span('r', null, 0, 5, { event_type: 'chat', model: 'm' }))!;
    assert.equal(root.root_span_id, 'r');
    assert.equal(root.root_name, 'chat m');
    assert.equal(traceContributionOf(span('c', 'r', 0, 5))!.root_span_id, null);
  });
});

describe('span durations', () => {
  it('caps an absurd duration instead of leaving the range of dates', () => {
    const [s] = buildSpanTree([span('huge', null, 0, 1e20)]);
    assert.equal(s!.duration_ms, 10 * 365 * 24 * 3600 * 1000);
    assert.equal(traceContributionOf(span('huge', null, 0, 1e20))!.duration_ms, s!.duration_ms);
  });
});
