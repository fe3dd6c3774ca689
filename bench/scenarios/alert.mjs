// alert: breach → webhook received, in cluster mode (api → Kafka → stream worker evaluates
// every second → outbox → BullMQ on Redis → signed POST to a local receiver), while a
// background load of healthy events runs.
//   Each trial posts a burst of errors for a fresh app (the rule groups by app) and times from
//   the moment the api acknowledged the burst (202) to the moment the receiver got the
//   `firing` notification for that app.
//   full: 2,500 events/s background, 20 trials;  --quick: 1,000 events/s, 8 trials.
//   (The issue asks for 5,000/s: one stream worker stores ~3,500 events/s on this 2-core
//   machine, so at 5,000/s its lag, and every alert's delay, grows without bound; see
//   docs/performance.md. BENCH_ALERT_RATE overrides the rate.)
import { createServer } from 'node:http';
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
  waitReady,
} from '../lib.mjs';

async function json(method, url, body) {
  const r = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

export async function run({ quick }) {
  ensureBuilt();
  const services = servicesUp();
  const rate = Number(process.env.BENCH_ALERT_RATE ?? (quick ? 1000 : 2500));
  const trials = quick ? 8 : 20;
  const name = `fs_bench_alert_${Date.now().toString(36)}`;
  const dbUrl = await createDatabase(services.DATABASE_URL, name);

  // The receiver: the arrival time of each app's first firing notification.
  const firingAt = new Map();
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const n = JSON.parse(body);
        const app = n.alert_instance?.group?.app ?? n.event?.app;
        if (n.status === 'firing' && app && !firingAt.has(app))
          firingAt.set(app, performance.now());
      } catch {
        // not ours
      }
      res.writeHead(200).end('{}');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

  const prefix = `benchalert${Date.now().toString(36)}.`;
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
    WEBHOOK_URL: receiverUrl,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'warn',
  };
  const base = `http://127.0.0.1:${port}`;
  const api = startNode('apps/api/dist/main.js', [], env);
  let workers;
  let stopLoad = false;
  const latencies = [];
  try {
    await waitReady(`${base}/ready`, api);
    workers = startNode('apps/stream-workers/dist/main.js', [], env);
    await waitReady(`http://127.0.0.1:${metricsPort}/ready`, workers);
    // Only the benchmark's rule notifies.
    for (const r of await json('GET', `${base}/alerts/rules`)) {
      await json('PATCH', `${base}/alerts/rules/${r.id}`, { enabled: false });
    }
    await json('POST', `${base}/alerts/rules`, {
      name: 'bench_breach',
      condition: 'error_rate',
      threshold: 0.5,
      window: '10s',
      group_by: ['app'],
      filters: { event_type: 'bench_error' },
    });
    await new Promise((r) => setTimeout(r, 6000)); // the evaluator reads rules every 5 s

    // Background: `rate` healthy events a second, in 10 batches a second.
    const workload = makeWorkload(5, rate * 2);
    const load = (async () => {
      let i = 0;
      const start = performance.now();
      let sent = 0;
      while (!stopLoad) {
        const batch = workload.slice((i % 20) * (rate / 10), ((i % 20) + 1) * (rate / 10));
        await fetch(`${base}/events/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch.map((e) => ({ ...e, id: undefined }))),
        });
        sent += batch.length;
        i += 1;
        const wait = start + i * 100 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      return { sent, seconds: (performance.now() - start) / 1000 };
    })();

    await new Promise((r) => setTimeout(r, 3000));
    for (let k = 0; k < trials; k++) {
      const app = `breach-${k}`;
      const burst = Array.from({ length: 20 }, (_, i) => ({
        app,
        session_id: `${app}-s`,
        event_type: 'bench_error',
        status: 'error',
        payload: { i },
      }));
      const r = await fetch(`${base}/events/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(burst),
      });
      if (r.status !== 202) throw new Error(`burst answered ${r.status}`);
      const t0 = performance.now();
      const deadline = t0 + 60_000;
      while (!firingAt.has(app) && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      if (!firingAt.has(app)) throw new Error(`no notification for ${app} within 60 s`);
      latencies.push((firingAt.get(app) - t0) / 1000);
      process.stderr.write(`\r  trial ${k + 1}/${trials}: ${latencies.at(-1).toFixed(2)} s`);
      await new Promise((r) => setTimeout(r, 1500));
    }
    stopLoad = true;
    const bg = await load;
    process.stderr.write('\n');
    const sorted = [...latencies].sort((a, b) => a - b);
    const rows = [
      {
        mode: 'cluster (Kafka, 1 worker, BullMQ)',
        background_events_per_sec: Math.round(bg.sent / bg.seconds),
        trials,
        p50_s: percentile(sorted, 50).toFixed(2),
        p99_s: percentile(sorted, 99).toFixed(2),
        max_s: sorted.at(-1).toFixed(2),
      },
    ];
    report('alert', rows, {
      breach_to_webhook_p50_s: Number(rows[0].p50_s),
      breach_to_webhook_p99_s: Number(rows[0].p99_s),
      background_events_per_sec: rows[0].background_events_per_sec,
    });
  } finally {
    stopLoad = true;
    await workers?.stop();
    await api.stop();
    receiver.close();
    await dropDatabase(services.DATABASE_URL, name);
  }
}
