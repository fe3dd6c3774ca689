import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startApi, waitFor, waitReady, type Proc } from '../support/processes';
import { WsProbe } from '../support/ws-client';

/**
 * Stream analytics through the all-in-one process, as a user sees it: a known workload gives
 * exact figures on /analytics, /agents and /metrics/series; live events show up as window
 * stats on the WebSocket; an injected spike after a steady history opens an anomaly that
 * reaches /anomalies and the WebSocket within seconds.
 */
describe('all-in-one: analytics, series, agents and anomalies', () => {
  let dataDir: string;
  let port: number;
  let api: Proc;
  let base: string;
  const env = () => ({
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ENABLE_ANOMALY_DETECTION: 'true',
    WINDOW_ALLOWED_LATENESS_MS: '500',
    WINDOW_IDLE_MS: '500',
    STATS_INTERVAL_MS: '500',
  });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-analytics-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(env(), ['--all-in-one']);
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (events: unknown[]) => {
    const r = await fetch(`${base}/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(r.status, 202, (await r.text()).slice(0, 500));
  };
  const get = async <T>(path: string, status = 200): Promise<T> => {
    const r = await fetch(`${base}${path}`);
    const text = await r.text();
    assert.equal(r.status, status, `${path}: ${text}`);
    return JSON.parse(text) as T;
  };

  // Known workload, two hours ago, aligned to 5 minutes: 3 apps, 2 agents of "alpha", errors
  // by type and by status, durations, tokens and cost.
  const t0 = Math.floor((Date.now() - 2 * 3_600_000) / 300_000) * 300_000;
  const workload = () => {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < 90; i++) {
      const app = i % 3 === 0 ? 'gamma' : i % 3 === 1 ? 'alpha' : 'beta';
      out.push({
        id: `known-${i}`,
        app,
        agent_id: app === 'alpha' ? (i % 2 ? 'planner' : 'coder') : undefined,
        session_id: `known-s${i % 6}`,
        event_type: i % 10 === 0 ? 'error' : 'llm_call',
        status: i % 15 === 7 ? 'error' : undefined,
        duration_ms: (i % 9) * 100 + 50,
        input_tokens: 10 * (i % 4),
        output_tokens: 5,
        cost_usd: 0.25,
        payload: { i },
        timestamp: new Date(t0 + i * 20_000).toISOString(), // 30 minutes
      });
    }
    return out;
  };

  it('answers /analytics, /agents and /metrics/series with the exact figures of a known workload', async () => {
    const events = workload();
    await post(events);
    const range = `start_time=${new Date(t0).toISOString()}&end_time=${new Date(t0 + 30 * 60_000).toISOString()}`;
    type Analytics = {
      overview: Record<string, number | null>;
      performance: Record<string, unknown>[];
    };
    const a = await get<Analytics>(`/analytics?${range}`);
    const isErr = (e: Record<string, unknown>) => e.event_type === 'error' || e.status === 'error';
    const errors = events.filter(isErr).length;
    assert.equal(a.overview.total_events, 90);
    assert.equal(a.overview.error_count, errors);
    assert.equal(a.overview.error_rate, Number((errors / 90).toFixed(4)));
    assert.equal(a.overview.unique_apps, 3);
    assert.equal(a.overview.unique_sessions, 6);
    const avg = events.reduce((s, e) => s + (e.duration_ms as number), 0) / 90;
    assert.equal(a.overview.avg_response_time, Number(avg.toFixed(3)));
    assert.equal(a.overview.cost_usd, 22.5);
    // p95 from the latency histogram: within 9.1 % of the exact nearest-rank value.
    const sorted = events.map((e) => e.duration_ms as number).sort((x, y) => x - y);
    const exactP95 = sorted[Math.ceil(0.95 * 90) - 1]!;
    assert.ok(Math.abs(a.overview.p95_response_time! - exactP95) <= exactP95 * 0.091);

    const alpha = a.performance.find((p) => p.app === 'alpha')!;
    const alphaEvents = events.filter((e) => e.app === 'alpha');
    assert.equal(alpha.event_count, 30);
    assert.equal(alpha.error_count, alphaEvents.filter(isErr).length);
    assert.equal(alpha.active_sessions, new Set(alphaEvents.map((e) => e.session_id)).size);
    assert.match(String(alpha.status), /^(healthy|warning|critical)$/);

    const agents = await get<Record<string, unknown>[]>(`/agents?${range}&sort=events`);
    const planner = agents.find((r) => r.app === 'alpha' && r.agent_id === 'planner')!;
    assert.equal(planner.events, alphaEvents.filter((e) => e.agent_id === 'planner').length);
    assert.equal(
      planner.input_tokens,
      alphaEvents
        .filter((e) => e.agent_id === 'planner')
        .reduce((s, e) => s + (e.input_tokens as number), 0),
    );
    assert.equal(agents.filter((r) => r.app === 'gamma').length, 1, 'no agent id: one row');

    type Series = {
      interval: string;
      series: { key: string; points: { time: string; value: number }[] }[];
    };
    const s = await get<Series>(`/metrics/series?metric=events&group_by=app&interval=5m&${range}`);
    assert.equal(s.interval, '5m');
    assert.equal(s.series.length, 3);
    for (const series of s.series) {
      assert.equal(series.points.length, 6);
      assert.equal(
        series.points.reduce((x, p) => x + p.value, 0),
        30,
        `sum of ${series.key} points`,
      );
    }
    // 15 events per 5 minutes overall: 5 per app.
    assert.deepEqual(
      s.series.find((x) => x.key === 'beta')!.points.map((p) => p.value),
      [5, 5, 5, 5, 5, 5],
    );
  });

  it('rejects bad analytics queries with 400 naming the field', async () => {
    const bad = [
      ['/metrics/series?metric=nope', 'metric'],
      ['/metrics/series', 'metric'],
      ['/metrics/series?metric=events&interval=7m', 'interval'],
      [
        '/metrics/series?metric=events&interval=1m&start_time=2026-01-01T00:00:00Z&end_time=2026-03-01T00:00:00Z',
        'interval',
      ],
      ['/analytics?start_time=yesterday', 'start_time'],
      ['/analytics?start_time=2026-02-02T00:00:00Z&end_time=2026-01-01T00:00:00Z', 'start_time'],
      ['/agents?sort=mood', 'sort'],
      ['/anomalies?status=maybe', 'status'],
      ['/analytics?bogus=1', 'bogus'],
    ] as const;
    for (const [path, field] of bad) {
      const r = await fetch(`${base}${path}`);
      const body = (await r.json()) as { details?: { field: string }[] };
      assert.equal(r.status, 400, path);
      assert.ok(
        body.details?.some((d) => d.field.includes(field)),
        `${path}: ${JSON.stringify(body)}`,
      );
    }
  });

  it('publishes window stats on the WebSocket for live events', async () => {
    const ws = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    ws.send({ type: 'subscribe', id: 'st', filter: { app: 'live-app' }, channels: ['stats'] });
    await ws.waitFor((m) => m.type === 'subscribed');
    await post(
      Array.from({ length: 12 }, (_, i) => ({
        app: 'live-app',
        session_id: 'live-s',
        event_type: i < 3 ? 'error' : 'step',
        duration_ms: 100,
        payload: { i },
      })),
    );
    const msg = await ws.waitFor(
      (m) =>
        m.type === 'stats' &&
        (
          m.data as { series: { series: { level: string }; windows: { events: number }[] }[] }
        ).series.some((s) => s.series.level === 'app' && s.windows[0]!.events === 12),
      15_000,
    );
    const app = (
      msg.data as { series: { series: { level: string }; windows: Record<string, unknown>[] }[] }
    ).series.find((s) => s.series.level === 'app')!;
    assert.equal(app.windows[0]!.window, '1m');
    assert.equal(app.windows[0]!.errors, 3);
    assert.equal(app.windows[0]!.p95_ms !== null, true);
    ws.close();
  });

  it('opens an anomaly for an injected spike after a steady history, on /anomalies and the WebSocket', async () => {
    // 40 minutes of steady history (~30 events/min with noise), stored before a restart so
    // the detectors' baseline is rebuilt from the rollups.
    const now = Date.now();
    const start = Math.floor(now / 60_000) * 60_000 - 40 * 60_000;
    const history: Record<string, unknown>[] = [];
    for (let m = 0; m < 40; m++) {
      const n = 28 + ((m * 7) % 5);
      for (let k = 0; k < n; k++) {
        history.push({
          app: 'spiky',
          session_id: `spiky-${m % 4}`,
          event_type: 'step',
          payload: { m, k },
          timestamp: new Date(start + m * 60_000 + k * Math.floor(60_000 / n)).toISOString(),
        });
      }
    }
    await post(history);
    await api.stop();
    api = startApi(env(), ['--all-in-one']);
    await waitReady(`${base}/ready`, api, 120_000);

    const ws = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    ws.send({ type: 'subscribe', id: 'an', filter: { app: 'spiky' }, channels: ['anomalies'] });
    await ws.waitFor((m) => m.type === 'subscribed');
    const spikeAt = Date.now();
    // A burst of 400 events (≈ 13× the baseline) within a few seconds.
    for (let i = 0; i < 4; i++) {
      await post(
        Array.from({ length: 100 }, (_, k) => ({
          app: 'spiky',
          session_id: 'spiky-burst',
          event_type: 'step',
          payload: { k },
        })),
      );
    }
    const msg = await ws.waitFor((m) => m.type === 'anomaly', 30_000);
    const seconds = (Date.now() - spikeAt) / 1000;
    const anomaly = msg.data as Record<string, unknown>;
    assert.equal(anomaly.kind, 'event_spike');
    assert.equal(anomaly.app, 'spiky');
    assert.ok((anomaly.actual as number) > (anomaly.upper_bound as number));
    assert.ok(seconds < 20, `anomaly after ${seconds}s`);
    const listed = await waitFor(
      'the open anomaly on /anomalies',
      async () => {
        const rows = await get<Record<string, unknown>[]>('/anomalies?app=spiky&status=open');
        return rows.length > 0 ? rows : undefined;
      },
      10_000,
    );
    assert.equal(listed[0]!.kind, 'event_spike');
    assert.equal(listed[0]!.id, anomaly.id);
    ws.close();
  });
});
