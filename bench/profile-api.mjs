// Profiles the api under ingest: `node bench/profile-api.mjs [seconds] [cluster|all-in-one]`.
// 8 clients post 1,000-event JSON batches of the bench workload; prints events/s and the top
// functions by self time. NO_PROFILE=1 measures events/s only (no profiler overhead).
// SINGLE=1: 64 clients post one event per request to /events, as hooks do.
import { readdirSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, makeWorkload, servicesUp, startNode, tempDir, waitReady } from './lib.mjs';

const seconds = Number(process.argv[2] ?? 10);
const mode = process.argv[3] ?? 'cluster';
const profile = !process.env.NO_PROFILE;
const dir = join(process.cwd(), 'bench/results/profile');
mkdirSync(dir, { recursive: true });
const port = await freePort();
let env;
let dataDir;
if (mode === 'cluster') {
  const services = servicesUp();
  env = {
    DATABASE_URL: services.DATABASE_URL,
    KAFKA_BROKERS: services.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: `prof${Date.now().toString(36)}.`,
    WORKER_METRICS_PORT: '0',
  };
} else {
  dataDir = tempDir('fleetscope-profile-');
  env = { DATA_DIR: dataDir };
}
const before = new Set(readdirSync(dir));
const api = startNode(
  'apps/api/dist/main.js',
  mode === 'cluster' ? [] : ['--all-in-one'],
  { ...env, PORT: String(port), HOST: '127.0.0.1' },
  profile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
);
await waitReady(`http://127.0.0.1:${port}/ready`, api);
const single = Boolean(process.env.SINGLE);
const per = single ? 1 : 1000;
const events = makeWorkload(42, single ? 5_000 : 20_000);
const bodies = [];
for (let i = 0; i < events.length; i += per) {
  bodies.push(JSON.stringify(single ? events[i] : events.slice(i, i + per)));
}
const path = single ? '/events' : '/events/batch';
let next = 0;
let accepted = 0;
const t0 = Date.now();
await Promise.all(
  Array.from({ length: single ? 64 : 8 }, async () => {
    while (Date.now() - t0 < seconds * 1000) {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[next++ % bodies.length],
      });
      await r.arrayBuffer();
      if (r.status === 202) accepted += per;
    }
  }),
);
console.log(`${mode}: ${Math.round(accepted / ((Date.now() - t0) / 1000))} events/s`);
await api.stop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
if (!profile || !file) process.exit(0);
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
const self = new Map();
let total = 0;
prof.samples.forEach((id, i) => {
  const f = byId.get(id).callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  const us = prof.timeDeltas[i] ?? 0;
  self.set(key, (self.get(key) ?? 0) + us);
  total += us;
});
console.log(`profile: ${join(dir, file)}`);
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
}
