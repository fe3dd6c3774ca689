// pipeline: produced → stored in the database, in cluster mode and all-in-one.
//   cluster drain: a backlog produced while no worker runs, then one worker started: events/s
//          from its start to the last row committed (sustained write rate of one worker);
//   cluster lag: a steady produce rate below capacity: Kafka append → database commit,
//          p50/p99 from the worker's fleetscope_ingest_lag_seconds histogram, counting only
//          the messages of the steady phase (difference of two scrapes);
//   all-in-one: 8 clients posting as fast as they are answered (an answer means committed),
//          then a steady rate in batches of 100 every 100 ms: POST → commit per event.
import { rmSync } from 'node:fs';
import pg from 'pg';
import {
  createDatabase,
  dropDatabase,
  ensureBuilt,
  freePort,
  makeWorkload,
  percentile,
  report,
  servicesUp,
  startNode,
  tempDir,
  waitReady,
} from '../lib.mjs';

async function count(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('SELECT count(*)::bigint AS n FROM events');
  await c.end();
  return Number(r.rows[0].n);
}

/** A Prometheus histogram's cumulative buckets: [[upper bound, count], …]. */
function histogram(text, name) {
  return [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, 'gm'))].map(
    (m) => [m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])],
  );
}

/**
 * Quantile of what a histogram counted between two scrapes (the upper bound of the bucket
 * that holds it: the figures are bucket bounds, "≤ x s").
 */
function quantileBetween(before, after, q) {
  const buckets = after.map(([le, c], i) => [le, c - (before[i]?.[1] ?? 0)]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  return buckets.find(([, c]) => c >= q * total)?.[0] ?? null;
}

const LAG = 'fleetscope_ingest_lag_seconds';
const scrape = async (port) =>
  histogram(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), LAG);

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
  const dbUrl = await createDatabase(services.DATABASE_URL, name);
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
      mode: 'cluster',
      phase: 'drain backlog (1 worker, incl. start-up)',
      events: n,
      seconds: drainSeconds.toFixed(1),
      events_per_sec: Math.round(n / drainSeconds),
      lag_p50_s: '',
      lag_p99_s: '',
    });

    // Steady load. The restarted worker first rebuilds its windows from the stored backlog;
    // a probe stored end to end shows it consumes again, and the histogram is read before and
    // after the phase so only the steady messages count.
    await workers.stop();
    workers = startNode('apps/stream-workers/dist/main.js', [], env);
    await waitReady(`http://127.0.0.1:${metricsPort}/ready`, workers);
    await post(ingest, makeWorkload(13, 1));
    while ((await count(dbUrl)) < n + 1) await new Promise((r) => setTimeout(r, 100));
    const before = await scrape(metricsPort);
    // Half the measured drain rate, in steps of 500: a load the worker carries while the api
    // shares its cores, so the lag is the pipeline's, not a growing backlog's.
    const rate = Math.max(500, Math.floor((rows[0].events_per_sec * 0.5) / 500) * 500);
    const seconds = quick ? 10 : 30;
    const steady = makeWorkload(11, rate * seconds);
    await paced(ingest, steady, rate, seconds);
    while ((await count(dbUrl)) < n + 1 + steady.length) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await scrape(metricsPort);
    rows.push({
      mode: 'cluster',
      phase: `steady ${rate}/s for ${seconds}s (Kafka append → commit)`,
      events: steady.length,
      seconds,
      events_per_sec: rate,
      lag_p50_s: `≤ ${quantileBetween(before, after, 0.5)}`,
      lag_p99_s: `≤ ${quantileBetween(before, after, 0.99)}`,
    });
  } finally {
    await workers?.stop();
    await api.stop();
    await dropDatabase(services.DATABASE_URL, name);
  }
  rows.push(...(await allInOne(quick)));
  const aio = rows.filter((r) => r.mode === 'all-in-one');
  report('pipeline', rows, {
    events_per_sec: rows[0].events_per_sec,
    lag_p50_s: rows[1].lag_p50_s,
    lag_p99_s: rows[1].lag_p99_s,
    all_in_one_events_per_sec: aio[0].events_per_sec,
    all_in_one_lag_p50_s: aio[1].lag_p50_s,
    all_in_one_lag_p99_s: aio[1].lag_p99_s,
  });
}

/** Posts `events` at `rate` per second for `seconds`, a tenth of a second's worth each 100 ms. */
async function paced(url, events, rate, seconds) {
  const per = Math.max(1, Math.round(rate / 10));
  const start = Date.now();
  for (let i = 0; i * per < Math.min(events.length, rate * seconds); i++) {
    await post(url, events.slice(i * per, (i + 1) * per));
    const wait = start + (i + 1) * 100 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * All-in-one: the api stores every batch in its embedded database before it answers 202, so
 * an answer is the commit and POST → 202 is the whole pipeline.
 */
async function allInOne(quick) {
  const dataDir = tempDir('fleetscope-bench-');
  const port = await freePort();
  const aio = startNode('apps/api/dist/main.js', ['--all-in-one'], {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  const rows = [];
  try {
    await waitReady(`http://127.0.0.1:${port}/ready`, aio);
    const url = `http://127.0.0.1:${port}/events/batch`;
    const n = quick ? 20_000 : 60_000;
    const events = makeWorkload(7, n);
    const batches = [];
    for (let i = 0; i < n; i += 1000) batches.push(JSON.stringify(events.slice(i, i + 1000)));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let b = next++; b < batches.length; b = next++) {
          const r = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: batches[b],
          });
          if (r.status !== 202) throw new Error(`ingest answered ${r.status}`);
          await r.arrayBuffer();
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    rows.push({
      mode: 'all-in-one',
      phase: 'sustained (8 clients, 1,000-event batches)',
      events: n,
      seconds: seconds.toFixed(1),
      events_per_sec: Math.round(n / seconds),
      lag_p50_s: '',
      lag_p99_s: '',
    });

    // Steady: 10 batches of rate/10 a second on a fixed beat; each event's lag is its
    // batch's POST → 202. A beat is not skipped when the answer is slow.
    const rate = 1000;
    const phase = quick ? 10 : 30;
    const steady = makeWorkload(11, rate * phase);
    const per = rate / 10;
    const lags = [];
    const inflight = [];
    const start = performance.now();
    for (let i = 0; i * per < steady.length; i++) {
      const wait = start + i * 100 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = JSON.stringify(steady.slice(i * per, (i + 1) * per));
      const s = performance.now();
      inflight.push(
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
          async (r) => {
            await r.arrayBuffer();
            if (r.status !== 202) throw new Error(`ingest answered ${r.status}`);
            lags.push(performance.now() - s);
          },
        ),
      );
    }
    await Promise.all(inflight);
    lags.sort((a, b) => a - b);
    rows.push({
      mode: 'all-in-one',
      phase: `steady ${rate}/s for ${phase}s (POST → commit)`,
      events: steady.length,
      seconds: phase,
      events_per_sec: rate,
      lag_p50_s: (percentile(lags, 50) / 1000).toFixed(3),
      lag_p99_s: (percentile(lags, 99) / 1000).toFixed(3),
    });
  } finally {
    await aio.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}
