import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEnvelope, type SqlParam } from '@fleetscope/domain';
import {
  AnalystQueriesRepository,
  ConsoleQueryError,
  toJsonValue,
  wrapConsoleSql,
} from './analyst-queries.repository';
import { EventsRepository } from './events.repository';
import { migrate } from './migrator';
import { PgliteSqlClient } from './pglite-sql-client';

describe('wrapConsoleSql', () => {
  it('wraps one query expression, cap as the next parameter, trailing semicolons dropped', () => {
    const { text, offset } = wrapConsoleSql('select $1 ;  \n', 1);
    assert.equal(text, 'SELECT * FROM (\nselect $1\n) AS console_query LIMIT $2');
    assert.equal(text.slice(offset, offset + 6), 'select');
    // A trailing line comment cannot swallow the closing parenthesis.
    assert.match(wrapConsoleSql('select 1 -- note', 0).text, /-- note\n\) AS console_query/);
  });
});

describe('toJsonValue', () => {
  const table: [string, unknown, number, boolean, unknown][] = [
    ['bigint from PGlite', 9007199254740993n, 20, false, '9007199254740993'],
    ['safe bigint from PGlite', 42n, 20, false, 42],
    ['int8 string from pg', '42', 20, true, 42],
    ['huge int8 string from pg', '9007199254740993', 20, true, '9007199254740993'],
    ['numeric', '1.50', 1700, true, 1.5],
    ['long numeric stays text', '3.14159265358979323846', 1700, true, '3.14159265358979323846'],
    ['NaN', Number.NaN, 701, false, 'NaN'],
    ['timestamptz', new Date('2026-01-02T03:04:05.678Z'), 1184, true, '2026-01-02T03:04:05.678Z'],
    ['date from PGlite (UTC)', new Date('2026-01-02T00:00:00.000Z'), 1082, false, '2026-01-02'],
    ['date from pg (local)', new Date(2026, 0, 2), 1082, true, '2026-01-02'],
    [
      'timestamp from pg (local)',
      new Date(2026, 0, 2, 3, 4, 5, 6),
      1114,
      true,
      '2026-01-02T03:04:05.006',
    ],
    ['bytea', Uint8Array.from([1, 2, 255]), 17, false, '\\x0102ff'],
    ['int8[] from pg', ['1', '2'], 1016, true, [1, 2]],
    ['jsonb', { a: [1, { b: null }] }, 3802, false, { a: [1, { b: null }] }],
  ];
  for (const [name, input, oid, local, expected] of table) {
    it(name, () => assert.deepEqual(toJsonValue(input, oid, local), expected));
  }
});

/**
 * The console on the embedded database, migrated as the api migrates it: what a statement
 * sees, what it cannot do, and how it fails.
 */
describe('AnalystQueriesRepository on embedded TimescaleDB', () => {
  let db: PgliteSqlClient;
  const repo = new AnalystQueriesRepository();
  const run = (
    sql: string,
    params: SqlParam[] = [],
    over: { maxRows?: number; maxCost?: number } = {},
  ) =>
    repo.run(db, {
      projectId: 'alpha',
      sql,
      params,
      maxRows: over.maxRows ?? 100,
      timeoutMs: 1000,
      maxCost: over.maxCost,
    });
  const fails = async (sql: string, code: string, message: RegExp) => {
    await assert.rejects(run(sql), (err: unknown) => {
      assert.ok(err instanceof ConsoleQueryError, String(err));
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
      return true;
    });
  };

  before(async () => {
    db = await PgliteSqlClient.open();
    await migrate(db);
    // beta first: a scan without the security barrier would meet its row first.
    const events = ['beta', 'alpha', 'alpha', 'alpha'].map((p, n) =>
      sampleEnvelope({
        id: `e${n}`,
        project_id: p,
        app: `app-${p}`,
        input_tokens: 10 * n,
        summary: `secret of ${p}`,
      }),
    );
    await db.transaction((tx) => new EventsRepository().insertBatch(tx, events));
  });
  after(async () => db.close());

  it('sees the rows of its own project only, with column types', async () => {
    const r = await run(
      'select app, count(*) as n, sum(input_tokens) as tokens from events group by app',
    );
    assert.deepEqual(r.rows, [{ app: 'app-alpha', n: 3, tokens: 60 }]);
    assert.deepEqual(r.columns, [
      { name: 'app', type: 'text' },
      { name: 'n', type: 'bigint' },
      { name: 'tokens', type: 'numeric' },
    ]);
    assert.equal(r.truncated, false);
  });

  it('reads the rollups (continuous aggregates here) and the other analyst views', async () => {
    const r = await run('select sum(events)::int as n from agent_stats_1m');
    assert.deepEqual(r.rows, [{ n: 3 }]);
    for (const view of [
      'sessions',
      'traces',
      'agent_stats_1h',
      'agent_stats_1d',
      'anomalies',
      'alert_rules',
      'alert_instances',
      'alert_events',
    ]) {
      await run(`select * from ${view}`);
    }
  });

  it('binds parameters and caps rows', async () => {
    const r = await run('select id from events where app = $1 order by id', ['app-alpha'], {
      maxRows: 2,
    });
    assert.deepEqual(r.rows, [{ id: 'e1' }, { id: 'e2' }]);
    assert.equal(r.truncated, true);
  });

  it('cannot leave its project, write, or run a second statement', async () => {
    await fails(
      "select set_config('fleetscope.project_id', 'beta', false)",
      'query_forbidden',
      /permission denied for function set_config/,
    );
    await fails(
      'select * from public.events',
      'query_forbidden',
      /permission denied for table events/,
    );
    await fails('select * from public.api_keys', 'query_forbidden', /permission denied/);
    await fails("insert into events (project_id) values ('x')", 'query_forbidden', /only a SELECT/);
    await fails('/* hi */ -- there\n update events set app = 1', 'query_forbidden', /got UPDATE/);
    await fails('select 1; select 2', 'query_failed', /one statement at a time/);
    // Closing the parenthesis does not make room for a second statement (extended protocol).
    await fails(
      'select 1) q; reset role; select * from public.events where (true',
      'query_failed',
      /./,
    );
    await fails(
      "select 1 from events) q cross join lateral (select set_config('role', 'postgres', true)",
      'query_forbidden',
      /permission denied/,
    );
    await fails('select pg_sleep(5)', 'query_forbidden', /permission denied for function pg_sleep/);
    await fails('with x as (delete from events returning 1) select * from x', 'query_failed', /./);
    const r = await run("select current_setting('fleetscope.project_id') as p, current_user as u");
    assert.deepEqual(r.rows, [{ p: 'alpha', u: 'fleetscope_analyst' }]);
  });

  it('never evaluates a caller condition on another project’s rows (security barrier)', async () => {
    await db.exec(`INSERT INTO alert_rules (project_id, id, spec)
      VALUES ('beta', 'secret of beta', '{}'), ('alpha', 'secret of alpha', '{}')`);
    // A sequential scan, where a cheap caller condition would otherwise run before the
    // view's (measured: without the barrier the error prints "secret of beta").
    await db.exec(
      'SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_seqscan = on',
    );
    try {
      await fails(
        'select id from alert_rules where id::int is null',
        'query_failed',
        /"secret of alpha"/,
      );
    } finally {
      await db.exec('RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_seqscan');
    }
  });

  it('points at the error in the caller’s text', async () => {
    await assert.rejects(run('select nope from events'), (err: ConsoleQueryError) => {
      assert.equal(err.position, 'select '.length + 1);
      return true;
    });
  });

  it('refuses plans above maxCost', async () => {
    await assert.rejects(
      run('select count(*) from generate_series(1, 100000000)', [], { maxCost: 300_000 }),
      /QUERY_MAX_COST/,
    );
    await run('select count(*) from events', [], { maxCost: 300_000 });
  });

  it('leaves the connection as it found it', async () => {
    const r = await db.query<{ u: string; ro: string }>(
      "select current_user as u, current_setting('transaction_read_only') as ro",
    );
    assert.deepEqual(r.rows, [{ u: 'postgres', ro: 'off' }]);
  });
});
