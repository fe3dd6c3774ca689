import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventsRepository,
  migrate,
  PgliteSqlClient,
  SessionsRepository,
  TracesRepository,
} from '@fleetscope/db';
import {
  buildClaudeCodeSpanTree,
  buildSpanTree,
  CLAUDE_CODE_HOOK_EVENT_TYPES,
  normalizeEvents,
  type EventEnvelope,
  type TraceSpan,
} from '@fleetscope/domain';
import { EventPipeline } from './event-pipeline';

const T0 = Date.parse('2026-01-02T03:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
/** Long before the workload: nothing reads as idle. */
const NO_IDLE = at(-86_400_000);

/**
 * The golden workload: an SDK multi-agent trace over two sessions (client trace and span
 * ids) and a Claude Code session with a subagent (hook events, no trace ids).
 */
function workload(projectId: string): EventEnvelope[] {
  const sdk = [
    {
      id: 'e1',
      app: 'orchestrator',
      session_id: 'sdk-1',
      agent_id: 'planner',
      event_type: 'invoke_agent',
      span_id: 'root',
      ts: at(0),
      duration_ms: 2000,
      status: 'ok',
    },
    {
      id: 'e2',
      app: 'orchestrator',
      session_id: 'sdk-1',
      event_type: 'chat',
      span_id: 'llm1',
      parent_span_id: 'root',
      ts: at(100),
      duration_ms: 400,
      model: 'gpt-4o',
      input_tokens: 100,
      output_tokens: 20,
      cost_usd: 0.0125,
    },
    {
      id: 'e3',
      app: 'researcher',
      session_id: 'sdk-2',
      agent_id: 'researcher',
      event_type: 'invoke_agent',
      span_id: 'w1',
      parent_span_id: 'root',
      ts: at(600),
      duration_ms: 800,
    },
    {
      id: 'e4',
      app: 'researcher',
      session_id: 'sdk-2',
      event_type: 'execute_tool',
      tool_name: 'web_search',
      span_id: 'tool1',
      parent_span_id: 'w1',
      ts: at(700),
      duration_ms: 300,
      status: 'error',
    },
    {
      id: 'e5',
      app: 'researcher',
      session_id: 'sdk-2',
      event_type: 'chat',
      span_id: 'llm2',
      parent_span_id: 'w1',
      ts: at(1100),
      duration_ms: 250,
      model: 'claude-sonnet-4-5',
      input_tokens: 50,
      output_tokens: 10,
      cost_usd: 0.003,
    },
    {
      id: 'e6',
      app: 'researcher',
      session_id: 'sdk-2',
      event_type: 'log',
      span_id: 'w1',
      ts: at(1200),
    },
  ].map((e) => ({ ...e, trace_id: 't-multi', payload: {} }));
  const end = {
    id: 'e7',
    app: 'orchestrator',
    session_id: 'sdk-1',
    event_type: 'agent_end',
    ts: at(2100),
    payload: {},
  };
  const hook = (i: number, type: string, payload: Record<string, unknown> = {}, extra = {}) => ({
    id: `h${i}`,
    source_app: 'cc',
    session_id: 'cc-1',
    hook_event_type: type,
    payload: { session_id: 'cc-1', hook_event_name: type, ...payload },
    timestamp: T0 + 10_000 + i * 1000,
    ...extra,
  });
  const cc = [
    hook(0, 'SessionStart', { source: 'startup' }, { model_name: 'claude-opus-4-1' }),
    hook(1, 'UserPromptSubmit', { prompt: 'Fix the failing test' }),
    hook(2, 'PreToolUse', { tool_name: 'Bash', tool_use_id: 'tu1' }),
    hook(3, 'PostToolUseFailure', { tool_name: 'Bash', tool_use_id: 'tu1', error: 'exit 1' }),
    hook(4, 'PreToolUse', {
      tool_name: 'Task',
      tool_use_id: 'tu2',
      tool_input: { subagent_type: 'Explore' },
    }),
    hook(5, 'SubagentStart', { agent_id: 'a1', agent_type: 'Explore' }),
    hook(6, 'PreToolUse', { tool_name: 'Read', tool_use_id: 'tu3', agent_id: 'a1' }),
    hook(7, 'PostToolUse', { tool_name: 'Read', tool_use_id: 'tu3', agent_id: 'a1' }),
    hook(8, 'SubagentStop', { agent_id: 'a1', agent_type: 'Explore' }),
    hook(9, 'PostToolUse', { tool_name: 'Task', tool_use_id: 'tu2' }),
    hook(10, 'Stop'),
  ];
  const r = normalizeEvents([...sdk, end, ...cc], {
    projectId,
    receivedAt: new Date(T0 + 60_000),
    maxEventBytes: 1 << 20,
  });
  assert.deepEqual(r.rejected, []);
  return r.events;
}

/** Deterministic shuffle (a small LCG), so a failure replays. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('EventPipeline: sessions and traces on the embedded database', () => {
  let db: PgliteSqlClient;
  const pipeline = new EventPipeline();
  const sessions = new SessionsRepository();
  const traces = new TracesRepository();
  const events = new EventsRepository();

  before(async () => {
    db = await PgliteSqlClient.open();
    await migrate(db);
  });
  after(async () => db.close());

  const run = (batch: readonly EventEnvelope[]) =>
    db.transaction((tx) => pipeline.process(tx, batch));

  /** Every summary of a project, without the bookkeeping times. */
  async function summaries(projectId: string) {
    const s = await sessions.list(db, { projectId, idleBefore: NO_IDLE, limit: 100 });
    const t = await traces.list(db, { projectId, limit: 100 });
    const strip = <T extends { created_at: string; updated_at: string }>(rows: T[]) =>
      rows.map(({ created_at: _c, updated_at: _u, ...rest }) => rest);
    return { sessions: strip(s), traces: strip(t) };
  }

  it('summarises the golden workload exactly', async () => {
    const batch = workload('golden');
    const r = await run(batch);
    assert.equal(r.inserted, batch.length);
    assert.deepEqual(
      r.fresh.map((e) => e.id),
      batch.map((e) => e.id),
      'fresh = the new events, in batch order',
    );
    const { sessions: s, traces: t } = await summaries('golden');
    assert.deepEqual(
      s.map((x) => x.session_id),
      ['cc-1', 'sdk-1', 'sdk-2'],
      'most recent first',
    );
    const [cc, sdk1, sdk2] = s;
    assert.deepEqual(cc, {
      session_id: 'cc-1',
      app: 'cc',
      agent_id: 'a1',
      agent_type: 'Explore',
      model: 'claude-opus-4-1',
      provider: 'anthropic',
      status: 'completed',
      first_seen: at(10_000),
      last_seen: at(20_000),
      duration_ms: 10_000,
      last_event_id: 'h10',
      last_event_type: 'Stop',
      events: 11,
      tool_calls: 3,
      errors: 1,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      cost_usd: 0,
      first_prompt: 'Fix the failing test',
    });
    assert.deepEqual(sdk1, {
      session_id: 'sdk-1',
      app: 'orchestrator',
      agent_id: 'planner',
      agent_type: null,
      model: 'gpt-4o',
      provider: 'openai',
      status: 'completed',
      first_seen: at(0),
      last_seen: at(2100),
      duration_ms: 2100,
      last_event_id: 'e7',
      last_event_type: 'agent_end',
      events: 3,
      tool_calls: 0,
      errors: 0,
      input_tokens: 100,
      output_tokens: 20,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      cost_usd: 0.0125,
      first_prompt: null,
    });
    assert.equal(sdk2!.status, 'active');
    assert.equal(sdk2!.events, 4);
    assert.equal(sdk2!.tool_calls, 1);
    assert.equal(sdk2!.errors, 1);
    assert.equal(sdk2!.model, 'claude-sonnet-4-5');
    assert.equal(sdk2!.cost_usd, 0.003);

    assert.deepEqual(t, [
      {
        trace_id: 'claude-code:cc-1',
        derived: true,
        root_span_id: 'session',
        root_name: 'session',
        app: 'cc',
        session_id: 'cc-1',
        first_event_id: 'h0',
        start_time: at(10_000),
        end_time: at(20_000),
        duration_ms: 10_000,
        status: 'error',
        span_count: 6, // session + 1 turn + 3 tool calls + 1 subagent
        event_count: 11,
        error_count: 1,
      },
      {
        trace_id: 't-multi',
        derived: false,
        root_span_id: 'root',
        root_name: 'invoke_agent planner',
        app: 'orchestrator',
        session_id: 'sdk-1',
        first_event_id: 'e1',
        start_time: at(0),
        end_time: at(2000),
        duration_ms: 2000,
        status: 'error',
        span_count: 5, // root, llm1, w1 (two events), tool1, llm2
        event_count: 6,
        error_count: 1,
      },
    ]);
  });

  it('changes nothing when the same batch is replayed', async () => {
    const before = await summaries('golden');
    const r = await run(workload('golden'));
    assert.equal(r.inserted, 0);
    assert.deepEqual(r.fresh, []);
    assert.deepEqual(await summaries('golden'), before);
  });

  it('gives the same summaries whatever the order and split of the batches, replays mixed in', async () => {
    const golden = await summaries('golden');
    for (const seed of [1, 7, 42]) {
      const project = `shuffled-${seed}`;
      const all = shuffled(workload(project), seed);
      let i = 0;
      let size = 1;
      while (i < all.length) {
        const batch = all.slice(i, i + size);
        // Each batch also repeats an event of the previous one (a redelivery) and itself.
        const replay = i > 0 ? [all[i - 1]!] : [];
        await run([...replay, ...batch, batch[0]!]);
        i += size;
        size = (size % 3) + 1;
      }
      assert.deepEqual(await summaries(project), golden, `seed ${seed}`);
    }
  });

  it('builds the span trees at read time, agreeing with span_count', async () => {
    const count = (s: TraceSpan[]): number => s.reduce((n, x) => n + 1 + count(x.children), 0);
    const outline = (spans: TraceSpan[], depth = 0): string[] =>
      spans.flatMap((s) => [
        `${'  '.repeat(depth)}${s.span_id} ${s.name} ${s.status}`,
        ...outline(s.children, depth + 1),
      ]);

    const ccEvents = await events.listClaudeCodeSession(
      db,
      'golden',
      'cc-1',
      CLAUDE_CODE_HOOK_EVENT_TYPES,
      1000,
    );
    const ccTree = buildClaudeCodeSpanTree(ccEvents);
    assert.deepEqual(outline(ccTree), [
      'session session unset', // no SessionEnd yet
      '  turn:h1 Fix the failing test ok',
      '    tool:tu1 Bash error',
      '    tool:tu2 Task ok',
      '      agent:a1 Explore ok',
      '        tool:tu3 Read ok',
    ]);
    const ccRow = await traces.findById(db, 'golden', 'claude-code:cc-1');
    assert.equal(count(ccTree), ccRow!.span_count);

    const multi = buildSpanTree(await events.listByTrace(db, 'golden', 't-multi', 1000));
    assert.deepEqual(outline(multi), [
      'root invoke_agent planner ok',
      '  llm1 chat gpt-4o unset',
      '  w1 invoke_agent researcher unset',
      '    tool1 execute_tool web_search error',
      '    llm2 chat claude-sonnet-4-5 unset',
    ]);
    assert.equal(count(multi), (await traces.findById(db, 'golden', 't-multi'))!.span_count);
  });

  it('lists, filters and pages sessions and traces', async () => {
    const page1 = await sessions.list(db, { projectId: 'golden', idleBefore: NO_IDLE, limit: 2 });
    assert.deepEqual(
      page1.map((s) => s.session_id),
      ['cc-1', 'sdk-1'],
    );
    const last = page1[1]!;
    const page2 = await sessions.list(db, {
      projectId: 'golden',
      idleBefore: NO_IDLE,
      limit: 2,
      before: { ts: last.last_seen, id: last.last_event_id },
    });
    assert.deepEqual(
      page2.map((s) => s.session_id),
      ['sdk-2'],
    );
    const byStatus = (
      status: ('active' | 'idle' | 'completed' | 'error')[],
      idleBefore = NO_IDLE,
    ) =>
      sessions
        .list(db, { projectId: 'golden', idleBefore, status, limit: 10 })
        .then((rows) => rows.map((s) => `${s.session_id}:${s.status}`));
    assert.deepEqual(await byStatus(['completed']), ['cc-1:completed', 'sdk-1:completed']);
    assert.deepEqual(await byStatus(['active']), ['sdk-2:active']);
    // Quiet since before the cut-off: an active session reads as idle.
    assert.deepEqual(await byStatus(['idle'], at(5000)), ['sdk-2:idle']);
    assert.deepEqual(await byStatus(['active'], at(5000)), []);
    const window = await sessions.list(db, {
      projectId: 'golden',
      idleBefore: NO_IDLE,
      startTime: at(2050),
      endTime: at(9000),
      limit: 10,
    });
    assert.deepEqual(
      window.map((s) => s.session_id),
      ['sdk-1'],
      'sessions overlapping the window',
    );
    assert.deepEqual(
      (
        await sessions.list(db, {
          projectId: 'golden',
          idleBefore: NO_IDLE,
          agentId: 'planner',
          app: ['orchestrator'],
          limit: 10,
        })
      ).map((s) => s.session_id),
      ['sdk-1'],
    );
    assert.equal(await sessions.findById(db, 'other-project', 'cc-1', NO_IDLE), null);

    const ids = async (q: Partial<Parameters<TracesRepository['list']>[1]>) =>
      (await traces.list(db, { projectId: 'golden', limit: 10, ...q })).map((t) => t.trace_id);
    assert.deepEqual(await ids({ minDurationMs: 5000 }), ['claude-code:cc-1']);
    assert.deepEqual(await ids({ sessionId: 'sdk-1' }), ['t-multi']);
    assert.deepEqual(await ids({ app: ['cc'], status: ['error'] }), ['claude-code:cc-1']);
    assert.deepEqual(await ids({ status: ['ok'] }), []);
    assert.deepEqual(await ids({ endTime: at(5000) }), ['t-multi']);
    const first = (await traces.list(db, { projectId: 'golden', limit: 1 }))[0]!;
    assert.deepEqual(await ids({ before: { ts: first.start_time, id: first.first_event_id } }), [
      't-multi',
    ]);
  });
});
