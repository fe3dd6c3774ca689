import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alertRuleInputSchema, normalizeAlertRule, type AlertRuleInput } from '@fleetscope/domain';
import {
  AlertEvaluator,
  fingerprintOf,
  type AlertEventInput,
  type EvaluatedRule,
} from './alert-evaluator';

const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

function rule(id: string, body: AlertRuleInput): EvaluatedRule {
  return { id, project_id: 'p', ...normalizeAlertRule(alertRuleInputSchema.parse(body)) };
}

function ev(atMs: number, over: Partial<AlertEventInput> = {}): AlertEventInput {
  return {
    project_id: 'p',
    app: 'a',
    agent_id: null,
    session_id: 's',
    event_type: 'step',
    model: null,
    tags: null,
    ts: new Date(atMs).toISOString(),
    severity: 1,
    status: null,
    duration_ms: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    ...over,
  };
}

const actions = (ts: { action: string }[]) => ts.map((t) => t.action);

describe('AlertEvaluator', () => {
  it('fires the seed rule once, repeats per repeat_interval, stops repeating when acknowledged, resolves with hysteresis', () => {
    const e = new AlertEvaluator();
    e.setRules(
      [
        rule('r1', {
          name: 'high_error_rate',
          condition: 'error_rate',
          threshold: 0.1,
          window: '5m',
          enabled: true,
          repeat_interval: '10m',
        }),
      ],
      T0,
    );
    // 10 events a second, half of them errors, for 1,300 s; then healthy traffic. One
    // evaluation a second, as the workers run it: 13,000 breaching events in all.
    const fp = fingerprintOf('r1', '{}');
    const seen: [string, number][] = [];
    for (let s = 0; s < 2000; s++) {
      const now = T0 + s * 1000;
      for (let i = 0; i < 10; i++) {
        const error = s < 1300 && i % 2 === 1;
        e.observe(ev(now, { event_type: error ? 'error' : 'step', severity: error ? 3 : 1 }), now);
      }
      if (s === 700) assert.equal(e.acknowledge(fp), true);
      for (const t of e.evaluate(now)) seen.push([t.action, s]);
    }
    // Fires at once, repeats after 10 minutes, is acknowledged (no more repeats), and
    // resolves 150 s (half the window) after the 5-minute error rate fell to 10 % (t = 1540).
    assert.deepEqual(seen, [
      ['firing', 0],
      ['repeat', 600],
      ['resolved', 1690],
    ]);
    assert.equal(e.phaseOf(fp), 'inactive');
  });

  it('waits `for` before firing, and cancels a pending alert whose condition stops', () => {
    const e = new AlertEvaluator();
    e.setRules(
      [
        rule('r', {
          name: 'busy',
          condition: 'event_count',
          threshold: 5,
          window: '1m',
          for: '30s',
        }),
      ],
      T0,
    );
    for (let i = 0; i < 6; i++) e.observe(ev(T0 + i), T0 + i);
    assert.deepEqual(actions(e.evaluate(T0 + 1000)), ['pending']);
    assert.deepEqual(actions(e.evaluate(T0 + 20_000)), []);
    assert.deepEqual(actions(e.evaluate(T0 + 31_000)), ['firing']);
    const e2 = new AlertEvaluator();
    e2.setRules(
      [
        rule('r', {
          name: 'busy',
          condition: 'event_count',
          threshold: 5,
          window: '10s',
          for: '30s',
        }),
      ],
      T0,
    );
    for (let i = 0; i < 6; i++) e2.observe(ev(T0 + i), T0 + i);
    assert.deepEqual(actions(e2.evaluate(T0 + 1000)), ['pending']);
    assert.deepEqual(actions(e2.evaluate(T0 + 12_000)), ['cancelled'], 'the burst left the window');
  });

  it('keeps one state per group, filters events, and measures response-time percentiles', () => {
    const e = new AlertEvaluator();
    e.setRules(
      [
        rule('slow', {
          name: 'slow',
          condition: 'response_time',
          stat: 'p95',
          threshold: 1000,
          window: '1m',
          group_by: ['app'],
          filters: { event_type: 'llm_call' },
        }),
      ],
      T0,
    );
    for (let i = 0; i < 100; i++) {
      e.observe(ev(T0 + i, { app: 'fast', event_type: 'llm_call', duration_ms: 100 }), T0 + i);
      // p95 of "slow" is ~2000 ms; its tool events (filtered out) are quick.
      e.observe(
        ev(T0 + i, { app: 'slow', event_type: 'llm_call', duration_ms: i < 90 ? 200 : 2000 }),
        T0 + i,
      );
      e.observe(ev(T0 + i, { app: 'slow', event_type: 'tool', duration_ms: 1 }), T0 + i);
    }
    const t = e.evaluate(T0 + 1000);
    assert.deepEqual(
      t.map((x) => [x.action, x.group.app]),
      [['firing', 'slow']],
    );
    assert.ok(Math.abs(t[0]!.value! - 2000) / 2000 < 0.1, `p95 ${t[0]!.value}`);
  });

  it('fires on absence once a group has been silent for the window', () => {
    const e = new AlertEvaluator();
    e.setRules(
      [rule('quiet', { name: 'quiet', condition: 'absence', window: '2m', group_by: ['agent'] })],
      T0,
    );
    e.observe(ev(T0, { agent_id: 'a1' }), T0);
    e.observe(ev(T0, { agent_id: 'a2' }), T0);
    e.observe(ev(T0 + 100_000, { agent_id: 'a2' }), T0 + 100_000);
    assert.deepEqual(actions(e.evaluate(T0 + 60_000)), []);
    const t = e.evaluate(T0 + 121_000);
    assert.deepEqual(
      t.map((x) => [x.action, x.group.agent]),
      [['firing', 'a1']],
    );
    assert.equal(t[0]!.value, 121);
    // a1 speaks again: resolved after the hysteresis (60 s for a 2 m window).
    e.observe(ev(T0 + 130_000, { agent_id: 'a1' }), T0 + 130_000);
    assert.deepEqual(actions(e.evaluate(T0 + 131_000)), []);
    assert.deepEqual(
      e.evaluate(T0 + 191_000).map((x) => [x.action, x.group.agent]),
      [['resolved', 'a1']],
    );
  });

  it('alerts on open anomalies above a score, and ends alerts of an edited or removed rule', () => {
    const e = new AlertEvaluator();
    const r = rule('an', {
      name: 'anomalous',
      condition: 'anomaly',
      threshold: 6,
      group_by: ['app'],
      anomaly_kind: 'event_spike',
    });
    e.setRules([r], T0);
    const open = [
      { project_id: 'p', app: 'x', agent_id: null, kind: 'event_spike', score: 9 },
      { project_id: 'p', app: 'y', agent_id: null, kind: 'event_spike', score: 5 },
      { project_id: 'p', app: 'z', agent_id: null, kind: 'error_spike', score: 20 },
    ];
    assert.deepEqual(
      e.evaluate(T0, open).map((x) => [x.action, x.group.app, x.value]),
      [['firing', 'x', 9]],
    );
    assert.deepEqual(
      actions(e.setRules([{ ...r, threshold: 10 }], T0 + 1000)),
      ['resolved'],
      'an edited rule starts over',
    );
    assert.deepEqual(actions(e.setRules([], T0 + 2000)), [], 'nothing was firing any more');
  });
});
