import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  AnalystQueriesRepository,
  ApiKeysRepository,
  ConsoleQueryError,
  migrate,
  PgliteSqlClient,
  PgSqlClient,
  type SqlClient,
} from '@fleetscope/db';
import { decodeLiveCursor } from '@fleetscope/domain';
import { createTestDatabase } from '../support/database';
import { ROOT } from '../support/env';
import { freePort, startApi, waitFor, waitReady, type Proc } from '../support/processes';
import { WsProbe } from '../support/ws-client';

/**
 * The live WebSocket's two features for the dashboard, through the api process:
 *  - the SQL console (`query` and POST /query): one read-only SELECT over the caller's
 *    project, and none of the ways out (another project, base tables, writes, two statements,
 *    a statement that never ends); saved queries;
 *  - subscribe with a cursor: after a disconnect, exactly the missed events, then live ones.
 * The console runs on the embedded database (all-in-one) and on plain PostgreSQL (all-in-one
 * over DATABASE_URL), where a DBA has prepared the role as docs/operations.md says.
 */

const ENV_KEY = 'env-key-0123456789abcdef';
const TIMEOUT_MS = 500;
const MAX_ROWS = 50;

interface Keys {
  alpha: string;
  beta: string;
  /** Project alpha, scope `ingest` only. */
  ingestOnly: string;
}

interface Server {
  base: string;
  ws: (key: string) => Promise<WsProbe>;
  keys: Keys;
  flavor: 'embedded' | 'postgres';
}

/** Keys of two projects (and one without `read`), made in the database before the api starts. */
async function makeKeys(db: SqlClient): Promise<Keys> {
  await migrate(db);
  const repo = new ApiKeysRepository();
  return {
    alpha: (await repo.create(db, 'alpha', 'alpha key')).key,
    beta: (await repo.create(db, 'beta', 'beta key')).key,
    ingestOnly: (await repo.create(db, 'alpha', 'ingest only', ['ingest'])).key,
  };
}

async function startServer(
  env: Record<string, string>,
): Promise<{ proc: Proc; base: string; port: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startApi(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      ENABLE_AUTH: 'true',
      OBSERVABILITY_API_KEY: ENV_KEY,
      QUERY_TIMEOUT_MS: String(TIMEOUT_MS),
      QUERY_MAX_ROWS: String(MAX_ROWS),
      ...env,
    },
    ['--all-in-one'],
  );
  await waitReady(`${base}/ready`, proc, 120_000);
  return { proc, base, port };
}

/** A request's key and JSON body (no content type without a body: Fastify refuses that). */
const json = (key: string | undefined, body?: unknown): RequestInit => ({
  headers: {
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  },
  ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
});

async function ingest(base: string, key: string, events: Record<string, unknown>[]) {
  const r = await fetch(`${base}/events/batch`, { method: 'POST', ...json(key, events) });
  assert.equal(r.status, 202, (await r.text()).slice(0, 500));
}

let seq = 0;
/** Sends a query and waits for its answer (result or error). */
async function query(ws: WsProbe, sql: string, params?: unknown[], timeoutMs = 15_000) {
  const queryId = `q${++seq}`;
  ws.send({ type: 'query', queryId, sql, ...(params ? { params } : {}) });
  return ws.waitFor(
    (m) =>
      (m.type === 'query_result' && m.queryId === queryId) ||
      (m.type === 'error' && m.id === queryId),
    timeoutMs,
  );
}

/**
 * The console's behaviour, the same on every database. `skipped`: why the suite cannot run
 * here (checked when each test starts, after the suite's `before`).
 */
function consoleSuite(get: () => Server, skipped: () => string | false = () => false): void {
  const it = (name: string, fn: () => Promise<void>): void => {
    // node:test queues the test; its promise settles with the suite.
    void test(name, async (t) => {
      const why = skipped();
      if (why) t.skip(why);
      else await fn();
    });
  };
  it('answers a query with the rows of the caller’s project only', async () => {
    const { base, ws, keys } = get();
    await ingest(
      base,
      keys.alpha,
      Array.from({ length: 60 }, (_, i) => ({
        app: 'alpha-app',
        event_type: i % 10 === 0 ? 'error' : 'step',
        session_id: `alpha-s${i % 3}`,
        input_tokens: 10,
        payload: { i },
      })),
    );
    await ingest(
      base,
      keys.beta,
      Array.from({ length: 5 }, (_, i) => ({
        app: 'beta-app',
        event_type: 'step',
        session_id: 'beta-s',
        payload: { i },
      })),
    );
    const alpha = await ws(keys.alpha);
    const r = await query(
      alpha,
      'select app, count(*) as n, sum(input_tokens) as tokens, max(received_at) as last from events group by app',
    );
    assert.equal(r.type, 'query_result', JSON.stringify(r));
    assert.deepEqual(
      (r.rows as Record<string, unknown>[]).map(({ app, n, tokens }) => ({ app, n, tokens })),
      [{ app: 'alpha-app', n: 60, tokens: 600 }],
    );
    assert.deepEqual(r.columns, [
      { name: 'app', type: 'text' },
      { name: 'n', type: 'bigint' },
      { name: 'tokens', type: 'numeric' },
      { name: 'last', type: 'timestamp with time zone' },
    ]);
    assert.match(String((r.rows as Record<string, unknown>[])[0]!.last), /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.equal(r.rowCount, 1);
    assert.equal(r.truncated, false);
    assert.equal(typeof r.elapsed_ms, 'number');

    // The seed's shape: no params, and no queryId at all.
    alpha.send({ type: 'query', sql: 'select count(*)::int as n from sessions' });
    const seed = await alpha.waitFor((m) => m.type === 'query_result' && m.queryId === null);
    assert.deepEqual(seed.rows, [{ n: 3 }]);

    const beta = await ws(keys.beta);
    const b = await query(beta, 'select app, count(*)::int as n from events group by app');
    assert.deepEqual(b.rows, [{ app: 'beta-app', n: 5 }]);
    const rollup = await query(beta, 'select sum(events)::int as n from agent_stats_1m');
    assert.deepEqual(rollup.rows, [{ n: 5 }]);
    const p = await query(alpha, 'select count(*)::int as n from events where event_type = $1', [
      'error',
    ]);
    assert.deepEqual(p.rows, [{ n: 6 }]);
    alpha.close();
    beta.close();
  });

  it('refuses every way out of the project with an error naming the query, and stays open', async () => {
    const { ws, keys, flavor } = get();
    const alpha = await ws(keys.alpha);
    const cases: [string, RegExp, string][] = [
      [
        "select set_config('fleetscope.project_id', 'beta', false)",
        /permission denied for function set_config/,
        'query_forbidden',
      ],
      ['select * from public.events', /permission denied for table events/, 'query_forbidden'],
      ['select * from public.api_keys', /permission denied for table api_keys/, 'query_forbidden'],
      ['select * from channels', /relation "channels" does not exist/, 'query_failed'],
      [
        "insert into events (project_id, id) values ('beta', 'x')",
        /only a SELECT/,
        'query_forbidden',
      ],
      [
        "select 1 from events) q cross join lateral (select set_config('role', 'postgres', true)",
        /permission denied for function set_config/,
        'query_forbidden',
      ],
      ['select 1; select 2', /one statement at a time/, 'query_failed'],
      ['select nope from events', /column "nope" does not exist/, 'query_failed'],
    ];
    for (const [sql, message, code] of cases) {
      const r = await query(alpha, sql);
      assert.equal(r.type, 'error', `${sql}: ${JSON.stringify(r)}`);
      assert.equal(r.code, code, `${sql}: ${String(r.message)}`);
      assert.match(String(r.message), message, sql);
      assert.doesNotMatch(String(r.message), /\n\s+at /, 'no stack');
    }
    const syntax = await query(alpha, 'select count(* from events');
    assert.equal(syntax.position, 'select count(* '.length + 1);

    // A statement that would run forever ends within the timeout (PostgreSQL) or is refused
    // before it starts (the embedded database, which cannot interrupt a statement).
    for (const sql of [
      'select pg_sleep(30)',
      'select count(*) from generate_series(1, 1000000000)',
    ]) {
      const t0 = Date.now();
      const r = await query(alpha, sql, undefined, 20_000);
      const ms = Date.now() - t0;
      assert.equal(r.type, 'error', sql);
      assert.ok(ms < 10_000, `${sql}: answered after ${ms} ms`);
      if (flavor === 'postgres' && sql.includes('pg_sleep'))
        assert.match(String(r.message), /statement timeout/);
      else if (sql.includes('pg_sleep'))
        assert.match(String(r.message), /permission denied for function pg_sleep/);
      else
        assert.match(
          String(r.message),
          flavor === 'postgres' ? /statement timeout/ : /QUERY_MAX_COST/,
        );
    }
    alpha.send({ type: 'ping' });
    await alpha.waitFor((m) => m.type === 'pong');
    const still = await query(alpha, "select current_setting('fleetscope.project_id') as p");
    assert.deepEqual(still.rows, [{ p: 'alpha' }]);
    alpha.close();
  });

  it('caps the rows at QUERY_MAX_ROWS and says so', async () => {
    const { ws, keys } = get();
    const alpha = await ws(keys.alpha);
    const r = await query(alpha, 'select id, ts, payload from events order by ts');
    assert.equal(r.type, 'query_result');
    assert.equal((r.rows as unknown[]).length, MAX_ROWS);
    assert.equal(r.rowCount, MAX_ROWS);
    assert.equal(r.truncated, true);
    alpha.close();
  });

  it('needs the read scope', async () => {
    const { base, ws, keys } = get();
    const w = await ws(keys.ingestOnly);
    const r = await query(w, 'select 1');
    assert.equal(r.code, 'query_forbidden');
    assert.match(String(r.message), /read scope/);
    w.close();
    const http = await fetch(`${base}/query`, {
      method: 'POST',
      ...json(keys.ingestOnly, { sql: 'select 1' }),
    });
    assert.equal(http.status, 403);
    assert.equal((await fetch(`${base}/queries`, json(keys.ingestOnly))).status, 403);
    assert.equal(
      (await fetch(`${base}/query`, { method: 'POST', ...json(undefined, { sql: 'select 1' }) }))
        .status,
      401,
    );
  });

  it('POST /query: the same answers over HTTP, and 400s naming the field', async () => {
    const { base, keys } = get();
    const ok = await fetch(`${base}/query`, {
      method: 'POST',
      ...json(keys.beta, {
        sql: 'select app, count(*) as n from events where app = $1 group by app',
        params: ['beta-app'],
      }),
    });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as Record<string, unknown>;
    assert.deepEqual(body.rows, [{ app: 'beta-app', n: 5 }]);
    assert.deepEqual(Object.keys(body).sort(), [
      'columns',
      'elapsed_ms',
      'rowCount',
      'rows',
      'truncated',
    ]);

    const bad: [unknown, string][] = [
      [{}, 'sql'],
      [{ sql: 42 }, 'sql'],
      [{ sql: '   ' }, 'sql'],
      [{ sql: 'select 1', params: 'x' }, 'params'],
      [{ sql: 'select $1', params: [{ nested: true }] }, 'params.0'],
      [{ sql: 'select 1', extra: true }, 'extra'],
    ];
    for (const [payload, field] of bad) {
      const r = await fetch(`${base}/query`, { method: 'POST', ...json(keys.alpha, payload) });
      const text = await r.text();
      assert.equal(r.status, 400, text);
      const e = JSON.parse(text) as { error: string; details?: { field: string }[] };
      assert.equal(e.error, 'validation_failed');
      assert.ok(
        e.details?.some((d) => d.field === field),
        `${JSON.stringify(payload)}: ${text}`,
      );
    }
    const failed = await fetch(`${base}/query`, {
      method: 'POST',
      ...json(keys.alpha, { sql: 'select nope from events' }),
    });
    assert.equal(failed.status, 400);
    const f = (await failed.json()) as {
      error: string;
      message: string;
      details: { position: number };
    };
    assert.equal(f.error, 'query_failed');
    assert.match(f.message, /column "nope" does not exist/);
    assert.equal(f.details.position, 8);
    const forbidden = await fetch(`${base}/query`, {
      method: 'POST',
      ...json(keys.alpha, { sql: 'select * from public.events' }),
    });
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { error: string }).error, 'query_forbidden');
  });

  it('saved queries: create, list, get, replace, delete, per project', async () => {
    const { base, keys } = get();
    const call = (method: string, path: string, key: string, body?: unknown) =>
      fetch(`${base}${path}`, { method, ...json(key, body) });
    const created = await call('POST', '/queries', keys.alpha, {
      name: 'errors by app',
      sql: "select app, count(*) from events where event_type = 'error' group by app",
      description: 'the noisy ones',
    });
    assert.equal(created.status, 201, await created.clone().text());
    const q = (await created.json()) as Record<string, unknown>;
    assert.equal(q.name, 'errors by app');
    assert.equal(q.description, 'the noisy ones');
    assert.ok(typeof q.id === 'string' && typeof q.created_at === 'string');

    const dup = await call('POST', '/queries', keys.alpha, {
      name: 'errors by app',
      sql: 'select 1',
    });
    assert.equal(dup.status, 409);
    assert.equal(
      ((await dup.json()) as { details: { field: string }[] }).details[0]!.field,
      'name',
    );
    // Another project may use the same name, and sees nothing of alpha's.
    assert.equal(
      (await call('POST', '/queries', keys.beta, { name: 'errors by app', sql: 'select 2' }))
        .status,
      201,
    );
    const betaList = (await (await call('GET', '/queries', keys.beta)).json()) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      betaList.map((x) => x.sql),
      ['select 2'],
    );
    assert.equal((await call('GET', `/queries/${String(q.id)}`, keys.beta)).status, 404);
    assert.equal((await call('DELETE', `/queries/${String(q.id)}`, keys.beta)).status, 404);

    const list = (await (await call('GET', '/queries', keys.alpha)).json()) as Record<
      string,
      unknown
    >[];
    assert.deepEqual(
      list.map((x) => x.id),
      [q.id],
    );
    assert.equal(
      (
        (await (await call('GET', `/queries/${String(q.id)}`, keys.alpha)).json()) as {
          sql: string;
        }
      ).sql,
      q.sql,
    );

    const replaced = await call('PUT', `/queries/${String(q.id)}`, keys.alpha, {
      name: 'errors',
      sql: 'select 3',
    });
    assert.equal(replaced.status, 200);
    const r = (await replaced.json()) as Record<string, unknown>;
    assert.deepEqual([r.name, r.sql, r.description], ['errors', 'select 3', null]);

    for (const [method, path, body, field] of [
      ['POST', '/queries', { sql: 'select 1' }, 'name'],
      ['POST', '/queries', { name: 'x' }, 'sql'],
      ['POST', '/queries', { name: 'x', sql: 'select 1', color: 'red' }, 'color'],
      ['PUT', `/queries/${String(q.id)}`, { name: '', sql: 'select 1' }, 'name'],
      ['POST', '/queries', { name: 'x', sql: 'select 1', description: 7 }, 'description'],
    ] as const) {
      const bad = await call(method, path, keys.alpha, body);
      const text = await bad.text();
      assert.equal(bad.status, 400, text);
      assert.ok(
        (JSON.parse(text) as { details: { field: string }[] }).details.some(
          (d) => d.field === field,
        ),
        text,
      );
    }
    assert.equal(
      (await call('PUT', '/queries/nope', keys.alpha, { name: 'n', sql: 'select 1' })).status,
      404,
    );
    assert.equal((await call('DELETE', `/queries/${String(q.id)}`, keys.alpha)).status, 204);
    assert.equal((await call('GET', `/queries/${String(q.id)}`, keys.alpha)).status, 404);
    assert.equal((await call('DELETE', `/queries/${String(q.id)}`, keys.alpha)).status, 404);
  });
}

describe('WebSocket query and cursor resume, all-in-one on the embedded database', () => {
  let dataDir: string;
  let api: Proc;
  let server: Server;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-wsq-'));
    const db = await PgliteSqlClient.open(join(dataDir, 'pglite'));
    const keys = await makeKeys(db);
    await db.close();
    const s = await startServer({ DATA_DIR: dataDir });
    api = s.proc;
    server = {
      base: s.base,
      keys,
      flavor: 'embedded',
      ws: (key) =>
        WsProbe.connect(`ws://127.0.0.1:${s.port}/ws?api_key=${encodeURIComponent(key)}`),
    };
  });
  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('SQL console', () => consoleSuite(() => server));

  describe('subscribe with a cursor', () => {
    type Msg = Record<string, unknown>;
    const eventsOf = (ws: WsProbe, sub: string) =>
      ws.messages.filter((m) => m.type === 'event' && m.subscription === sub);
    const idOf = (m: Msg) => (m.data as { id: string }).id;
    const post = (app: string, n: number, extra: (i: number) => Msg = () => ({})) =>
      ingest(
        server.base,
        server.keys.alpha,
        Array.from({ length: n }, (_, i) => ({
          app,
          event_type: 'step',
          session_id: `${app}-s`,
          payload: { i },
          ...extra(i),
        })),
      );
    const storedIds = async (app: string): Promise<string[]> => {
      const r = await fetch(`${server.base}/events?app=${app}&limit=1000`, json(server.keys.alpha));
      return ((await r.json()) as { id: string }[]).map((e) => e.id);
    };

    it('gets exactly the events missed while away, then live ones', async () => {
      const app = 'resume-app';
      const ws1 = await server.ws(server.keys.alpha);
      ws1.send({ type: 'subscribe', id: 'live', filter: { app } });
      await ws1.waitFor((m) => m.type === 'subscribed' && m.id === 'live');
      await post(app, 4);
      await post(app, 6);
      await post('other-app', 3);
      await waitFor('10 live events', async () => eventsOf(ws1, 'live').length === 10, 10_000);
      const first = eventsOf(ws1, 'live');
      assert.ok(first.every((m) => typeof m.cursor === 'string' && m.replay === undefined));
      const cursor = first.at(-1)!.cursor as string;
      ws1.close();
      await ws1.closed;

      // Away: one batch of 20 (one receive time), three single events, other apps' events.
      await post(app, 20);
      for (let i = 0; i < 3; i++) await post(app, 1);
      await post('other-app', 5);
      const missed = (await storedIds(app)).filter((id) => !first.some((m) => idOf(m) === id));
      assert.equal(missed.length, 23);

      const ws2 = await server.ws(server.keys.alpha);
      ws2.send({ type: 'subscribe', id: 'live', filter: { app }, cursor });
      const subscribed = await ws2.waitFor(
        (m) => m.type === 'subscribed' && m.id === 'live',
        10_000,
      );
      assert.equal(subscribed.resumed, 23);
      const replayed = eventsOf(ws2, 'live');
      assert.ok(replayed.every((m) => m.replay === true));
      assert.deepEqual(replayed.map(idOf).sort(), [...missed].sort());
      // Replayed in stream order, each with its own cursor.
      const cursors = replayed.map((m) => decodeLiveCursor(m.cursor as string)!);
      for (let i = 1; i < cursors.length; i++) assert.ok(cursors[i - 1]!.r <= cursors[i]!.r);

      await post(app, 2);
      await waitFor(
        '2 live events after the replay',
        async () => eventsOf(ws2, 'live').length === 25,
        10_000,
      );
      const live = eventsOf(ws2, 'live').slice(23);
      assert.ok(live.every((m) => m.replay === undefined));
      const all = [...first, ...eventsOf(ws2, 'live')].map(idOf);
      assert.equal(new Set(all).size, all.length, 'no duplicate');
      assert.deepEqual([...all].sort(), (await storedIds(app)).sort(), 'nothing missing');
      ws2.close();
    });

    it('loses and repeats nothing when events arrive while the replay runs', async () => {
      const app = 'race-app';
      const ws1 = await server.ws(server.keys.alpha);
      ws1.send({ type: 'subscribe', id: 'r', filter: { app } });
      await ws1.waitFor((m) => m.type === 'subscribed');
      await post(app, 3);
      await waitFor('3 events', async () => eventsOf(ws1, 'r').length === 3, 10_000);
      const cursor = eventsOf(ws1, 'r').at(-1)!.cursor as string;
      ws1.close();
      await post(app, 40);

      const ws2 = await server.ws(server.keys.alpha);
      // Ingest races the resume: some of these commit before the replay reads, some after.
      const racing = Promise.all(Array.from({ length: 8 }, () => post(app, 5)));
      ws2.send({ type: 'subscribe', id: 'r', filter: { app }, cursor });
      await racing;
      const expected = (await storedIds(app)).length - 3;
      assert.equal(expected, 80);
      await waitFor(
        'every event after the cursor',
        async () => eventsOf(ws2, 'r').length >= 80,
        15_000,
      );
      await new Promise((r) => setTimeout(r, 300));
      const got = eventsOf(ws2, 'r').map(idOf);
      assert.equal(got.length, 80, 'no duplicate');
      assert.equal(new Set(got).size, 80);
      const before = new Set(eventsOf(ws1, 'r').map(idOf));
      assert.ok(got.every((id) => !before.has(id)));
      ws2.close();
    });

    it('resumes from any event of a batch, exactly after it', async () => {
      const app = 'batch-app';
      const ws1 = await server.ws(server.keys.alpha);
      ws1.send({ type: 'subscribe', id: 'b', filter: { app } });
      await ws1.waitFor((m) => m.type === 'subscribed');
      // One request: one receive time. Long client ids: the cursor soon takes the prefix form.
      await post(app, 40, (i) => ({ id: `batch-${i}-${'x'.repeat(50)}` }));
      await post(app, 2);
      await waitFor('42 events', async () => eventsOf(ws1, 'b').length === 42, 10_000);
      const delivered = eventsOf(ws1, 'b');
      ws1.close();
      for (const k of [0, 5, 25, 39, 40]) {
        const ws = await server.ws(server.keys.alpha);
        ws.send({ type: 'subscribe', id: 'b', filter: { app }, cursor: delivered[k]!.cursor });
        await ws.waitFor((m) => m.type === 'subscribed', 10_000);
        assert.deepEqual(
          eventsOf(ws, 'b').map(idOf),
          delivered.slice(k + 1).map(idOf),
          `after #${k}`,
        );
        ws.close();
      }
    });

    it('sends at most 5,000 replayed events, then lagged with the cursor to go on from', async () => {
      const app = 'flood-app';
      const ws1 = await server.ws(server.keys.alpha);
      ws1.send({ type: 'subscribe', id: 'f', filter: { app } });
      await ws1.waitFor((m) => m.type === 'subscribed');
      await post(app, 1);
      await waitFor('1 event', async () => eventsOf(ws1, 'f').length === 1, 10_000);
      const cursor = eventsOf(ws1, 'f')[0]!.cursor as string;
      ws1.close();
      await post(app, 5_003);

      const ws2 = await server.ws(server.keys.alpha);
      ws2.send({ type: 'subscribe', id: 'f', filter: { app }, cursor });
      const lagged = await ws2.waitFor((m) => m.type === 'lagged', 30_000);
      assert.equal(lagged.reason, 'replay_limit');
      assert.equal(lagged.dropped, 3);
      assert.equal(eventsOf(ws2, 'f').length, 5_000);
      assert.equal(lagged.resume_from, eventsOf(ws2, 'f').at(-1)!.cursor);
      assert.equal(
        ws2.messages.some((m) => m.type === 'subscribed'),
        false,
      );
      ws2.send({ type: 'subscribe', id: 'f', filter: { app }, cursor: lagged.resume_from });
      const done = await ws2.waitFor((m) => m.type === 'subscribed', 10_000);
      assert.equal(done.resumed, 3);
      const ids = eventsOf(ws2, 'f').map(idOf);
      assert.equal(ids.length, 5_003);
      assert.equal(new Set(ids).size, 5_003);
      ws2.close();
    });

    it('refuses a cursor it did not issue', async () => {
      const ws = await server.ws(server.keys.alpha);
      for (const cursor of [
        'garbage!',
        Buffer.from('{"ts":"2026-01-01T00:00:00.000Z","id":"x"}').toString('base64url'),
      ]) {
        ws.send({ type: 'subscribe', id: 'x', cursor });
        const e = await ws.waitFor((m) => m.type === 'error' && m.id === 'x');
        assert.equal(e.code, 'invalid_cursor');
        ws.messages.length = 0;
      }
      ws.close();
    });
  });
});

/**
 * A superuser connection to a test database through the local cluster's private socket
 * (trust auth; infra/local/services.sh), or null when there is none (another server).
 */
async function superuser(url: string): Promise<Client | null> {
  const c = new Client({
    host: join(ROOT, '.local', 'pg', 'run'),
    port: Number(new URL(url).port),
    user: 'postgres',
    database: new URL(url).pathname.slice(1),
  });
  try {
    await c.connect();
    return c;
  } catch {
    return null;
  }
}

describe('the SQL console on plain PostgreSQL', () => {
  it('applies the migration as a user without superuser or CREATEROLE, and reports the console unavailable', async () => {
    const { url, drop } = await createTestDatabase();
    const db = new PgSqlClient(url);
    try {
      const { flavor, applied } = await migrate(db);
      assert.equal(flavor, 'postgres');
      assert.ok(applied.includes('0006_analyst'));
      await assert.rejects(
        new AnalystQueriesRepository().run(db, {
          projectId: 'p',
          sql: 'select 1',
          params: [],
          maxRows: 1,
          timeoutMs: 1000,
        }),
        (err: unknown) =>
          err instanceof ConsoleQueryError &&
          err.code === 'query_forbidden' &&
          /unavailable/.test(err.message),
      );
    } finally {
      await db.close();
      await drop();
    }
  });

  describe('prepared by a DBA (docs/operations.md, "SQL console"), all-in-one over DATABASE_URL', () => {
    let api: Proc | undefined;
    let server: Server;
    let drop: () => Promise<void>;
    let skip = false;

    before(async () => {
      const created = await createTestDatabase();
      drop = created.drop;
      const su = await superuser(created.url);
      if (!su) {
        skip = true;
        return;
      }
      const appUser = decodeURIComponent(new URL(created.url).username);
      try {
        await su.query(`DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fleetscope_analyst') THEN
            CREATE ROLE fleetscope_analyst NOLOGIN;
          END IF; END $$`);
        await su.query(`GRANT fleetscope_analyst TO "${appUser}"`);
        await su.query(
          'REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC',
        );
        await su.query(
          `GRANT EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) TO "${appUser}"`,
        );
      } finally {
        await su.end();
      }
      const db = new PgSqlClient(created.url);
      const keys = await makeKeys(db);
      await db.close();
      const dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-wsq-pg-'));
      const s = await startServer({ DATA_DIR: dataDir, DATABASE_URL: created.url });
      api = s.proc;
      server = {
        base: s.base,
        keys,
        flavor: 'postgres',
        ws: (key) =>
          WsProbe.connect(`ws://127.0.0.1:${s.port}/ws?api_key=${encodeURIComponent(key)}`),
      };
    });
    after(async () => {
      await api?.stop();
      await drop?.();
    });

    describe('SQL console', () =>
      consoleSuite(
        () => server,
        () => skip && 'no superuser socket to prepare this PostgreSQL server with',
      ));
  });
});
