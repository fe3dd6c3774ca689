// ingest: HTTP batches → acknowledged (Kafka acks=all in cluster mode; embedded DB commit in
// all-in-one), events/s at 1, 8 and 64 concurrent clients, for JSON arrays, NDJSON and gzip,
// and single events (one per request, as hooks post them) from 64 clients.
// NOTE: the load generator runs on the same 2 cores as the server; figures are for the pair.
import { gzipSync } from 'node:zlib';
import { rmSync } from 'node:fs';
import {
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

const BATCH = 1000;

function bodies(events) {
  // One event per request, as a Claude Code hook posts it.
  const single = events.slice(0, 5_000).map((e) => ({
    body: JSON.stringify(e),
    headers: { 'content-type': 'application/json' },
    n: 1,
  }));
  const out = { json: [], ndjson: [], gzip: [], single };
  for (let i = 0; i < events.length; i += BATCH) {
    const chunk = events.slice(i, i + BATCH);
    const json = JSON.stringify(chunk);
    out.json.push({ body: json, headers: { 'content-type': 'application/json' }, n: chunk.length });
    out.ndjson.push({
      body: chunk.map((e) => JSON.stringify(e)).join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
      n: chunk.length,
    });
    out.gzip.push({
      body: gzipSync(json),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      n: chunk.length,
    });
  }
  return out;
}

async function drive(url, list, clients, seconds) {
  let next = 0;
  let events = 0;
  let refused = 0;
  const latencies = [];
  const deadline = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) {
        const b = list[next++ % list.length];
        const s = performance.now();
        const r = await fetch(url, { method: 'POST', headers: b.headers, body: b.body });
        await r.arrayBuffer();
        latencies.push(performance.now() - s);
        if (r.status === 202) events += b.n;
        else if (r.status === 429) {
          refused += 1;
          await new Promise((res) => setTimeout(res, 50));
        } else throw new Error(`unexpected ${r.status}`);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    events_per_sec: Math.round(events / elapsed),
    req_p50_ms: Math.round(percentile(latencies, 50)),
    req_p99_ms: Math.round(percentile(latencies, 99)),
    refused_429: refused,
  };
}

export async function run({ quick }) {
  ensureBuilt();
  const seconds = quick ? 4 : 12;
  const workload = bodies(makeWorkload(42, quick ? 20_000 : 60_000));
  const rows = [];

  const env = servicesUp();
  const port = await freePort();
  const prefix = `bench${Date.now().toString(36)}.`;
  const api = startNode('apps/api/dist/main.js', [], {
    DATABASE_URL: env.DATABASE_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKER_METRICS_PORT: '0',
  });
  try {
    await waitReady(`http://127.0.0.1:${port}/ready`, api);
    const url = `http://127.0.0.1:${port}/events/batch`;
    await drive(url, workload.json, 4, 1); // warm-up
    for (const clients of [1, 8, 64]) {
      rows.push({
        mode: 'cluster (Kafka acks=all)',
        format: 'json',
        clients,
        ...(await drive(url, workload.json, clients, seconds)),
      });
    }
    for (const format of ['ndjson', 'gzip']) {
      rows.push({
        mode: 'cluster (Kafka acks=all)',
        format,
        clients: 8,
        ...(await drive(url, workload[format], 8, seconds)),
      });
    }
    rows.push({
      mode: 'cluster (Kafka acks=all)',
      format: 'single',
      clients: 64,
      ...(await drive(`http://127.0.0.1:${port}/events`, workload.single, 64, seconds)),
    });
  } finally {
    await api.stop();
  }

  const dataDir = tempDir('fleetscope-bench-');
  const aioPort = await freePort();
  const aio = startNode('apps/api/dist/main.js', ['--all-in-one'], {
    DATA_DIR: dataDir,
    PORT: String(aioPort),
    HOST: '127.0.0.1',
  });
  try {
    await waitReady(`http://127.0.0.1:${aioPort}/ready`, aio);
    const url = `http://127.0.0.1:${aioPort}/events/batch`;
    await drive(url, workload.json, 4, 1);
    for (const clients of [1, 8, 64]) {
      rows.push({
        mode: 'all-in-one (PGlite commit)',
        format: 'json',
        clients,
        ...(await drive(url, workload.json, clients, seconds)),
      });
    }
    rows.push({
      mode: 'all-in-one (PGlite commit)',
      format: 'single',
      clients: 64,
      ...(await drive(`http://127.0.0.1:${aioPort}/events`, workload.single, 64, seconds)),
    });
  } finally {
    await aio.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const best = (m) =>
    Math.max(...rows.filter((r) => r.mode.startsWith(m)).map((r) => r.events_per_sec));
  const single = (m) =>
    rows.find((r) => r.mode.startsWith(m) && r.format === 'single').events_per_sec;
  report('ingest', rows, {
    events_per_sec: best('cluster'),
    all_in_one_events_per_sec: best('all-in-one'),
    single_event_requests_per_sec: single('cluster'),
    all_in_one_single_event_requests_per_sec: single('all-in-one'),
    batch_events: BATCH,
    seconds_per_cell: seconds,
  });
}
