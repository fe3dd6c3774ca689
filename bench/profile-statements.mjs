// Times the statements of the worker's batch transaction on the local PostgreSQL:
// `node bench/profile-statements.mjs [events per transaction] [events]`. The bench workload,
// normalised, stored through EventPipeline.process in transactions of the given size (the
// worker's per-partition batch: WORKER_BATCH_SIZE split over the partitions).
// PRE_SQL runs after the migrations, for experiments (`PRE_SQL='DROP INDEX events_search_idx'`).
import { PgSqlClient, migrate } from '@fleetscope/db';
import { EventPipeline } from '@fleetscope/pipeline';
import { normalizeEvents } from '@fleetscope/domain';
import { createDatabase, dropDatabase, makeWorkload, servicesUp } from './lib.mjs';

const per = Number(process.argv[2] ?? 167);
const total = Number(process.argv[3] ?? 20_000);
const services = servicesUp();
const name = `fs_stmt_${Date.now().toString(36)}`;
const db = new PgSqlClient(await createDatabase(services.DATABASE_URL, name), { max: 2 });
await migrate(db);
if (process.env.PRE_SQL) await db.query(process.env.PRE_SQL);
const { events } = normalizeEvents(makeWorkload(5, total), {
  projectId: 'default',
  receivedAt: new Date(),
  maxEventBytes: 1 << 20,
  maxBatchEvents: total,
});
const times = new Map();
const add = (k, ms) => times.set(k, (times.get(k) ?? 0) + ms);
const pipeline = new EventPipeline();
const t0 = performance.now();
for (let i = 0; i < events.length; i += per) {
  const b0 = performance.now();
  await db.transaction(async (tx) => {
    const timed = {
      query: async (sql, params) => {
        const s = performance.now();
        const r = await tx.query(sql, params);
        add(sql.trim().replace(/\s+/g, ' ').slice(0, 48), performance.now() - s);
        return r;
      },
    };
    await pipeline.process(timed, events.slice(i, i + per));
  });
  add('(whole transaction, commit included)', performance.now() - b0);
}
const seconds = (performance.now() - t0) / 1000;
console.log(`${per} events per transaction: ${Math.round(events.length / seconds)} events/s`);
const whole = times.get('(whole transaction, commit included)');
for (const [k, ms] of [...times].sort((a, b) => b[1] - a[1])) {
  console.log(
    `${(ms / 1000).toFixed(2).padStart(6)} s ${((100 * ms) / whole).toFixed(0).padStart(4)}%  ${k}`,
  );
}
await db.close();
await dropDatabase(services.DATABASE_URL, name);
