import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import {
  normalizeEvents,
  type EventEnvelope,
  type LiveStatsUpdate,
  type SeriesRef,
} from '@fleetscope/domain';
import { LiveClient } from './live-client';

/** A socket stand-in whose buffered byte count the test controls (unit: not the transport). */
class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: Record<string, unknown>[] = [];
  send(text: string) {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
}

const ev = (session: string, type = 'x', project = 'default'): EventEnvelope =>
  normalizeEvents(
    { app: 'a', event_type: type, session_id: session, payload: {} },
    {
      projectId: project,
      receivedAt: new Date(),
      maxEventBytes: 1 << 20,
    },
  ).events[0]!;

describe('LiveClient', () => {
  it('sends only events matching a subscription and the caller’s project', () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.principal = { projectId: 'default', keyId: null, scopes: [] };
    c.subscriptions.set('s1', { filter: { session_id: 'keep' }, channels: new Set(['events']) });
    c.deliver([ev('keep'), ev('drop'), ev('keep', 'x', 'other-project')]);
    assert.equal(s.sent.length, 1);
    assert.equal(s.sent[0]!.subscription, 's1');
  });

  it('drops while the socket is backed up, then says how many it skipped', () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.principal = { projectId: 'default', keyId: null, scopes: [] };
    c.subscriptions.set('all', { filter: {}, channels: new Set(['events']) });
    c.deliver([ev('a')]);
    s.bufferedAmount = 5000;
    c.deliver([ev('a'), ev('a'), ev('a')]);
    assert.equal(s.sent.length, 1, 'nothing queued beyond the bound');
    s.bufferedAmount = 0;
    c.deliver([ev('a')]);
    assert.deepEqual(
      s.sent.map((m) => m.type),
      ['event', 'lagged', 'event'],
    );
    assert.equal(s.sent[1]!.dropped, 3);
    assert.ok(s.sent[1]!.resume_from);
  });

  it('sends nothing before authentication', () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.subscriptions.set('all', { filter: {}, channels: new Set(['events']) });
    c.deliver([ev('a')]);
    assert.equal(s.sent.length, 0);
  });
});

describe('LiveClient: stats and anomaly updates', () => {
  const window = {
    window: '1m',
    events: 5,
    errors: 1,
    error_rate: 0.2,
    events_per_min: 5,
    p50_ms: null,
    p95_ms: null,
    input_tokens: 0,
    output_tokens: 0,
    tokens_per_min: 0,
    cost_usd: 0,
    cost_per_min: 0,
  };
  const view = (series: SeriesRef) => ({
    key: JSON.stringify(series),
    series,
    last_event_ts: null,
    windows: [window],
  });
  const stats = (project = 'default'): LiveStatsUpdate => ({
    type: 'stats',
    project_id: project,
    source: 'w1',
    at: '2026-01-02T03:04:05.000Z',
    watermark: '2026-01-02T03:04:00.000Z',
    late_events: 2,
    series: [
      view({ level: 'project', project_id: project }),
      view({ level: 'app', project_id: project, app: 'planner' }),
      view({ level: 'app', project_id: project, app: 'coder' }),
      view({ level: 'agent', project_id: project, app: 'planner', agent_id: 'p1' }),
      view({ level: 'session', project_id: project, app: 'planner', session_id: 's1' }),
    ],
  });
  const client = () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.principal = { projectId: 'default', keyId: null, scopes: [] };
    return { s, c };
  };
  const levels = (m: Record<string, unknown>) =>
    (m.data as { series: { key: string }[] }).series.map((x) => x.key);

  it('sends stats only to subscriptions of the stats channel, narrowed by their filter', () => {
    const { s, c } = client();
    c.subscriptions.set('ev', { filter: {}, channels: new Set(['events']) });
    c.subscriptions.set('all', { filter: {}, channels: new Set(['stats']) });
    c.subscriptions.set('plan', { filter: { app: 'planner' }, channels: new Set(['stats']) });
    c.subscriptions.set('sess', { filter: { session_id: 's1' }, channels: new Set(['stats']) });
    c.deliverUpdate(stats());
    assert.deepEqual(
      s.sent.map((m) => m.subscription),
      ['all', 'plan', 'sess'],
    );
    const [all, plan, sess] = s.sent;
    assert.equal(levels(all!).length, 4, 'no session series without a session filter');
    assert.deepEqual(levels(plan!), [
      JSON.stringify({ level: 'app', project_id: 'default', app: 'planner' }),
      JSON.stringify({ level: 'agent', project_id: 'default', app: 'planner', agent_id: 'p1' }),
    ]);
    assert.equal(levels(sess!).length, 1);
    assert.equal((all!.data as { late_events: number }).late_events, 2);
  });

  it('never sends another project’s updates, and anomalies only to the anomalies channel', () => {
    const { s, c } = client();
    c.subscriptions.set('st', { filter: {}, channels: new Set(['stats']) });
    c.subscriptions.set('an', { filter: { app: 'planner' }, channels: new Set(['anomalies']) });
    c.deliverUpdate(stats('other'));
    assert.equal(s.sent.length, 0);
    const anomaly = {
      id: 'a1',
      project_id: 'default',
      series_key: 'k',
      level: 'app',
      app: 'planner',
      agent_id: null,
      session_id: null,
      kind: 'event_spike',
      metric: 'events_per_min',
      window: '1m',
      baseline: 'recent',
      actual: 400,
      expected: 30,
      lower_bound: 10,
      upper_bound: 50,
      score: 20,
      severity: 'critical',
      status: 'open' as const,
      first_seen: '2026-01-02T03:04:05.000Z',
      last_seen: '2026-01-02T03:04:05.000Z',
      resolved_at: null,
    };
    c.deliverUpdate({ type: 'anomaly', project_id: 'default', action: 'open', anomaly });
    c.deliverUpdate({
      type: 'anomaly',
      project_id: 'default',
      action: 'open',
      anomaly: { ...anomaly, app: 'coder' },
    });
    assert.deepEqual(
      s.sent.map((m) => [m.type, m.subscription, m.action]),
      [['anomaly', 'an', 'open']],
    );
  });
});
