import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { detect, severityOf, summarizeHistory } from './anomaly-detector';
import type { MinuteValues } from './anomaly-kinds';
import { parseAnomalyOptions } from './anomaly-options.schema';

const o = parseAnomalyOptions();

const minute = (over: Partial<MinuteValues> = {}): MinuteValues => ({
  events: 100,
  errors: 1,
  p95_ms: 1000,
  latency_samples: 50,
  tokens: 10_000,
  cost_usd: 0.1,
  ...over,
});

describe('summarizeHistory', () => {
  it('pools the usual shares, leaving out minutes that were outliers themselves', () => {
    const history = [
      ...Array.from({ length: 50 }, () => minute()),
      // A past error burst must not make 40 % errors look usual.
      ...Array.from({ length: 10 }, () => minute({ errors: 40 })),
    ];
    const s = summarizeHistory(history, o);
    assert.equal(s.minutes, 60);
    assert.equal(s.errorsPerEvent, 0.01);
    assert.equal(s.tokensPerEvent, 100);
    assert.ok(Math.abs(s.costPerToken! - 1e-5) < 1e-15);
    assert.equal(s.recent.errors_per_min!.median, 1);
    assert.deepEqual(s.lastClosed, minute({ errors: 40 }));
  });

  it('keeps p95 only from minutes with enough durations', () => {
    const history = Array.from({ length: 30 }, (_, i) =>
      minute({ p95_ms: i < 20 ? 50_000 : 1000, latency_samples: i < 20 ? 5 : 50 }),
    );
    const s = summarizeHistory(history, o);
    assert.equal(s.recent.p95_ms, null, '10 valid minutes < warm-up');
    assert.equal(detect('latency_spike', minute({ p95_ms: 9000 }), s, null, o).status, 'skipped');
  });
});

describe('detect', () => {
  const steady = summarizeHistory(
    Array.from({ length: 60 }, () => minute()),
    o,
  );

  it('is warming up without enough minutes or seasonal points', () => {
    const young = summarizeHistory([minute(), minute()], o);
    assert.deepEqual(detect('event_spike', minute({ events: 900 }), young, null, o), {
      status: 'warming_up',
    });
  });

  it('says why a minute was not judged', () => {
    const d = detect('error_spike', minute({ errors: 4 }), steady, null, o);
    assert.deepEqual(d, { status: 'skipped', reason: 'errors below minErrors' });
    const burn = detect('token_burn', minute({ events: 9, tokens: 90_000 }), steady, null, o);
    assert.deepEqual(burn, { status: 'skipped', reason: 'events below minBurnEvents' });
  });

  it('explains effects by their cause unless told not to', () => {
    const spike = minute({ events: 500, errors: 5, tokens: 50_000, cost_usd: 0.5 });
    for (const kind of ['error_spike', 'token_burn', 'cost_burn'] as const) {
      const d = detect(kind, spike, steady, null, o);
      assert.equal(d.status === 'judged' && d.breaching, false, kind);
    }
    const raw = parseAnomalyOptions({ explainByVolume: false });
    const plain = summarizeHistory(
      Array.from({ length: 60 }, () => minute()),
      raw,
    );
    const d = detect('token_burn', spike, plain, null, raw);
    assert.equal(d.status === 'judged' && d.breaching, true);
  });
});

describe('severityOf', () => {
  it('grades the score in units of the threshold; silence is critical', () => {
    assert.deepEqual(
      [4, 5.99, 6, 7.99, 8].map((s) => severityOf(s, 4, false)),
      ['warning', 'warning', 'high', 'high', 'critical'],
    );
    assert.equal(severityOf(4.1, 4, true), 'critical');
  });
});
