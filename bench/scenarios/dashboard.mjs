/* global window, PerformanceObserver -- page.evaluate and addInitScript bodies run in the browser */
// dashboard: the live view in Debian's Chromium while 1,000 events/s stream in (all-in-one).
// Measures whether the page keeps up: events received against events posted, the delivery
// lag to the page (server receipt → page receipt, p50/p99), the time until the last posted
// event is drawn after the load stops, and the main thread's long-task share (time the page
// could not respond to input). Also reports the build's initial JavaScript (gzip).
//   full: 30 s at 1,000/s; --quick: 10 s. BENCH_DASHBOARD_RATE overrides the rate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import {
  ROOT,
  ensureBuilt,
  freePort,
  makeWorkload,
  percentile,
  report,
  startNode,
  tempDir,
  waitReady,
} from '../lib.mjs';

export async function run({ quick }) {
  ensureBuilt();
  const rate = Number(process.env.BENCH_DASHBOARD_RATE ?? 1000);
  const seconds = quick ? 10 : 30;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const api = startNode('apps/api/dist/main.js', ['--all-in-one'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: tempDir('fs-bench-dash-'),
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    await waitReady(`${base}/ready`, api);
    const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
    await page.addInitScript(() => {
      window.__longTaskMs = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTaskMs += e.duration;
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${base}/`);
    await page.getByTestId('connection').getByText('Live').waitFor({ timeout: 30_000 });

    // A plain WebSocket client next to the page: the server's part of the lag, so the page's
    // own part is the difference.
    const nodeLag = [];
    const probe = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`);
    await new Promise((resolve, reject) => {
      probe.once('error', reject);
      probe.once('open', () => probe.send(JSON.stringify({ type: 'subscribe', id: 'all' })));
      probe.on('message', (raw) => {
        const msg = JSON.parse(raw.toString());
        if (msg.type === 'subscribed') resolve();
        if (msg.type === 'event') nodeLag.push(Date.now() - Date.parse(msg.data.received_at));
      });
    });
    const workload = makeWorkload(31, 20_000).map((e) => ({ ...e, id: undefined }));
    const per = Math.max(1, Math.round(rate / 10));
    const before = await page.evaluate(() => ({
      events: window.fleetscope.live.counters.events,
      longTaskMs: window.__longTaskMs,
    }));
    const start = performance.now();
    let posted = 0;
    let i = 0;
    let refused = 0;
    const inflight = new Set();
    while (performance.now() - start < seconds * 1000) {
      const batch = workload.slice(
        (i * per) % (workload.length - per),
        ((i * per) % (workload.length - per)) + per,
      );
      const p = fetch(`${base}/events/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      }).then(async (r) => {
        await r.arrayBuffer();
        if (r.status === 202) posted += batch.length;
        else refused += batch.length;
      });
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      // Up to 4 requests in flight, as several agents would post at once.
      if (inflight.size >= 4) await Promise.race(inflight);
      i += 1;
      const wait = start + i * 100 - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
    await Promise.all(inflight);
    const loadSeconds = (performance.now() - start) / 1000;
    // One marker after the load: how long until the page draws it says whether it fell behind.
    const marker = `dash-last-${Date.now()}`;
    const stopAt = performance.now();
    const m = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        app: 'dash-bench',
        event_type: 'marker',
        session_id: 'dash',
        summary: marker,
        payload: {},
      }),
    });
    if (m.status !== 202) throw new Error(`marker POST answered ${m.status}`);
    await page.locator('[data-event-id]', { hasText: marker }).waitFor({ timeout: 60_000 });
    const drainMs = performance.now() - stopAt;
    const after = await page.evaluate(() => ({
      events: window.fleetscope.live.counters.events,
      lagged: window.fleetscope.live.counters.lagged,
      lag: [...window.fleetscope.live.lagMs],
      longTaskMs: window.__longTaskMs,
    }));
    probe.close();
    const received = after.events - before.events;
    const serverLag = nodeLag.sort((a, b) => a - b);
    const lag = after.lag.slice(-received).sort((a, b) => a - b);
    const bundle = JSON.parse(
      readFileSync(join(ROOT, 'apps/dashboard/dist/bundle-report.json'), 'utf8'),
    );
    const rows = [
      {
        rate_target: rate,
        posted_per_sec: Math.round(posted / loadSeconds),
        received_by_page: received,
        posted,
        refused,
        skipped_lagged: after.lagged,
        lag_p50_ms: Number(percentile(lag, 50)?.toFixed(0)),
        lag_p99_ms: Number(percentile(lag, 99)?.toFixed(0)),
        ws_client_lag_p50_ms: Number(percentile(serverLag, 50)?.toFixed(0)),
        ws_client_lag_p99_ms: Number(percentile(serverLag, 99)?.toFixed(0)),
        last_event_drawn_after_ms: Math.round(drainMs),
        long_task_share: Number(
          ((after.longTaskMs - before.longTaskMs) / (loadSeconds * 1000 + drainMs)).toFixed(3),
        ),
      },
    ];
    report(
      'dashboard',
      rows,
      {
        events_per_sec: rows[0].posted_per_sec,
        received_ratio: Number((received / posted).toFixed(4)),
        lag_p99_ms: rows[0].lag_p99_ms,
        page_extra_lag_p99_ms: rows[0].lag_p99_ms - rows[0].ws_client_lag_p99_ms,
        long_task_share: rows[0].long_task_share,
        initial_js_gzip_kb: Number((bundle.initial_js_gzip_bytes / 1024).toFixed(1)),
      },
      { bundle },
    );
  } finally {
    await browser.close();
    await api.stop();
  }
}
