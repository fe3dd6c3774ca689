// Profiles one stream worker draining a backlog: `node bench/profile-worker.mjs [events]`.
// Writes a .cpuprofile (open it in Chrome DevTools) and prints the top functions by self time.
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  createDatabase,
  dropDatabase,
  ensureBuilt,
  freePort,
  makeWorkload,
  servicesUp,
  startNode,
  waitReady,
} from './lib.mjs';

const n = Number(process.argv[2] ?? 50_000);
const dir = join(process.cwd(), 'bench/results/profile');
mkdirSync(dir, { recursive: true });
ensureBuilt();
const services = servicesUp();
const name = `fs_prof_${Date.now().toString(36)}`;
const dbUrl = await createDatabase(services.DATABASE_URL, name);
const prefix = `prof${Date.now().toString(36)}.`;
const port = await freePort();
const metricsPort = await freePort();
const env = {
  DATABASE_URL: dbUrl,
  KAFKA_BROKERS: services.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: prefix,
  WORKER_GROUP_ID: `${prefix}workers`,
  PORT: String(port),
  HOST: '127.0.0.1',
  WORKER_METRICS_PORT: String(metricsPort),
  WORKER_METRICS_HOST: '127.0.0.1',
};
const api = startNode('apps/api/dist/main.js', [], env);
await waitReady(`http://127.0.0.1:${port}/ready`, api);
const events = makeWorkload(3, n);
for (let i = 0; i < n; i += 1000) {
  await fetch(`http://127.0.0.1:${port}/events/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events.slice(i, i + 1000)),
  });
}
const db = new pg.Client({ connectionString: dbUrl });
await db.connect();
const before = new Set(readdirSync(dir));
const t0 = Date.now();
const worker = startNode('apps/stream-workers/dist/main.js', [], env, [
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
]);
for (;;) {
  const c = Number((await db.query('SELECT count(*) AS n FROM events')).rows[0].n);
  if (c >= n) break;
  if (worker.child.exitCode !== null || Date.now() - t0 > 300_000) {
    console.error(`worker stopped at ${c} events:\n${worker.stderr()}`);
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const seconds = (Date.now() - t0) / 1000;
await worker.stop();
await api.stop();
await db.end();
await dropDatabase(services.DATABASE_URL, name);
const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
console.log(
  `drained ${n} events in ${seconds.toFixed(1)} s (${Math.round(n / seconds)}/s, start-up included)`,
);
if (!file) process.exit(0);
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const self = new Map();
const dt = prof.timeDeltas;
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const counts = new Map();
for (const s of prof.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
let total = 0;
for (const [id, c] of counts) {
  const node = byId.get(id);
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + c);
  total += c;
}
console.log(`profile: ${join(dir, file)} (${dt.length} samples)`);
for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
}
