import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEnvelope, type EventEnvelope } from '@fleetscope/domain';
import { EventsRepository } from './events.repository';
import { migrate } from './migrator';
import { PgliteSqlClient } from './pglite-sql-client';
import { applyStoragePolicies, StorageMaintenance } from './storage-maintenance';

const quiet = { info: () => undefined, warn: () => undefined };

function event(id: string, tsMs: number): EventEnvelope {
  const ts = new Date(tsMs).toISOString();
  return sampleEnvelope({
    id,
    project_id: 'p',
    ts,
    received_at: ts,
    app: 'maint',
    session_id: 's',
    event_type: 'step',
    payload: {},
    duration_ms: 10,
  });
}

// The embedded TimescaleDB has no background workers: the maintenance loop is what refreshes
// the rollups and applies retention there. Proven on the real embedded database.
describe('StorageMaintenance on embedded TimescaleDB', () => {
  let db: PgliteSqlClient;
  const now = Date.now();

  before(async () => {
    db = await PgliteSqlClient.open();
    const { flavor } = await migrate(db);
    assert.equal(flavor, 'timescaledb');
    await applyStoragePolicies(db, flavor, { retentionDays: 30, rollupRetentionDays: 400 });
    await db.transaction((tx) =>
      new EventsRepository().insertBatch(tx, [
        event('recent-1', now - 2 * 3_600_000),
        event('recent-2', now - 2 * 3_600_000 + 1000),
        event('expired', now - 40 * 86_400_000),
      ]),
    );
  });
  after(async () => db.close());

  const materialisedRows = async (view: string): Promise<number> => {
    const t = await db.query<{ schema: string; name: string }>(
      `SELECT materialization_hypertable_schema AS schema, materialization_hypertable_name AS name
         FROM timescaledb_information.continuous_aggregates WHERE view_name = $1`,
      [view],
    );
    const { schema, name } = t.rows[0]!;
    // NOTE: identifiers from the catalog, quoted.
    const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${name}"`);
    return r.rows[0]!.n;
  };

  it('registers refresh, retention and compression jobs from the configuration', async () => {
    const jobs = await db.query<{ proc_name: string; relation: string; config: unknown }>(
      `SELECT proc_name, hypertable_name AS relation, config FROM timescaledb_information.jobs
        WHERE job_id >= 1000`,
    );
    const retention = jobs.rows.find(
      (j) => j.proc_name === 'policy_retention' && j.relation === 'events',
    );
    assert.deepEqual((retention?.config as { drop_after: string }).drop_after, '30 days');
    assert.ok(jobs.rows.some((j) => j.proc_name === 'policy_compression'));
    assert.equal(
      jobs.rows.filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate').length,
      9,
    );
    // Re-applying with a new RETENTION_DAYS replaces, not duplicates.
    await applyStoragePolicies(db, 'timescaledb', { retentionDays: 20, rollupRetentionDays: 400 });
    const again = await db.query<{ config: { drop_after: string } }>(
      `SELECT config FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_retention' AND hypertable_name = 'events'`,
    );
    assert.deepEqual(
      again.rows.map((r) => r.config.drop_after),
      ['20 days'],
    );
  });

  it('runs due jobs itself: rollups materialise and expired raw chunks are dropped', async () => {
    assert.equal(await materialisedRows('agent_stats_1m'), 0);
    const m = new StorageMaintenance(
      db,
      'timescaledb',
      { retentionDays: 20, rollupRetentionDays: 400 },
      quiet,
    );
    assert.equal(m.mode, 'run-jobs');
    const ran = await m.runDueJobs(now);
    assert.ok(ran >= 9, `ran ${ran} jobs`);
    assert.ok((await materialisedRows('agent_stats_1m')) > 0, 'the 1m rollup materialised');
    assert.ok((await materialisedRows('agent_stats_1h')) > 0, 'the 1h rollup followed');
    const ids = await db.query<{ id: string }>('SELECT id FROM events ORDER BY id');
    assert.deepEqual(
      ids.rows.map((r) => r.id),
      ['recent-1', 'recent-2'],
      'the 40-day-old event is past retention',
    );
    // Not due again until each job's schedule_interval has passed.
    assert.equal(await m.runDueJobs(now + 1000), 0);
    assert.ok((await m.runDueJobs(now + 61_000)) >= 2, 'the 1m refreshes are due again');
  });
});
