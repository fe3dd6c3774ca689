// live: POST → WebSocket subscriber. A probe posts one small event every 100 ms to an app of
// its own; a WebSocket client subscribed to that app times each from the start of its POST
// to its arrival. Meanwhile a background load posts realistic events at 1k and 10k events/s,
// and a "firehose" client (a dashboard watching everything) receives all of them.
//   cluster: api → Kafka (acks=all) → the api's live tail of the topic → WebSocket; a stream
//            worker stores the events at the same time.
//   all-in-one: api → in-process bus → embedded database commit → WebSocket.
//   full: 30 s per level; --quick: 10 s per level.
import WebSocket from 'ws';
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

function wsClient(base, filter) {
  const url = `${base.replace(/^http/, 'ws')}/ws`;
  const ws = new WebSocket(url);
  const state = { received: 0, onEvent: null, lagged: 0 };
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString());
    if (msg.type === 'event') {
      state.received += 1;
      state.onEvent?.(msg.data);
    } else if (msg.type === 'lagged') state.lagged += msg.dropped;
  });
  const ready = new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (raw) => {
      if (JSON.parse(raw.toString()).type === 'subscribed') resolve();
    });
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'subscribe', id: 'bench', ...(filter ? { filter } : {}) })),
    );
  });
  return { ws, state, ready };
}

/** Posts `rate` events/s in 20 batches a second until stopped; returns what it sent. */
function backgroundLoad(base, rate, workload) {
  let stop = false;
  const per = Math.max(1, Math.round(rate / 20));
  const run = (async () => {
    const start = performance.now();
    let i = 0;
    let sent = 0;
    const inflight = new Set();
    while (!stop) {
      const off = (i * per) % (workload.length - per);
      const body = JSON.stringify(workload.slice(off, off + per));
      const p = fetch(`${base}/events/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(async (r) => {
        await r.arrayBuffer();
        if (r.status === 202) sent += per;
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      // At most 8 requests in flight: a slow server shows as a lower achieved rate.
      if (inflight.size >= 8) await Promise.race(inflight);
      i += 1;
      const wait = start + i * 50 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.allSettled(inflight);
    return { sent, seconds: (performance.now() - start) / 1000 };
  })();
  return { stop: () => (stop = true), done: run };
}

async function measure(base, rate, seconds, workload, label) {
  const probe = wsClient(base, { app: 'live-probe' });
  const firehose = wsClient(base);
  await Promise.all([probe.ready, firehose.ready]);
  const pendingProbes = new Map();
  const latencies = [];
  probe.state.onEvent = (e) => {
    const t0 = pendingProbes.get(e.summary);
    if (t0 !== undefined) {
      latencies.push(performance.now() - t0);
      pendingProbes.delete(e.summary);
    }
  };
  const load = rate > 0 ? backgroundLoad(base, rate, workload) : null;
  await new Promise((r) => setTimeout(r, 2000)); // let the load settle
  const firehoseStart = firehose.state.received;
  const end = performance.now() + seconds * 1000;
  let n = 0;
  // Probes leave every 100 ms whatever the server's answer time: a slow POST must not thin
  // out the samples at exactly the load where latency matters.
  const probes = [];
  while (performance.now() < end) {
    const marker = `probe-${label}-${n++}`;
    pendingProbes.set(marker, performance.now());
    probes.push(
      fetch(`${base}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          app: 'live-probe',
          event_type: 'probe',
          session_id: 'probe',
          summary: marker,
          payload: {},
        }),
      }).then((r) => r.arrayBuffer()),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.allSettled(probes);
  await new Promise((r) => setTimeout(r, 3000)); // stragglers
  load?.stop();
  const bg = load ? await load.done : { sent: 0, seconds };
  const firehoseGot = firehose.state.received - firehoseStart;
  probe.ws.close();
  firehose.ws.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    mode: label,
    target_per_sec: rate,
    achieved_per_sec: Math.round(bg.sent / bg.seconds),
    probes: n,
    lost_probes: pendingProbes.size,
    p50_ms: Number(percentile(sorted, 50)?.toFixed(1)),
    p99_ms: Number(percentile(sorted, 99)?.toFixed(1)),
    max_ms: Number(sorted.at(-1)?.toFixed(1)),
    firehose_per_sec: Math.round(firehoseGot / (seconds + 3)),
    firehose_lagged: firehose.state.lagged,
  };
}

export async function run({ quick }) {
  ensureBuilt();
  const seconds = quick ? 10 : 30;
  const levels = [1000, 10_000];
  const workload = makeWorkload(11, 20_000).map((e) => ({ ...e, id: undefined }));
  const rows = [];

  // Cluster: api + one stream worker on Kafka and PostgreSQL.
  const services = servicesUp();
  const db = `fs_bench_live_${Date.now().toString(36)}`;
  const dbUrl = await createDatabase(services.DATABASE_URL, db);
  const prefix = `benchlive${Date.now().toString(36)}.`;
  const port = await freePort();
  const metricsPort = await freePort();
  const env = {
    DATABASE_URL: dbUrl,
    KAFKA_BROKERS: services.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
    WORKER_GROUP_ID: `${prefix}workers`,
    REDIS_URL: services.REDIS_URL,
    REDIS_PREFIX: prefix,
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(metricsPort),
    WORKER_METRICS_HOST: '127.0.0.1',
  };
  const base = `http://127.0.0.1:${port}`;
  const api = startNode('apps/api/dist/main.js', [], env);
  let workers;
  try {
    await waitReady(`${base}/ready`, api);
    workers = startNode('apps/stream-workers/dist/main.js', [], env);
    await waitReady(`http://127.0.0.1:${metricsPort}/ready`, workers);
    for (const rate of levels) {
      rows.push(await measure(base, rate, seconds, workload, 'cluster (Kafka live tail)'));
      console.error(`  cluster at ${rate}/s: p99 ${rows.at(-1).p99_ms} ms`);
    }
  } finally {
    await workers?.stop();
    await api.stop();
    await dropDatabase(services.DATABASE_URL, db);
  }

  // All-in-one: the live feed follows the embedded database's commits.
  const aioPort = await freePort();
  const aioBase = `http://127.0.0.1:${aioPort}`;
  const aio = startNode('apps/api/dist/main.js', ['--all-in-one'], {
    PORT: String(aioPort),
    HOST: '127.0.0.1',
    DATA_DIR: tempDir('fs-bench-live-'),
  });
  try {
    await waitReady(`${aioBase}/ready`, aio);
    for (const rate of levels) {
      rows.push(await measure(aioBase, rate, seconds, workload, 'all-in-one (after commit)'));
      console.error(`  all-in-one at ${rate}/s: p99 ${rows.at(-1).p99_ms} ms`);
    }
  } finally {
    await aio.stop();
  }

  const at = (mode, rate) => rows.find((r) => r.mode.startsWith(mode) && r.target_per_sec === rate);
  report('live', rows, {
    cluster_p50_ms_at_1k: at('cluster', 1000).p50_ms,
    cluster_p99_ms_at_1k: at('cluster', 1000).p99_ms,
    cluster_p99_ms_at_10k: at('cluster', 10_000).p99_ms,
    cluster_achieved_per_sec_at_10k: at('cluster', 10_000).achieved_per_sec,
    all_in_one_p99_ms_at_1k: at('all-in-one', 1000).p99_ms,
    all_in_one_p99_ms_at_10k: at('all-in-one', 10_000).p99_ms,
  });
}
