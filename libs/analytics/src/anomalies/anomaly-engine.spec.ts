import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@fleetscope/domain';
import type { SeriesId } from '../windows/series-id';
import { seriesKey } from '../windows/series-id';
import type { MinutePoint } from '../windows/sliding-windows';
import { AnomalyEngine, type CurrentStats, type SeasonalProvider } from './anomaly-engine';
import type { AnomalyOptions } from './anomaly-options.schema';
import type { AnomalyTransition, MinuteValues } from './anomaly-kinds';

// Frozen time: minute i starts at T + i·M; its window is judged 7 s after it ends.
const T = Date.parse('2026-01-05T00:00:00.000Z');
const M = 60_000;
const S = 1_000;

const SERIES: SeriesId = { level: 'agent', project_id: 'p1', app: 'bot', agent_id: 'a1' };
const KEY = seriesKey(SERIES);
const OTHER: SeriesId = { level: 'agent', project_id: 'p1', app: 'bot', agent_id: 'a2' };

/** A normal minute: 100 ± 6 events (median 100, MAD 3), 1 % errors, 100 tokens an event. */
function normal(i: number): MinuteValues {
  const events = 100 + [-6, -3, 0, 3, 6][i % 5]!;
  const tokens = events * 100;
  return {
    events,
    errors: [0, 1, 1, 2, 1][i % 5]!,
    p95_ms: 1000 * [0.95, 1, 1.05][i % 3]!,
    latency_samples: 50,
    tokens,
    cost_usd: tokens * 1e-5,
  };
}

function point(minute: number, v: MinuteValues, id: SeriesId = SERIES): MinutePoint {
  return { key: seriesKey(id), series: id, minuteStartMs: T + minute * M, ...v };
}

function row(minute: number, v: MinuteValues, id: SeriesId = SERIES): CurrentStats {
  return {
    key: seriesKey(id),
    series: id,
    window_ms: M,
    window_start_ms: T + minute * M,
    events: v.events,
    errors: v.errors,
    p95_ms: v.p95_ms,
    latency_samples: v.latency_samples,
    input_tokens: v.tokens,
    output_tokens: 0,
    cost_usd: v.cost_usd,
  };
}

/** Records minutes [from, to) of normal traffic. */
function history(engine: AnomalyEngine, from: number, to: number, id: SeriesId = SERIES): void {
  for (let i = from; i < to; i++) engine.recordMinute(point(i, normal(i), id));
}

const judgedAt = (minute: number, offsetMs = 7 * S) => T + (minute + 1) * M + offsetMs;

function evaluate(
  engine: AnomalyEngine,
  minute: number,
  v: MinuteValues,
  offsetMs?: number,
): AnomalyTransition[] {
  return engine.evaluate(judgedAt(minute, offsetMs), [row(minute, v)]);
}

const summary = (ts: readonly AnomalyTransition[]) => ts.map((t) => `${t.action} ${t.kind}`);

/** An engine with an hour of normal history, for tests that need a fresh one inline. */
class AnomalyEngineWithHistory {
  readonly engine: AnomalyEngine;
  constructor(options: AnomalyOptions = {}) {
    this.engine = new AnomalyEngine(options);
    history(this.engine, 0, 60);
  }
}

describe('AnomalyEngine: warm-up and guards', () => {
  it('raises nothing while warming up', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 10);
    assert.deepEqual(evaluate(engine, 10, { ...normal(10), events: 1000 }), []);
    assert.equal(engine.state(KEY)!.warming_up, true);
    history(engine, 10, 20);
    assert.equal(engine.state(KEY)!.warming_up, false);
  });

  it('does not raise spikes below the minimum volume', () => {
    const engine = new AnomalyEngine();
    for (let i = 0; i < 30; i++)
      engine.recordMinute(point(i, { ...normal(i), events: 2 + (i % 3) }));
    assert.deepEqual(evaluate(engine, 30, { ...normal(30), events: 19 }), []);
  });
});

describe('AnomalyEngine: open', () => {
  it('opens at once on a critical spike, with the band that was crossed', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 60);
    const [t, ...rest] = evaluate(engine, 60, {
      ...normal(60),
      events: 400,
      tokens: 40_000,
      cost_usd: 0.4,
    });
    assert.deepEqual(rest, [], 'volume explains the tokens, cost and errors');
    assert.equal(t!.action, 'open');
    assert.equal(t!.kind, 'event_spike');
    assert.equal(t!.metric, 'events_per_min');
    assert.equal(t!.window, '1m');
    assert.equal(t!.baseline, 'recent');
    assert.equal(t!.severity, 'critical');
    assert.equal(t!.actual, 400);
    assert.equal(t!.expected, 100);
    assert.ok(Math.abs(t!.upper - ((Math.sqrt(100.375) + 2) ** 2 - 0.375)) < 1e-9);
    assert.ok(t!.score > 8);
    assert.deepEqual(
      [t!.first_seen_ms, t!.last_seen_ms, t!.resolved_ms],
      [judgedAt(60), judgedAt(60), null],
    );
    assert.deepEqual(
      engine.state(KEY)!.open.map((o) => o.kind),
      ['event_spike'],
    );
  });

  it('needs the closed minute before to confirm a moderate breach', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 60);
    const moderate = { ...normal(60), events: 150, tokens: 15_000, cost_usd: 0.15 };
    assert.deepEqual(evaluate(engine, 60, moderate), [], 'one minute is not enough');
    engine.recordMinute(point(60, moderate));
    const [t] = evaluate(engine, 61, moderate);
    assert.equal(t!.action, 'open');
    assert.equal(t!.severity, 'warning');
    assert.ok(t!.score >= 4 && t!.score < 6);
  });

  it('opens event_drop (critical) for a series that went silent', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 60);
    const [t, ...rest] = engine.evaluate(judgedAt(60), []);
    assert.deepEqual(rest, []);
    assert.equal(t!.kind, 'event_drop');
    assert.equal(t!.actual, 0);
    assert.equal(t!.severity, 'critical');
    assert.ok(t!.lower > 50 && t!.lower < 70);
  });

  it('raises error_spike for errors the volume does not explain', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 60);
    const [t] = evaluate(engine, 60, { ...normal(60), errors: 30 });
    assert.equal(t!.kind, 'error_spike');
    assert.equal(t!.metric, 'errors_per_min');
    // Five times the volume with five times the errors is an event spike only.
    assert.deepEqual(
      summary(
        evaluate(new AnomalyEngineWithHistory().engine, 60, {
          ...normal(60),
          events: 500,
          errors: 5,
          tokens: 50_000,
          cost_usd: 0.5,
        }),
      ),
      ['open event_spike'],
    );
  });

  it('tells a token burn (tokens per call) from a cost burn (price per token)', () => {
    const burn = new AnomalyEngine();
    history(burn, 0, 60);
    const tokens = { ...normal(60), tokens: 40_000, cost_usd: 0.4 };
    burn.recordMinute(point(60, tokens));
    assert.deepEqual(summary(evaluate(burn, 61, tokens)), ['open token_burn']);

    const price = new AnomalyEngine();
    history(price, 0, 60);
    const pricey = { ...normal(60), cost_usd: normal(60).cost_usd * 4 };
    price.recordMinute(point(60, pricey));
    assert.deepEqual(summary(evaluate(price, 61, pricey)), ['open cost_burn']);
  });

  it('raises latency_spike on a confirmed p95 jump with enough durations only', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 60);
    const slow = { ...normal(60), p95_ms: 3000 };
    engine.recordMinute(point(60, slow));
    assert.deepEqual(summary(evaluate(engine, 61, slow)), ['open latency_spike']);

    const few = new AnomalyEngine();
    history(few, 0, 60);
    const slowFew = { ...normal(60), p95_ms: 3000, latency_samples: 19 };
    few.recordMinute(point(60, slowFew));
    assert.deepEqual(evaluate(few, 61, slowFew), []);
  });

  it('judges only the 1m rows of a snapshot', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 60);
    const five = { ...row(60, { ...normal(60), events: 1000 }), window_ms: 5 * M };
    assert.deepEqual(engine.evaluate(judgedAt(60), [five, row(60, normal(60))]), []);
  });
});

describe('AnomalyEngine: lifecycle at 1 Hz', () => {
  const spike = { ...normal(60), events: 400, tokens: 40_000, cost_usd: 0.4 };

  it('updates an open anomaly at a bounded rate, never re-opens it', () => {
    const { engine } = new AnomalyEngineWithHistory();
    assert.deepEqual(summary(evaluate(engine, 60, spike)), ['open event_spike']);
    const out: AnomalyTransition[] = [];
    // 59 more seconds with the same values: nothing to write.
    for (let s = 1; s < 60; s++) out.push(...evaluate(engine, 60, spike, 7 * S + s * S));
    assert.deepEqual(out, []);
    // The heartbeat after 60 s.
    const [beat] = evaluate(engine, 60, spike, 67 * S);
    assert.equal(beat!.action, 'update');
    assert.equal(beat!.first_seen_ms, judgedAt(60));
    assert.equal(beat!.last_seen_ms, judgedAt(60, 67 * S));
    // A 50 % change is written, but not within 10 s of the last write.
    assert.deepEqual(evaluate(engine, 60, { ...spike, events: 600 }, 72 * S), []);
    const [moved] = evaluate(engine, 60, { ...spike, events: 600 }, 77 * S);
    assert.deepEqual([moved!.action, moved!.actual], ['update', 600]);
  });

  it('writes a severity escalation at once and never downgrades an episode', () => {
    const { engine } = new AnomalyEngineWithHistory();
    const moderate = { ...normal(60), events: 150, tokens: 15_000, cost_usd: 0.15 };
    engine.recordMinute(point(60, moderate));
    assert.equal(evaluate(engine, 61, moderate)[0]!.severity, 'warning');
    const [up] = evaluate(engine, 61, { ...moderate, events: 300 }, 8 * S);
    assert.deepEqual([up!.action, up!.severity], ['update', 'critical']);
    const [beat] = evaluate(engine, 61, moderate, 70 * S);
    assert.deepEqual([beat!.action, beat!.severity, beat!.actual], ['update', 'critical', 150]);
  });

  it('resolves after resolveAfterMs of normal evaluations; a breach meanwhile keeps it open', () => {
    const { engine } = new AnomalyEngineWithHistory();
    evaluate(engine, 60, spike);
    const calm = normal(60);
    const out: AnomalyTransition[] = [];
    for (let s = 1; s <= 30; s++) out.push(...evaluate(engine, 60, calm, 7 * S + s * S));
    // Flapping: breaching again at +31 s restarts the countdown.
    out.push(...evaluate(engine, 60, spike, 38 * S));
    for (let s = 32; s <= 91; s++) out.push(...evaluate(engine, 60, calm, 7 * S + s * S));
    assert.deepEqual(out, []);
    const [resolved] = evaluate(engine, 60, calm, 99 * S);
    assert.equal(resolved!.action, 'resolve');
    assert.equal(resolved!.last_seen_ms, judgedAt(60, 38 * S));
    assert.equal(resolved!.resolved_ms, judgedAt(60, 99 * S));
    assert.equal(resolved!.actual, 400, 'reports the last breaching values');
    assert.deepEqual(engine.state(KEY)!.open, []);
  });

  it('forgets a series with no minute in the last historyMinutes and resolves its anomalies', () => {
    const engine = new AnomalyEngine();
    history(engine, 0, 60);
    history(engine, 0, 60, OTHER);
    assert.deepEqual(summary(engine.evaluate(judgedAt(60), [row(60, normal(60), OTHER)])), [
      'open event_drop',
    ]);
    history(engine, 60, 121, OTHER);
    const out = engine.evaluate(judgedAt(121), [row(121, normal(121), OTHER)]);
    assert.deepEqual(summary(out), ['resolve event_drop']);
    assert.equal(engine.state(KEY), undefined);
    assert.equal(engine.seriesCount, 1);
  });
});

describe('AnomalyEngine: history', () => {
  it('rebuilds from seeded rollups and replaces a minute recorded twice', () => {
    const engine = new AnomalyEngine();
    engine.seedHistory(
      KEY,
      SERIES,
      Array.from({ length: 60 }, (_, i) => point(i, normal(i))),
    );
    engine.recordMinute(point(59, normal(59)));
    assert.equal(engine.state(KEY)!.minutes, 60);
    assert.equal(evaluate(engine, 60, { ...normal(60), events: 400 })[0]!.kind, 'event_spike');
  });

  it('keeps at most historyMinutes + 1 minutes', () => {
    const engine = new AnomalyEngine({ historyMinutes: 30, warmupMinutes: 10 });
    history(engine, 0, 100);
    assert.equal(engine.state(KEY)!.minutes, 31);
  });

  it('prefers a seasonal baseline with enough points, even before warm-up', () => {
    const calls: [string, string, number][] = [];
    const provider: SeasonalProvider = {
      values(key, metric, atMs) {
        calls.push([key, metric, atMs]);
        return metric === 'events_per_min' ? [300, 310, 290, 305, 295] : undefined;
      },
    };
    const engine = new AnomalyEngine({}, provider);
    history(engine, 0, 5);
    // 100 events where 300 is usual at this time of day: a drop, judged on the seasonal baseline.
    const [t] = evaluate(engine, 5, normal(5));
    assert.deepEqual([t!.kind, t!.baseline, t!.expected], ['event_drop', 'seasonal', 300]);
    assert.ok(calls.some(([k, m, at]) => k === KEY && m === 'events_per_min' && at === T + 5 * M));
    // Asked once per minute and metric, not once per second.
    const before = calls.length;
    evaluate(engine, 5, normal(5), 8 * S);
    assert.equal(calls.length, before);
  });
});

describe('AnomalyEngine: options', () => {
  it('validates with every invalid field named', () => {
    assert.throws(
      () => new AnomalyEngine({ sensitivity: 0, warmupMinutes: 90, kinds: ['nope' as never] }),
      (err: unknown) =>
        err instanceof ValidationError &&
        ['sensitivity', 'kinds.0'].every((f) => err.details.some((d) => d.field === f)),
    );
    assert.throws(() => new AnomalyEngine({ warmupMinutes: 90 }), /warmupMinutes/);
    assert.throws(() => new AnomalyEngine({ extra: 1 } as never), ValidationError);
    const o = new AnomalyEngine().options;
    assert.deepEqual(
      [o.sensitivity, o.historyMinutes, o.warmupMinutes, o.seasonalMinPoints, o.minVolume],
      [4, 60, 15, 3, 20],
    );
    assert.deepEqual([o.minErrors, o.minLatencySamples, o.resolveAfterMs], [5, 20, 60_000]);
  });

  it('detects only the kinds asked for', () => {
    const { engine } = new AnomalyEngineWithHistory({ kinds: ['event_drop'] });
    assert.deepEqual(evaluate(engine, 60, { ...normal(60), events: 400 }), []);
  });
});
