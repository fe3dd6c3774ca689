import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import { freePort, startApi, waitReady, type Proc } from '../support/processes';
import { WsProbe } from '../support/ws-client';
import { uniq } from '../support/env';

/**
 * All-in-one mode end to end: one process (api + in-process bus + PGlite-TimescaleDB),
 * driven through HTTP and the WebSocket exactly as a user would.
 */
describe('all-in-one: HTTP and WebSocket end to end', () => {
  let dataDir: string;
  let port: number;
  let api: Proc;
  let base: string;
  const env = () => ({
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    MAX_BODY_BYTES: String(256 * 1024),
    MAX_EVENT_BYTES: String(64 * 1024),
  });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-aio-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(env(), ['--all-in-one']);
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });

  const list = async (query: string) => {
    const r = await fetch(`${base}/events?${query}`);
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as Record<string, unknown>[];
  };

  it('streams events of both dialects to a WebSocket subscriber and stores them normalised', async () => {
    const session = uniq('sess-');
    const ws = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    ws.send({ type: 'subscribe', id: 's1', filter: { session_id: session } });
    await ws.waitFor((m) => m.type === 'subscribed' && m.id === 's1');

    const t0 = Date.now();
    const generic = await post('/events', {
      app: 'MyGPT-Agent',
      event_type: 'llm_response',
      session_id: session,
      summary: 'Received response',
      payload: {
        provider: 'openai',
        model: 'gpt-4',
        duration: 1.23,
        usage: { prompt_tokens: 12, completion_tokens: 30 },
      },
    });
    assert.equal(generic.status, 202);
    const hook = await post('/events', {
      source_app: 'cc-fleet',
      session_id: session,
      hook_event_type: 'PostToolUseFailure',
      payload: { tool_name: 'Bash', tool_input: { command: 'npm test' }, error: 'exit 1' },
      timestamp: Date.now(),
      model_name: 'claude-sonnet-4-5-20250929',
      tool_use_id: 'toolu_01',
      is_interrupt: false,
    });
    assert.equal(hook.status, 202);
    const hookBody = (await hook.json()) as { id: string; ids: string[] };

    const live = await ws.waitFor(
      (m) => m.type === 'event' && (m.data as { id: string }).id === hookBody.id,
      5_000,
    );
    const latencyMs = Date.now() - t0;
    assert.equal(live.subscription, 's1');
    assert.ok(latencyMs < 5_000, `live delivery took ${latencyMs} ms`);
    ws.close();

    const rows = await list(`session_id=${session}`);
    assert.equal(rows.length, 2);
    const byType = Object.fromEntries(rows.map((r) => [r.event_type, r]));
    const llm = byType['llm_response']!;
    assert.equal(llm.app, 'MyGPT-Agent');
    assert.equal(llm.duration_ms, 1230, 'payload.duration is seconds in the seed SDK');
    assert.equal(llm.input_tokens, 12);
    assert.equal(llm.output_tokens, 30);
    assert.equal(llm.provider, 'openai');
    const failure = byType['PostToolUseFailure']!;
    assert.equal(failure.app, 'cc-fleet');
    assert.equal(failure.source, 'claude_code');
    assert.equal(failure.severity, 3);
    assert.equal(failure.tool_name, 'Bash');
    assert.equal(failure.model, 'claude-sonnet-4-5-20250929');
    assert.equal(failure.provider, 'anthropic');
    assert.deepEqual((failure.attributes as Record<string, unknown>).tool_use_id, 'toolu_01');
    assert.equal(failure.timestamp, failure.ts, 'seed clients read `timestamp`');

    const options = (await (await fetch(`${base}/events/filter-options`)).json()) as {
      source_apps: string[];
      session_ids: string[];
      hook_event_types: string[];
    };
    assert.ok(options.source_apps.includes('cc-fleet'));
    assert.equal(options.session_ids[0], session, 'most recently active session first');
    assert.ok(options.hook_event_types.includes('PostToolUseFailure'));
    const recent = (await (await fetch(`${base}/events/recent?limit=2`)).json()) as {
      ts: string;
    }[];
    assert.equal(recent.length, 2);
    assert.ok(recent[0]!.ts <= recent[1]!.ts, 'recent is ascending');

    const one = await fetch(`${base}/events/${hookBody.id}`);
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as { id: string }).id, hookBody.id);
    assert.equal((await fetch(`${base}/events/does-not-exist`)).status, 404);
  });

  it('answers 30+ malformed inputs with a clear 4xx and still stores the valid events of the session', async () => {
    const session = uniq('bad-');
    const valid = (i: number) => ({
      app: 'a',
      event_type: 'tool_use',
      session_id: session,
      payload: { i },
    });
    const cases: {
      body: string | Buffer;
      headers?: Record<string, string>;
      status: number;
      field?: string;
    }[] = [
      { body: '{bad json', status: 400, field: '(body)' },
      { body: '', status: 400 },
      { body: 'null', status: 400, field: '(body)' },
      { body: '42', status: 400, field: '(body)' },
      { body: '"text"', status: 400, field: '(body)' },
      { body: '[]', status: 400, field: '(body)' },
      {
        body: JSON.stringify({ event_type: 'x', session_id: session, payload: {} }),
        status: 400,
        field: 'app',
      },
      {
        body: JSON.stringify({ app: 'a', session_id: session, payload: {} }),
        status: 400,
        field: 'event_type',
      },
      {
        body: JSON.stringify({ app: 'a', event_type: 'x', session_id: session }),
        status: 400,
        field: 'payload',
      },
      {
        body: JSON.stringify({ app: 'a', event_type: 'x', session_id: session, payload: null }),
        status: 400,
        field: 'payload',
      },
      {
        body: JSON.stringify({ app: '', event_type: 'x', session_id: session, payload: {} }),
        status: 400,
        field: 'app',
      },
      {
        body: JSON.stringify({ app: 7, event_type: 'x', session_id: session, payload: {} }),
        status: 400,
        field: 'app',
      },
      {
        body: JSON.stringify({ app: 'a', event_type: ['x'], session_id: session, payload: {} }),
        status: 400,
        field: 'event_type',
      },
      {
        body: JSON.stringify({ app: 'a', event_type: 'x', session_id: 5, payload: {} }),
        status: 400,
        field: 'session_id',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          timestamp: 'yesterday',
        }),
        status: 400,
        field: 'timestamp',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          timestamp: '2999-01-01T00:00:00Z',
        }),
        status: 400,
        field: 'timestamp',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          timestamp: '1990-01-01T00:00:00Z',
        }),
        status: 400,
        field: 'timestamp',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          severity: 9,
        }),
        status: 400,
        field: 'severity',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          severity: 'high',
        }),
        status: 400,
        field: 'severity',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          duration_ms: -5,
        }),
        status: 400,
        field: 'duration_ms',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          duration_ms: 'slow',
        }),
        status: 400,
        field: 'duration_ms',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          input_tokens: -1,
        }),
        status: 400,
        field: 'input_tokens',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          output_tokens: 1.5,
        }),
        status: 400,
        field: 'output_tokens',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          cost_usd: -0.1,
        }),
        status: 400,
        field: 'cost_usd',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          tags: 'prod',
        }),
        status: 400,
        field: 'tags',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          tags: { env: { nested: true } },
        }),
        status: 400,
        field: 'tags.env',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          summary: 'x'.repeat(5000),
        }),
        status: 400,
        field: 'summary',
      },
      {
        body: JSON.stringify({
          app: 'a'.repeat(300),
          event_type: 'x',
          session_id: session,
          payload: {},
        }),
        status: 400,
        field: 'app',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          id: 'has space',
        }),
        status: 400,
        field: 'id',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: {},
          status: 'maybe',
        }),
        status: 400,
        field: 'status',
      },
      {
        body: JSON.stringify({ source_app: 'cc', hook_event_type: 'Stop', payload: {} }),
        status: 400,
        field: 'session_id',
      },
      {
        body: JSON.stringify({ source_app: 'cc', session_id: session, payload: {} }),
        status: 400,
        field: 'hook_event_type',
      },
      {
        body: JSON.stringify({
          source_app: 'cc',
          session_id: session,
          hook_event_type: 'Stop',
          payload: {},
          timestamp: 'now',
        }),
        status: 400,
        field: 'timestamp',
      },
      {
        body: JSON.stringify({
          app: 'a',
          event_type: 'x',
          session_id: session,
          payload: { blob: 'x'.repeat(70 * 1024) },
        }),
        status: 400,
        field: '(event)',
      },
      { body: JSON.stringify([1, 2]), status: 400, field: '(item)' },
      {
        body: 'x'.repeat(300 * 1024),
        headers: { 'content-type': 'application/json' },
        status: 413,
      },
      { body: 'hello', headers: { 'content-type': 'text/plain' }, status: 415 },
      { body: JSON.stringify(valid(0)), headers: { 'content-encoding': 'compress' }, status: 415 },
      {
        body: Buffer.from('not gzip at all'),
        headers: { 'content-encoding': 'gzip' },
        status: 400,
      },
    ];
    assert.ok(cases.length >= 30);
    let accepted = 0;
    for (const [i, c] of cases.entries()) {
      const ok = await post('/events', valid(i));
      assert.equal(ok.status, 202);
      accepted += 1;
      const r = await post('/events', c.body, c.headers);
      const text = await r.text();
      assert.equal(r.status, c.status, `case ${i}: ${text}`);
      const body = JSON.parse(text) as {
        error: string;
        message: string;
        details?: { field: string; reason: string }[];
      };
      assert.ok(body.message.length > 0, `case ${i} has a message`);
      if (c.field) {
        assert.ok(
          body.details?.some((d) => d.field === c.field && d.reason.length > 0),
          `case ${i} names ${c.field}: ${text}`,
        );
      }
    }
    const rows = await list(`session_id=${session}&limit=1000`);
    assert.equal(rows.length, accepted);
    assert.equal(new Set(rows.map((r) => r.id)).size, accepted);

    // A mixed batch keeps the valid items and reports the others by index (207).
    const mixed = await post('/events', [valid(100), { app: 'a' }, valid(101)]);
    assert.equal(mixed.status, 207);
    const m = (await mixed.json()) as {
      accepted: number;
      rejected: { index: number; field: string }[];
    };
    assert.equal(m.accepted, 2);
    assert.deepEqual([...new Set(m.rejected.map((r) => r.index))], [1]);
    assert.ok(m.rejected.some((r) => r.field === 'event_type'));
  });

  it('accepts gzip, deflate and NDJSON batches, and pages with a cursor', async () => {
    const session = uniq('batch-');
    const events = Array.from({ length: 25 }, (_, i) => ({
      app: 'batcher',
      event_type: i % 5 === 0 ? 'error' : 'step',
      session_id: session,
      payload: { i },
      timestamp: new Date(Date.now() - (25 - i) * 1000).toISOString(),
    }));
    const gz = await post('/events', gzipSync(JSON.stringify(events.slice(0, 10))), {
      'content-encoding': 'gzip',
    });
    assert.equal(gz.status, 202, await gz.clone().text());
    const df = await post('/events', deflateSync(JSON.stringify(events.slice(10, 15))), {
      'content-encoding': 'deflate',
    });
    assert.equal(df.status, 202);
    const nd = await post(
      '/events/batch',
      events
        .slice(15)
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
      {
        'content-type': 'application/x-ndjson',
      },
    );
    assert.equal(nd.status, 202, await nd.clone().text());
    assert.equal(((await nd.json()) as { accepted: number }).accepted, 10);

    const errors = await list(`session_id=${session}&severity=3`);
    assert.equal(errors.length, 5);
    assert.ok(errors.every((e) => e.event_type === 'error'));

    const seen: string[] = [];
    let url = `${base}/events?session_id=${session}&limit=10`;
    for (let page = 0; page < 5; page++) {
      const r = await fetch(url);
      const rows = (await r.json()) as { id: string; ts: string }[];
      seen.push(...rows.map((x) => x.id));
      const next = r.headers.get('x-next-cursor');
      if (!next) break;
      url = `${base}/events?session_id=${session}&limit=10&cursor=${encodeURIComponent(next)}`;
    }
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);

    const bad = await fetch(`${base}/events?limit=abc`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /limit/);
    assert.equal((await fetch(`${base}/events?cursor=garbage`)).status, 400);
  });

  it('finds events by full-text search and by tags', async () => {
    const session = uniq('search-');
    await post('/events', [
      {
        app: 's',
        event_type: 'note',
        session_id: session,
        summary: 'database connection refused',
        payload: {},
        tags: { env: 'prod' },
      },
      {
        app: 's',
        event_type: 'note',
        session_id: session,
        summary: 'all good',
        payload: { detail: 'refused nothing' },
        tags: { env: 'dev' },
      },
    ]);
    const hits = await list(`session_id=${session}&search=database`);
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.summary, 'database connection refused');
    assert.equal(
      (await list(`session_id=${session}&search=refused`)).length,
      2,
      'payload text is searched too',
    );
    const prod = await list(`session_id=${session}&tags=env:prod`);
    assert.equal(prod.length, 1);
    assert.equal((await list(`session_id=${session}&search=prod`)).length, 1, 'tag values');
  });

  it('searches the names and the payload string values within their budget', async () => {
    const session = uniq('search-budget-');
    await post('/events', {
      source_app: 'hooks',
      session_id: session,
      hook_event_type: 'PostToolUse',
      payload: {
        tool_name: 'Bash',
        tool_input: { command: 'kubectl rollout restart deployment checkout' },
        tool_response: { stdout: `${'line '.repeat(400)}needleatthebottom` },
      },
    });
    assert.equal((await list(`session_id=${session}&search=kubectl`)).length, 1, 'command');
    assert.equal((await list(`session_id=${session}&search=Bash`)).length, 1, 'tool name');
    assert.equal((await list(`session_id=${session}&search=PostToolUse`)).length, 1, 'type');
    assert.equal(
      (await list(`session_id=${session}&search=needleatthebottom`)).length,
      0,
      'the end of a 2 KB value is past its 256-character cut',
    );
  });

  it('serves the live page, the seed pages and the OpenAPI document', async () => {
    const home = await fetch(`${base}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Fleetscope/);
    assert.equal((await fetch(`${base}/mobile-dashboard.html`)).status, 200);
    const doc = await fetch(`${base}/docs/openapi.json`);
    assert.equal(doc.status, 200);
    const spec = (await doc.json()) as { paths: Record<string, unknown> };
    assert.ok(spec.paths['/events']);
  });

  it('keeps events across a restart (persisted under DATA_DIR)', async () => {
    const session = uniq('persist-');
    assert.equal(
      (await post('/events', { app: 'p', event_type: 'x', session_id: session, payload: {} }))
        .status,
      202,
    );
    await api.stop();
    api = startApi(env(), ['--all-in-one']);
    await waitReady(`${base}/ready`, api, 120_000);
    assert.equal((await list(`session_id=${session}`)).length, 1);
  });
});

describe('all-in-one: auth', () => {
  let dataDir: string;
  let api: Proc;
  let base: string;
  let port: number;
  const key = 'test-key-0123456789';

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-auth-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(
      {
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        ENABLE_AUTH: 'true',
        OBSERVABILITY_API_KEY: key,
      },
      ['--all-in-one'],
    );
    await waitReady(`${base}/ready`, api, 120_000);
  });
  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses requests without a valid key and accepts them with one', async () => {
    const body = JSON.stringify({ app: 'a', event_type: 'x', payload: {} });
    const h = { 'content-type': 'application/json' };
    assert.equal((await fetch(`${base}/events`, { method: 'POST', headers: h, body })).status, 401);
    assert.equal(
      (
        await fetch(`${base}/events`, {
          method: 'POST',
          headers: { ...h, authorization: 'Bearer wrong' },
          body,
        })
      ).status,
      401,
    );
    assert.equal(
      (
        await fetch(`${base}/events`, {
          method: 'POST',
          headers: { ...h, authorization: `Bearer ${key}` },
          body,
        })
      ).status,
      202,
    );
    assert.equal((await fetch(`${base}/events`, { headers: { 'x-api-key': key } })).status, 200);
    assert.equal((await fetch(`${base}/events`)).status, 401);
    assert.equal((await fetch(`${base}/health`)).status, 200, 'probes stay public');
  });

  it('closes a WebSocket without a key and serves one with ?api_key=', async () => {
    const anon = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    await anon.waitFor((m) => m.type === 'error' && m.code === 'unauthorized');
    assert.equal(await anon.closed, 1008);
    const authed = await WsProbe.connect(`ws://127.0.0.1:${port}/ws?api_key=${key}`);
    authed.send({ type: 'ping' });
    await authed.waitFor((m) => m.type === 'pong');
    authed.close();
  });
});
