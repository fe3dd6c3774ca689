import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, PgSqlClient, TracesRepository } from '@fleetscope/db';
import { normalizeEvents } from '@fleetscope/domain';
import { EventPipeline } from '@fleetscope/pipeline';
import { createTestDatabase } from '../support/database';
import { uniq } from '../support/env';
import { freePort, startApi, waitReady, type Proc } from '../support/processes';

interface Span {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  operation: string;
  start: string;
  end: string;
  duration_ms: number;
  status: string;
  event_ids: string[];
  children: Span[];
}

/** `span_id name status duration_ms [event ids]`, children indented. */
const outline = (spans: Span[], depth = 0): string[] =>
  spans.flatMap((s) => [
    `${'  '.repeat(depth)}${s.span_id} ${s.name} ${s.status} ${s.duration_ms} [${s.event_ids.join(',')}]`,
    ...outline(s.children, depth + 1),
  ]);

/**
 * Sessions and traces through the all-in-one process over HTTP: a Claude Code session (hook
 * bodies, posted the way the hook script does, with a retry) and an SDK multi-agent trace
 * (client trace and span ids over two sessions).
 */
describe('sessions and traces: all-in-one over HTTP', () => {
  let dataDir: string;
  let api: Proc;
  let base: string;
  // Event times a minute ago, millisecond offsets from T0: the SDK trace at 0-3 s, the
  // Claude Code session at 10-21 s.
  const T0 = Date.now() - 60_000;
  const at = (ms: number) => new Date(T0 + ms).toISOString();
  const cc = uniq('cc-');
  const run = uniq('run-');

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-st-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' }, ['--all-in-one']);
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (body: unknown) => {
    const r = await fetch(`${base}/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(r.status, 202, await r.clone().text());
  };
  const get = async (path: string, status = 200) => {
    const r = await fetch(`${base}${path}`);
    const body = (await r.json()) as Record<string, unknown> & Record<string, unknown>[];
    assert.equal(r.status, status, JSON.stringify(body));
    return { body, headers: r.headers };
  };

  const hook = (i: number, type: string, payload: Record<string, unknown> = {}, extra = {}) => ({
    id: `${cc}-h${i}`,
    source_app: 'cc-fleet',
    session_id: cc,
    hook_event_type: type,
    payload: { session_id: cc, hook_event_name: type, ...payload },
    timestamp: T0 + 10_000 + i * 1000,
    ...extra,
  });
  const hooks = [
    hook(0, 'SessionStart', { source: 'startup' }, { model_name: 'claude-sonnet-4-5-20250929' }),
    hook(1, 'UserPromptSubmit', { prompt: 'Fix the   flaky test' }),
    hook(2, 'PreToolUse', { tool_name: 'Bash', tool_use_id: 'tu1' }),
    hook(3, 'PostToolUseFailure', { tool_name: 'Bash', tool_use_id: 'tu1', error: 'exit 1' }),
    hook(4, 'PreToolUse', {
      tool_name: 'Task',
      tool_use_id: 'tu2',
      tool_input: { subagent_type: 'Explore' },
    }),
    hook(5, 'SubagentStart', { agent_id: 'ag1', agent_type: 'Explore' }),
    hook(6, 'PreToolUse', { tool_name: 'Grep', tool_use_id: 'tu3', agent_id: 'ag1' }),
    hook(7, 'PostToolUse', { tool_name: 'Grep', tool_use_id: 'tu3', agent_id: 'ag1' }),
    hook(8, 'SubagentStop', { agent_id: 'ag1', agent_type: 'Explore' }),
    hook(9, 'PostToolUse', { tool_name: 'Task', tool_use_id: 'tu2' }),
    hook(10, 'Stop'),
    hook(11, 'SessionEnd', { reason: 'logout' }),
  ];

  const sdk = (
    id: string,
    span: string,
    parent: string | null,
    startMs: number,
    durationMs: number | null,
    extra: Record<string, unknown>,
  ) => ({
    id: `${run}-${id}`,
    app: 'orchestrator',
    session_id: `${run}-main`,
    trace_id: run,
    span_id: span,
    parent_span_id: parent,
    timestamp: at(startMs),
    duration_ms: durationMs,
    payload: {},
    ...extra,
  });
  const worker = { app: 'researcher', session_id: `${run}-worker`, agent_id: 'researcher' };
  const multi = [
    sdk('e1', 'root', null, 0, 3000, {
      event_type: 'invoke_agent',
      agent_id: 'planner',
      status: 'ok',
    }),
    sdk('e2', 'llm1', 'root', 100, 500, {
      event_type: 'chat',
      model: 'gpt-4o',
      input_tokens: 1200,
      output_tokens: 300,
      cost_usd: 0.0105,
    }),
    sdk('e3', 'w1', 'root', 700, 2000, { event_type: 'invoke_agent', ...worker }),
    sdk('e4', 'tool1', 'w1', 800, 400, {
      event_type: 'execute_tool',
      tool_name: 'web_search',
      status: 'error',
      ...worker,
    }),
    sdk('e5', 'llm2', 'w1', 1300, 900, {
      event_type: 'chat',
      model: 'claude-sonnet-4-5',
      input_tokens: 800,
      output_tokens: 100,
      cost_usd: 0.0039,
      ...worker,
    }),
  ];

  it('ingests a Claude Code session (with a retried batch) and an SDK multi-agent trace', async () => {
    await post(hooks.slice(0, 7));
    // The hook script retries after a timeout: the overlap is stored (and counted) once.
    await post(hooks.slice(4));
    await post(multi.slice(3));
    await post(multi.slice(0, 3)); // the root arrives last
  });

  it('GET /sessions/:id gives the exact summary, its trace and (include=events) its events', async () => {
    const { body } = await get(`/sessions/${encodeURIComponent(cc)}?include=events`);
    assert.deepEqual(
      { ...(body.session as Record<string, unknown>), created_at: 'x', updated_at: 'x' },
      {
        session_id: cc,
        app: 'cc-fleet',
        agent_id: 'ag1',
        agent_type: 'Explore',
        model: 'claude-sonnet-4-5-20250929',
        provider: 'anthropic',
        status: 'completed',
        first_seen: at(10_000),
        last_seen: at(21_000),
        duration_ms: 11_000,
        last_event_id: `${cc}-h11`,
        last_event_type: 'SessionEnd',
        events: 12,
        tool_calls: 3,
        errors: 1,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
        cost_usd: 0,
        first_prompt: 'Fix the flaky test',
        created_at: 'x',
        updated_at: 'x',
      },
    );
    assert.deepEqual(body.trace_ids, [`claude-code:${cc}`]);
    const events = body.events as { id: string; timestamp: string; ts: string }[];
    assert.deepEqual(
      events.map((e) => e.id),
      hooks.map((h) => h.id),
      'ascending, each event once',
    );
    assert.equal(events[0]!.timestamp, events[0]!.ts);

    const plain = await get(`/sessions/${encodeURIComponent(cc)}`);
    assert.equal(plain.body.events, undefined, 'events only on request');
    const missing = await get('/sessions/no-such-session', 404);
    assert.equal(missing.body.error, 'not_found');
  });

  it('GET /sessions lists the sessions most recent first, filters and pages', async () => {
    const { body: all } = await get('/sessions');
    const rows = all as unknown as {
      session_id: string;
      status: string;
      events: number;
      tool_calls: number;
      errors: number;
      cost_usd: number;
      model: string | null;
    }[];
    assert.deepEqual(
      rows.map((r) => r.session_id),
      [cc, `${run}-worker`, `${run}-main`],
    );
    const worker = rows[1]!;
    assert.equal(worker.events, 3);
    assert.equal(worker.tool_calls, 1);
    assert.equal(worker.errors, 1);
    assert.equal(worker.model, 'claude-sonnet-4-5');
    assert.equal(worker.cost_usd, 0.0039);
    assert.equal(worker.status, 'active');
    const main = rows[2]!;
    assert.equal(main.cost_usd, 0.0105);

    const { body: filtered } = await get('/sessions?app=researcher,cc-fleet&status=completed');
    assert.deepEqual(
      (filtered as unknown as { session_id: string }[]).map((r) => r.session_id),
      [cc],
    );
    const page1 = await get('/sessions?limit=2');
    assert.equal((page1.body as unknown as unknown[]).length, 2);
    const cursor = page1.headers.get('x-next-cursor');
    assert.ok(cursor);
    assert.match(page1.headers.get('link') ?? '', /^<\/sessions\?limit=2&cursor=.+>; rel="next"$/);
    const page2 = await get(`/sessions?limit=2&cursor=${cursor}`);
    assert.deepEqual(
      (page2.body as unknown as { session_id: string }[]).map((r) => r.session_id),
      [`${run}-main`],
    );
    assert.equal(page2.headers.get('x-next-cursor'), null, 'a short page is the last');
  });

  it('GET /traces lists both traces with the summary and the seed row fields', async () => {
    const { body } = await get('/traces');
    const rows = body as unknown as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((r) => r.trace_id),
      [`claude-code:${cc}`, run],
    );
    const [ccRow, multiRow] = rows;
    for (const field of [
      'id',
      'trace_id',
      'operation_name',
      'start_time',
      'end_time',
      'duration',
      'status',
      'service_name',
      'tags',
      'created_at',
    ]) {
      assert.ok(field in multiRow!, `seed field ${field}`);
    }
    const strip = ({ created_at: _c, updated_at: _u, ...r }: Record<string, unknown>) => r;
    assert.deepEqual(strip(multiRow!), {
      id: run,
      trace_id: run,
      derived: false,
      root_span_id: 'root',
      root_name: 'invoke_agent planner',
      operation_name: 'invoke_agent planner',
      app: 'orchestrator',
      service_name: 'orchestrator',
      session_id: `${run}-main`,
      start_time: at(0),
      end_time: at(3000),
      duration_ms: 3000,
      duration: 3000,
      status: 'error',
      span_count: 5,
      event_count: 5,
      error_count: 1,
      tags: null,
    });
    assert.equal(ccRow!.span_count, 6, 'session + 1 turn + 3 tool calls + 1 subagent');
    assert.equal(ccRow!.event_count, 12);
    assert.equal(ccRow!.duration_ms, 11_000);
    assert.equal(ccRow!.status, 'error');
    assert.equal(ccRow!.session_id, cc);

    const slow = await get('/traces?min_duration_ms=5000');
    assert.deepEqual(
      (slow.body as unknown as { trace_id: string }[]).map((r) => r.trace_id),
      [`claude-code:${cc}`],
    );
    const bySession = await get(`/traces?session_id=${run}-main&status=error,ok`);
    assert.deepEqual(
      (bySession.body as unknown as { trace_id: string }[]).map((r) => r.trace_id),
      [run],
    );
  });

  it('GET /traces/:id returns the seed shape plus the nested span tree', async () => {
    const { body } = await get(`/traces/${encodeURIComponent(run)}`);
    assert.equal((body.trace as { trace_id: string }).trace_id, run);
    assert.equal((body.events as unknown[]).length, 5);
    assert.equal(body.truncated, false);
    assert.deepEqual(outline(body.spans as Span[]), [
      `root invoke_agent planner ok 3000 [${run}-e1]`,
      `  llm1 chat gpt-4o unset 500 [${run}-e2]`,
      `  w1 invoke_agent researcher unset 2000 [${run}-e3]`,
      `    tool1 execute_tool web_search error 400 [${run}-e4]`,
      `    llm2 chat claude-sonnet-4-5 unset 900 [${run}-e5]`,
    ]);
    const root = (body.spans as Span[])[0]!;
    assert.equal(root.start, at(0));
    assert.equal(root.end, at(3000));
    assert.equal(root.parent_span_id, null);
    assert.equal(root.children[1]!.parent_span_id, 'root');

    const derived = await get(`/traces/${encodeURIComponent(`claude-code:${cc}`)}`);
    assert.equal((derived.body.events as unknown[]).length, 12);
    const h = (...i: number[]) => i.map((n) => `${cc}-h${n}`).join(',');
    assert.deepEqual(outline(derived.body.spans as Span[]), [
      `session session ok 11000 [${h(0, 11)}]`,
      `  turn:${cc}-h1 Fix the flaky test ok 9000 [${h(1, 10)}]`,
      `    tool:tu1 Bash error 1000 [${h(2, 3)}]`,
      `    tool:tu2 Task ok 5000 [${h(4, 9)}]`,
      `      agent:ag1 Explore ok 3000 [${h(5, 8)}]`,
      `        tool:tu3 Grep ok 1000 [${h(6, 7)}]`,
    ]);

    await get('/traces/no-such-trace', 404);
  });

  it('answers 400 naming the parameter for a bad query', async () => {
    const cases: [string, string][] = [
      ['/sessions?limit=abc', 'limit'],
      ['/sessions?status=sleeping', 'status'],
      ['/sessions?start_time=yesterday', 'start_time'],
      [`/sessions?start_time=${at(5000)}&end_time=${at(0)}`, 'end_time'],
      ['/sessions?cursor=not-a-cursor', 'cursor'],
      [`/sessions/${cc}?include=everything`, 'include'],
      ['/traces?min_duration_ms=-1', 'min_duration_ms'],
      ['/traces?status=done', 'status'],
      ['/traces?limit=0', 'limit'],
      ['/traces?end_time=never', 'end_time'],
    ];
    for (const [path, field] of cases) {
      const { body } = await get(path, 400);
      assert.equal(body.error, 'validation_failed', path);
      assert.deepEqual(
        (body.details as { field: string }[]).map((d) => d.field),
        [field],
        path,
      );
    }
  });
});

/**
 * Cluster mode: several workers can write one trace at once (a trace spans sessions, hence
 * partitions). On a PostgreSQL server, concurrent pipeline transactions on one trace must
 * still give the exact distinct span count.
 */
describe('traces on PostgreSQL: concurrent writers of one trace', () => {
  let db: PgSqlClient;
  let drop: () => Promise<void>;

  before(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    db = new PgSqlClient(created.url);
    await migrate(db);
  });
  after(async () => {
    await db?.close();
    await drop?.();
  });

  it('counts every distinct span once across 40 concurrent transactions', async () => {
    const T0 = Date.now() - 60_000;
    const pipeline = new EventPipeline();
    const batches = Array.from(
      { length: 40 },
      (_, w) =>
        normalizeEvents(
          Array.from({ length: 5 }, (_, k) => ({
            id: `w${w}-${k}`,
            app: 'agents',
            event_type: 'step',
            session_id: `s${w}`,
            trace_id: 'shared-trace',
            // Pairs of writers share one span: its events arrive in two transactions.
            span_id: k === 0 ? `shared-${Math.floor(w / 2)}` : `w${w}-${k}`,
            parent_span_id: 'root',
            payload: {},
            timestamp: T0 + w * 10 + k,
          })),
          { projectId: 'p', receivedAt: new Date(), maxEventBytes: 1 << 20 },
        ).events,
    );
    await Promise.all(batches.map((b) => db.transaction((tx) => pipeline.process(tx, b))));
    const trace = await new TracesRepository().findById(db, 'p', 'shared-trace');
    assert.equal(trace!.event_count, 200);
    assert.equal(trace!.span_count, 20 + 40 * 4);
  });
});
