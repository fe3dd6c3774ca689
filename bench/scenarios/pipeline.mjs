// pipeline: produced → stored in the database by the stream workers (cluster mode).
//   drain: a backlog produced while no worker runs, then one worker started: events/s from
//          its start to the last row committed (sustained write rate of one worker);
//   lag:   a steady produce rate below capacity: Kafka append → database commit, p50/p99,
//          read from the worker's fleetscope_ingest_lag_seconds histogram.
import pg from 'pg';
import {
  ensureBuilt,
  freePort,
  makeWorkload,
  report,
  servicesUp,
  startNode,
  waitReady,
} from '../lib.mjs';

async function count(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('SELECT count(*)::bigint AS n FROM events');
  await c.end();
  return Number(r.rows[0].n);
}

async function createDb(adminUrl, name) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function dropDb(adminUrl, name) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}

/** Quantile from a Prometheus histogram's cumulative buckets (upper bound of the bucket). */
function histogramQuantile(text, name, q) {
  const buckets = [
    ...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm')),
  ].map((m) => [m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  return buckets.find(([, c]) => c >= q * total)?.[0] ?? null;
}

async function post(url, events) {
  for (let i = 0; i < events.length; i += 1000) {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events.slice(i, i + 1000)),
    });
    if (r.status !== 202) throw new Error(`ingest answered ${r.status}`);
  }
}

export async function run({ quick }) {
  ensureBuilt();
  const services = servicesUp();
  const n = quick ? 50_000 : 200_000;
  const name = `fs_bench_${Date.now().toString(36)}`;
  const dbUrl = await createDb(services.DATABASE_URL, name);
  const prefix = `bench${Date.now().toString(36)}.`;
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
  const rows = [];
  const api = startNode('apps/api/dist/main.js', [], env);
  let workers;
  try {
    await waitReady(`http://127.0.0.1:${port}/ready`, api);
    const ingest = `http://127.0.0.1:${port}/events/batch`;
    await post(ingest, makeWorkload(7, n));

    workers = startNode('apps/stream-workers/dist/main.js', [], env);
    const t0 = Date.now();
    while ((await count(dbUrl)) < n) await new Promise((r) => setTimeout(r, 100));
    const drainSeconds = (Date.now() - t0) / 1000;
    rows.push({
      phase: 'drain backlog (1 worker, incl. start-up)',
      events: n,
      seconds: drainSeconds.toFixed(1),
      events_per_sec: Math.round(n / drainSeconds),
      lag_p50_s: '',
      lag_p99_s: '',
    });

    // Steady load: restart the worker so its histogram holds only this phase.
    await workers.stop();
    workers = startNode('apps/stream-workers/dist/main.js', [], env);
    await waitReady(`http://127.0.0.1:${metricsPort}/ready`, workers);
    const rate = 2000; // events/s, well below the drain rate
    const seconds = quick ? 10 : 30;
    const steady = makeWorkload(11, rate * seconds);
    const start = Date.now();
    for (let s = 0; s < seconds; s++) {
      await post(ingest, steady.slice(s * rate, (s + 1) * rate));
      const wait = start + (s + 1) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    while ((await count(dbUrl)) < n + steady.length) await new Promise((r) => setTimeout(r, 100));
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    rows.push({
      phase: `steady ${rate}/s for ${seconds}s`,
      events: steady.length,
      seconds,
      events_per_sec: rate,
      lag_p50_s: `≤ ${histogramQuantile(metrics, 'fleetscope_ingest_lag_seconds', 0.5)}`,
      lag_p99_s: `≤ ${histogramQuantile(metrics, 'fleetscope_ingest_lag_seconds', 0.99)}`,
    });
  } finally {
    await workers?.stop();
    await api.stop();
    await dropDb(services.DATABASE_URL, name);
  }
  report('pipeline', rows, {
    events_per_sec: rows[0].events_per_sec,
    lag_p50_s: rows[1].lag_p50_s,
    lag_p99_s: rows[1].lag_p99_s,
  });
}
