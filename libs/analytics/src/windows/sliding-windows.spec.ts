import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@fleetscope/domain';
import { LatencySketch, SKETCH_RELATIVE_ERROR } from '../sketch/latency-sketch';
import { parseSeriesKey, seriesKey, seriesOf } from './series-id';
import { SlidingWindows, type SeriesStats, windowEndMs, windowLabel } from './sliding-windows';
import type { WindowInput } from './window-input';

// Frozen time: every test places events and clocks relative to T.
const T = Date.parse('2026-01-01T00:00:00.000Z');
const S = 1_000;
const M = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function event(tsMs: number, over: Partial<WindowInput> = {}): WindowInput {
  return {
    project_id: 'p1',
    app: 'checkout',
    agent_id: 'a1',
    session_id: 's1',
    ts: iso(tsMs),
    severity: 1,
    status: 'ok',
    duration_ms: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    ...over,
  };
}

/** Feeds an event as a live stream would: it arrives 100 ms after its event time. */
function live(w: SlidingWindows, tsMs: number, over: Partial<WindowInput> = {}) {
  return w.observe(event(tsMs, over), tsMs + 100);
}

const KEY = {
  project: seriesKey({ level: 'project', project_id: 'p1' }),
  app: seriesKey({ level: 'app', project_id: 'p1', app: 'checkout' }),
  agent: seriesKey({ level: 'agent', project_id: 'p1', app: 'checkout', agent_id: 'a1' }),
  session: seriesKey({ level: 'session', project_id: 'p1', app: 'checkout', session_id: 's1' }),
};

function row(rows: SeriesStats[], key: string, window: string): SeriesStats | undefined {
  return rows.find((r) => r.key === key && r.window === window);
}

/** A clock at which the watermark is exactly `W` on an idle stream (now − idle − lateness). */
const idleNowFor = (watermarkMs: number) => watermarkMs + 2_000 + 5_000;

describe('series ids', () => {
  it('feeds 4 series, 3 without an agent', () => {
    assert.deepEqual(
      seriesOf(event(T)).map((s) => s.level),
      ['project', 'app', 'agent', 'session'],
    );
    assert.deepEqual(
      seriesOf(event(T, { agent_id: null })).map((s) => s.level),
      ['project', 'app', 'session'],
    );
  });

  it('makes unambiguous keys that parse back', () => {
    const a = seriesKey({ level: 'app', project_id: 'p|1', app: 'x' });
    const b = seriesKey({ level: 'app', project_id: 'p', app: '1|x' });
    assert.notEqual(a, b);
    assert.equal(KEY.agent, '["agent","p1","checkout","a1"]');
    for (const id of seriesOf(event(T, { app: 'we"ird\\app' }))) {
      assert.deepEqual(parseSeriesKey(seriesKey(id)), id);
    }
    assert.equal(parseSeriesKey('not json'), null);
    assert.equal(parseSeriesKey('["agent","p1","app"]'), null);
  });

  it('labels windows', () => {
    assert.deepEqual([60_000, 300_000, 900_000, 3_600_000, 90_000].map(windowLabel), [
      '1m',
      '5m',
      '15m',
      '1h',
      '90s',
    ]);
  });
});

describe('SlidingWindows: counts per window', () => {
  it('sums each window exactly at the watermark', () => {
    const w = new SlidingWindows();
    // 10 events in minute 0, 5 in minute 5 (2 errors), 3 in minute 14 (1 fatal), all accepted.
    for (let i = 0; i < 10; i++) assert.equal(live(w, T + i * S), 'accepted');
    for (let i = 0; i < 5; i++) live(w, T + 5 * M + i * S, { status: i < 2 ? 'error' : 'ok' });
    for (let i = 0; i < 3; i++) live(w, T + 14 * M + i * S, { severity: i === 0 ? 4 : 1 });
    const now = idleNowFor(T + 15 * M - 1);
    assert.equal(w.watermark(now), T + 15 * M - 1);
    const rows = w.snapshot(now);
    const m1 = row(rows, KEY.agent, '1m')!;
    const m5 = row(rows, KEY.agent, '5m')!;
    const m15 = row(rows, KEY.agent, '15m')!;
    assert.deepEqual(
      [m1.events, m5.events, m15.events, m1.errors, m5.errors, m15.errors],
      [3, 3, 18, 1, 1, 3],
    );
    assert.equal(m1.window_start_ms, T + 14 * M);
    assert.equal(m1.window_end_ms, T + 15 * M);
    assert.equal(m15.error_rate, 3 / 18);
    assert.equal(m15.events_per_min, 18 / 15);
    assert.equal(m1.last_event_ts, iso(T + 14 * M + 2 * S));
    // Same numbers at every level of this single-session stream.
    for (const key of Object.values(KEY)) assert.equal(row(rows, key, '15m')!.events, 18);
    assert.equal(rows.length, 4 * 3);
  });

  it('sums tokens, cost and per-minute rates; nulls count as 0', () => {
    const w = new SlidingWindows({ windowsMs: [60_000, 120_000] });
    live(w, T + 10 * S, { input_tokens: 100, output_tokens: 20, cost_usd: 0.5 });
    live(w, T + 70 * S, { input_tokens: 40, output_tokens: null, cost_usd: 0.25 });
    live(w, T + 80 * S);
    const rows = w.snapshot(idleNowFor(T + 2 * M - 1), { levels: ['project'] });
    assert.deepEqual(
      rows.map((r) => [r.window, r.events, r.input_tokens, r.output_tokens, r.cost_usd]),
      [
        ['1m', 2, 40, 0, 0.25],
        ['2m', 3, 140, 20, 0.75],
      ],
    );
    assert.equal(rows[1]!.tokens_per_min, 80);
    assert.equal(rows[1]!.cost_per_min, 0.375);
    assert.equal(rows[0]!.p95_ms, null);
    assert.equal(rows[0]!.latency_samples, 0);
  });

  it('covers whole one-second slots up to the watermark, so reported values are final', () => {
    const w = new SlidingWindows({ windowsMs: [10_000] });
    live(w, T + 9_000);
    live(w, T + 10_200);
    // W = T + 10.5 s: the slot [10 s, 11 s) is not complete, only [0 s, 10 s) is reported.
    assert.equal(windowEndMs(T + 10_500), T + 10_000);
    assert.equal(windowEndMs(T + 10_999), T + 11_000, 'complete: anything at or before W is late');
    let rows = w.snapshot(idleNowFor(T + 10_500));
    assert.equal(w.watermark(idleNowFor(T + 10_500)), T + 10_500);
    assert.deepEqual([rows[0]!.events, rows[0]!.window_end_ms], [1, T + 10_000]);
    // An event at 10.7 s is still on time and lands in the incomplete slot.
    assert.equal(w.observe(event(T + 10_700), idleNowFor(T + 10_500)), 'accepted');
    rows = w.snapshot(idleNowFor(T + 12_500));
    assert.deepEqual([rows[0]!.events, rows[0]!.window_start_ms], [3, T + 2_000]);
  });

  it('reads p50/p95 from the merged sketch, the same as a sketch of the same durations', () => {
    const w = new SlidingWindows();
    const sketch = new LatencySketch();
    for (let i = 0; i < 200; i++) {
      const ms = 50 + ((i * 37) % 200) * 7.5; // 50 … 1542.5 ms, spread over 200 s
      sketch.add(ms);
      live(w, T + i * S, { duration_ms: ms });
    }
    live(w, T + 200 * S, { duration_ms: null });
    const rows = w.snapshot(idleNowFor(T + 5 * M - 1), { levels: ['agent'] });
    const m5 = row(rows, KEY.agent, '5m')!;
    assert.equal(m5.latency_samples, 200);
    assert.equal(m5.events, 201);
    assert.equal(m5.p95_ms, sketch.quantile(0.95));
    assert.equal(m5.p50_ms, sketch.quantile(0.5));
    const m1 = row(rows, KEY.agent, '1m')!;
    assert.equal(m1.p95_ms, null, 'no duration in the last minute');
  });

  it('lists only series with data in the largest window, filtered by level', () => {
    const w = new SlidingWindows();
    live(w, T, { session_id: 'old', agent_id: null });
    live(w, T + 20 * M, { session_id: 'new' });
    const rows = w.snapshot(idleNowFor(T + 21 * M - 1), { levels: ['session'] });
    assert.deepEqual(
      rows.map((r) => r.series.session_id),
      ['new', 'new', 'new'],
    );
  });
});

describe('SlidingWindows: snapshotTop', () => {
  it('computes only the busiest sessions of each project, with the same rows as snapshot', () => {
    const w = new SlidingWindows();
    // p1: s-busy has 3 events in the last minute, s-mid 2, s-quiet 1 (and 5 older ones),
    // s-old only 10 minutes ago; p2: one session.
    const at = T + 15 * M;
    for (let i = 0; i < 5; i++) live(w, T + 2 * M + i * S, { session_id: 's-quiet' });
    live(w, T + 5 * M, { session_id: 's-old' });
    for (let i = 0; i < 3; i++) live(w, at - 30 * S + i * S, { session_id: 's-busy' });
    for (let i = 0; i < 2; i++) live(w, at - 20 * S + i * S, { session_id: 's-mid' });
    live(w, at - 10 * S, { session_id: 's-quiet' });
    live(w, at - 5 * S, { project_id: 'p2', session_id: 'other' });
    const now = idleNowFor(at);
    const top = w.snapshotTop(now, 'session', 2);
    const sessions = (project: string) => [
      ...new Set(
        top.filter((r) => r.series.project_id === project).map((r) => r.series.session_id),
      ),
    ];
    assert.deepEqual(sessions('p1'), ['s-busy', 's-mid'], 'ranked by events in the 1m window');
    assert.deepEqual(sessions('p2'), ['other'], 'n per project, not overall');
    const all = w.snapshot(now, { levels: ['session'] });
    for (const r of top) assert.deepEqual(r, row(all, r.key, r.window));
    assert.equal(top.length, 3 * 3, 'three windows for each of three sessions');

    const three = w.snapshotTop(now, 'session', 3).filter((r) => r.series.project_id === 'p1');
    assert.equal(
      row(
        three,
        seriesKey({ level: 'session', project_id: 'p1', app: 'checkout', session_id: 's-quiet' }),
        '15m',
      )!.events,
      6,
    );
    const four = w.snapshotTop(now, 'session', 4).filter((r) => r.series.project_id === 'p1');
    assert.equal(
      new Set(four.map((r) => r.key)).size,
      4,
      'a session idle for 10 minutes still ranks',
    );
    assert.deepEqual(w.snapshotTop(now, 'session', 0), []);
  });
});

describe('SlidingWindows: watermark and lateness', () => {
  it('accepts out-of-order events within the allowed lateness, refuses and counts later ones', () => {
    const w = new SlidingWindows();
    assert.equal(w.observe(event(T + 10 * S), T + 10 * S + 100), 'accepted');
    // W = maxTs − 5 s = T + 5 s (the stream is not idle: last accepted 100 ms ago).
    assert.equal(w.watermark(T + 10 * S + 200), T + 5 * S);
    assert.equal(w.observe(event(T + 6 * S), T + 10 * S + 200), 'accepted');
    assert.equal(w.observe(event(T + 5 * S), T + 10 * S + 300), 'late', 'ts == W is late');
    assert.equal(w.observe(event(T + 1 * S, { agent_id: 'a2' }), T + 10 * S + 300), 'late');
    assert.equal(w.lateTotal, 2);
    const rows = w.snapshot(idleNowFor(T + M - 1));
    assert.equal(row(rows, KEY.agent, '1m')!.events, 2);
    assert.equal(row(rows, KEY.agent, '1m')!.late_events, 1);
    assert.equal(row(rows, KEY.project, '1m')!.late_events, 2);
  });

  it('advances with the clock when the stream is idle', () => {
    const w = new SlidingWindows();
    assert.equal(w.watermark(T), Number.NEGATIVE_INFINITY, 'nothing known yet');
    assert.equal(w.watermark(T + 2 * S), T - 5 * S, 'idle after 2 s: now − 2 s − 5 s');
    live(w, T + 3 * S);
    // 1 s after the last accepted event the stream is not idle: W follows the events.
    assert.equal(w.watermark(T + 4 * S + 100), T - 2 * S);
    assert.equal(w.watermark(T + 5 * S + 100), T - 2 * S + 100, 'idle again');
    assert.equal(w.watermark(T + 60 * S), T + 53 * S);
    assert.equal(w.observe(event(T + 53 * S), T + 60 * S), 'late');
    assert.equal(w.observe(event(T + 54 * S), T + 60 * S), 'accepted');
  });

  it('counts an event ahead of the clock only up to the clock', () => {
    const w = new SlidingWindows();
    assert.equal(w.observe(event(T + 3_600_000), T), 'accepted');
    assert.equal(w.watermark(T + 500), T - 5 * S);
    assert.equal(w.observe(event(T - 4 * S), T + 600), 'accepted');
  });

  it('never moves the watermark back when the clock does', () => {
    const w = new SlidingWindows();
    w.watermark(T);
    const high = w.watermark(T + 60 * S);
    assert.equal(w.watermark(T + 10 * S), high);
  });

  it('lets a backlog replay in event time instead of refusing it as late', () => {
    const w = new SlidingWindows();
    const start = T + 3_600_000; // the worker starts an hour after the backlog's events
    for (let i = 0; i < 180; i++) {
      // 3 events per second of processing time, each one event-second later.
      assert.equal(w.observe(event(T + i * S), start + Math.floor(i / 3) * S), 'accepted');
    }
    const now = start + 59 * S + 500;
    // Not idle: W follows the replayed events, not the clock.
    assert.equal(w.watermark(now), T + 179 * S - 5 * S);
    const minutes = w.closedMinutes(now).filter((p) => p.key === KEY.agent);
    assert.deepEqual(
      minutes.map((p) => [p.minuteStartMs - T, p.events]),
      [
        [0, 60],
        [M, 60],
      ],
    );
  });
});

describe('SlidingWindows: closed minutes', () => {
  it('returns each closed minute once, zero minutes in gaps, never the open minute', () => {
    const w = new SlidingWindows();
    for (let i = 0; i < 4; i++) {
      live(w, T + i * 10 * S, { duration_ms: 100 * (i + 1), input_tokens: 10, output_tokens: 5 });
    }
    live(w, T + 2 * M + 30 * S, { severity: 3, cost_usd: 0.1 });
    live(w, T + 3 * M + 1 * S);
    const now = idleNowFor(T + 3 * M + 30 * S);
    const points = w.closedMinutes(now).filter((p) => p.key === KEY.agent);
    assert.deepEqual(
      points.map((p) => [
        (p.minuteStartMs - T) / M,
        p.events,
        p.errors,
        p.latency_samples,
        p.tokens,
        p.cost_usd,
      ]),
      [
        [0, 4, 0, 4, 60, 0],
        [1, 0, 0, 0, 0, 0],
        [2, 1, 1, 0, 0, 0.1],
      ],
    );
    const sketch = new LatencySketch();
    for (const ms of [100, 200, 300, 400]) sketch.add(ms);
    assert.equal(points[0]!.p95_ms, sketch.quantile(0.95));
    assert.ok(Math.abs(points[0]!.p95_ms! - 400) / 400 <= SKETCH_RELATIVE_ERROR);
    assert.deepEqual(w.closedMinutes(now), [], 'once each');
  });

  it('keeps emitting zero minutes for silenceMinutes after the last event, then stops', () => {
    const w = new SlidingWindows({ silenceMinutes: 3 });
    live(w, T + 10 * S);
    const first = w.closedMinutes(idleNowFor(T + 2 * M)).filter((p) => p.key === KEY.session);
    assert.deepEqual(
      first.map((p) => [(p.minuteStartMs - T) / M, p.events]),
      [
        [0, 1],
        [1, 0],
      ],
    );
    const rest = w.closedMinutes(idleNowFor(T + 30 * M)).filter((p) => p.key === KEY.session);
    assert.deepEqual(
      rest.map((p) => [(p.minuteStartMs - T) / M, p.events]),
      [
        [2, 0],
        [3, 0],
      ],
    );
    // A series that comes back after a longer silence starts again at its new minute.
    live(w, T + 40 * M + 5 * S);
    const back = w.closedMinutes(idleNowFor(T + 42 * M)).filter((p) => p.key === KEY.session);
    assert.deepEqual(
      back.map((p) => [(p.minuteStartMs - T) / M, p.events]),
      [
        [40, 1],
        [41, 0],
      ],
    );
  });

  it('emits 60 zero minutes by default for a silent series', () => {
    const w = new SlidingWindows();
    live(w, T + 10 * S);
    const points = w
      .closedMinutes(idleNowFor(T + 3 * 3_600_000))
      .filter((p) => p.key === KEY.project);
    assert.equal(points.length, 61);
    assert.equal(points[60]!.minuteStartMs, T + 60 * M);
    assert.ok(points.slice(1).every((p) => p.events === 0 && p.p95_ms === null));
  });
});

describe('SlidingWindows: eviction', () => {
  it('keeps only the largest window (to the minute) and drops silent series', () => {
    const w = new SlidingWindows({ silenceMinutes: 5 });
    for (let i = 0; i < 30 * 60; i += 2)
      live(w, T + i * S, { session_id: `s${Math.floor(i / 600)}` });
    let now = idleNowFor(T + 30 * M - 1);
    w.closedMinutes(now);
    w.evict(now);
    const sizes = w.sizes();
    // Session s0 (minutes 0-9) is gone; s1 (10-19) keeps its slots of minutes 15-19.
    assert.equal(sizes.series, 5);
    // 30 slots a minute: minutes 15-29 for project, app, agent; 15-19 for s1; 20-29 for s2.
    assert.equal(sizes.slots, 3 * 15 * 30 + 5 * 30 + 10 * 30);
    const snapshot = w.snapshot(now);
    assert.equal(row(snapshot, KEY.project, '15m')!.events, 450);

    now = idleNowFor(T + 60 * M);
    w.closedMinutes(now);
    w.evict(now);
    assert.deepEqual(w.sizes(), { series: 0, slots: 0, minutes: 0 });
  });

  it('does not lose minutes the caller has not collected yet (within silenceMinutes)', () => {
    const w = new SlidingWindows();
    for (let i = 0; i < 20; i++) live(w, T + i * M);
    const now = idleNowFor(T + 20 * M);
    w.evict(now);
    const points = w.closedMinutes(now).filter((p) => p.key === KEY.agent);
    assert.equal(points.length, 20);
    assert.ok(points.every((p) => p.events === 1));
  });

  it('stays fast with thousands of series', () => {
    const w = new SlidingWindows();
    // 2,000 sessions under 20 agents, 15 minutes, ~36k events.
    for (let i = 0; i < 36_000; i++) {
      const ts = T + Math.floor((i * 15 * M) / 36_000);
      w.observe(
        event(ts, {
          session_id: `s${i % 2000}`,
          agent_id: `a${i % 20}`,
          duration_ms: 100 + (i % 500),
        }),
        ts + 100,
      );
    }
    const now = idleNowFor(T + 15 * M);
    const started = performance.now();
    const rows = w.snapshot(now);
    const elapsedMs = performance.now() - started;
    assert.equal(rows.length, (1 + 1 + 20 + 2000) * 3);
    assert.ok(elapsedMs < 1_000, `snapshot took ${elapsedMs.toFixed(0)} ms`);
  });
});

describe('SlidingWindows: options', () => {
  it('refuses invalid options with every field named', () => {
    assert.throws(
      () => new SlidingWindows({ windowsMs: [1_500], allowedLatenessMs: -1 }),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.details.some((d) => d.field === 'windowsMs.0') &&
        err.details.some((d) => d.field === 'allowedLatenessMs'),
    );
    assert.throws(() => new SlidingWindows({ windowsMs: [] }), ValidationError);
    assert.throws(() => new SlidingWindows({ windowsMs: [60_000, 60_000] }), ValidationError);
    assert.throws(() => new SlidingWindows({ idle: 1 } as never), ValidationError);
    assert.deepEqual(new SlidingWindows().options, {
      windowsMs: [60_000, 300_000, 900_000],
      allowedLatenessMs: 5_000,
      idleMs: 2_000,
      silenceMinutes: 60,
    });
  });
});
