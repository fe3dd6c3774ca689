import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import {
  EventsRepository,
  listMigrations,
  migrate,
  PgliteSqlClient,
  PgSqlClient,
  type SqlClient,
} from '@fleetscope/db';
import { normalizeEvents, type EventEnvelope } from '@fleetscope/domain';
import { createTestDatabase } from '../support/database';
import { freePort } from '../support/processes';

/** Every numbered migration, as migrate() reports them. */
const ALL_MIGRATIONS = listMigrations().map((m) => `${m.version}_${m.name}`);

function sampleEvents(n: number, session: string): EventEnvelope[] {
  const body = Array.from({ length: n }, (_, i) => ({
    id: `${session}-${i}`,
    app: 'storage',
    event_type: i % 4 === 0 ? 'error' : 'step',
    session_id: session,
    summary: i === 0 ? 'disk quota exceeded' : null,
    payload: { i },
    tags: { shard: String(i % 2) },
    timestamp: new Date(Date.UTC(2026, 10, 20, 12, 0, i)).toISOString(),
  }));
  const r = normalizeEvents(body, {
    projectId: 'default',
    receivedAt: new Date(Date.UTC(2026, 10, 20, 13)),
    maxEventBytes: 1 << 20,
  });
  assert.equal(r.rejected.length, 0);
  return r.events;
}

/** The same repository contract, whichever flavour the migrations detected. */
async function exerciseRepository(db: SqlClient): Promise<void> {
  const repo = new EventsRepository();
  const events = sampleEvents(20, 'store');
  assert.equal(await db.transaction((tx) => repo.insertBatch(tx, events)), 20);
  assert.equal(
    await db.transaction((tx) => repo.insertBatch(tx, events)),
    0,
    'a replay inserts nothing',
  );
  const page1 = await repo.list(db, { projectId: 'default', sessionId: 'store', limit: 15 });
  assert.equal(page1.length, 15);
  assert.equal(page1[0]!.id, 'store-19', 'newest first');
  const last = page1[14]!;
  const page2 = await repo.list(db, {
    projectId: 'default',
    sessionId: 'store',
    limit: 15,
    before: { ts: last.ts, id: last.id },
  });
  assert.equal(page2.length, 5);
  assert.equal(
    (await repo.list(db, { projectId: 'default', minSeverity: 3, limit: 100 })).length,
    5,
  );
  assert.equal(
    (await repo.list(db, { projectId: 'default', search: 'quota', limit: 100 })).length,
    1,
  );
  assert.equal(
    (await repo.list(db, { projectId: 'default', tags: { shard: '1' }, limit: 100 })).length,
    10,
  );
  assert.equal(
    (await repo.list(db, { projectId: 'other', limit: 100 })).length,
    0,
    'scoped by project',
  );
  const one = await repo.findById(db, 'default', 'store-3');
  assert.deepEqual(one, events[3]);
}

describe('storage: TimescaleDB migrations through the pg driver over pglite-socket', () => {
  let pglite: PgliteSqlClient;
  let server: PGLiteSocketServer;
  let db: PgSqlClient;

  before(async () => {
    pglite = await PgliteSqlClient.open();
    // The database's owner installs the extension, as on a TimescaleDB server.
    // NOTE: PGlite loads extension bundles in-process only; CREATE EXTENSION over the socket fails.
    await pglite.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    const port = await freePort();
    server = new PGLiteSocketServer({ db: pglite.raw, port, host: '127.0.0.1' });
    await server.start();
    // NOTE: the socket server serves one connection at a time: a pool of one.
    db = new PgSqlClient(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1 });
  });

  after(async () => {
    await db?.close();
    await server?.stop();
    await pglite?.close();
  });

  it('detects TimescaleDB, creates the events hypertable, and is idempotent', async () => {
    const first = await migrate(db);
    assert.equal(first.flavor, 'timescaledb');
    assert.deepEqual(first.applied, ALL_MIGRATIONS);
    const ht = await db.query<{ hypertable_name: string }>(
      "SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_name = 'events'",
    );
    assert.equal(ht.rows.length, 1);
    const dims = await db.query<{ column_name: string }>(
      "SELECT column_name FROM timescaledb_information.dimensions WHERE hypertable_name = 'events'",
    );
    assert.deepEqual(
      dims.rows.map((r) => r.column_name),
      ['ts'],
    );
    const again = await migrate(db);
    assert.deepEqual(again.applied, []);
  });

  it('serves the repository contract on the hypertable', async () => {
    await exerciseRepository(db);
  });
});

describe('storage: plain PostgreSQL 15', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: PgSqlClient;

  before(async () => {
    database = await createTestDatabase();
    db = new PgSqlClient(database.url);
  });
  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it('detects plain PostgreSQL and applies the same schema', async () => {
    const r = await migrate(db);
    assert.equal(r.flavor, 'postgres');
    assert.deepEqual(r.applied, ALL_MIGRATIONS);
    const t = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('events','consumer_offsets','api_keys','projects')",
    );
    assert.equal(t.rows[0]!.n, 4);
  });

  it('runs concurrent migrations safely (advisory lock)', async () => {
    const other = await createTestDatabase();
    const a = new PgSqlClient(other.url);
    const b = new PgSqlClient(other.url);
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      assert.deepEqual([...ra.applied, ...rb.applied].sort(), ALL_MIGRATIONS);
    } finally {
      await a.close();
      await b.close();
      await other.drop();
    }
  });

  it('serves the repository contract', async () => {
    await exerciseRepository(db);
  });
});
