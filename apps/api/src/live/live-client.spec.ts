import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import {
  decodeLiveCursor,
  normalizeEvents,
  sampleEnvelope,
  type EventEnvelope,
  type LiveStatsUpdate,
  type SeriesRef,
} from '@fleetscope/domain';
import { LiveClient, MAX_HELD_EVENTS } from './live-client';

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
    c.subscribe('s1', { session_id: 'keep' }, new Set(['events']));
    c.deliver([ev('keep'), ev('drop'), ev('keep', 'x', 'other-project')]);
    assert.equal(s.sent.length, 1);
    assert.equal(s.sent[0]!.subscription, 's1');
  });

  it('drops while the socket is backed up, then says how many it skipped', () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.principal = { projectId: 'default', keyId: null, scopes: [] };
    c.subscribe('all', {}, new Set(['events']));
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
    assert.equal(s.sent[1]!.reason, 'slow_client');
    assert.equal(s.sent[1]!.resume_from, s.sent[0]!.cursor, 'the position before the gap');
  });

  it('gives every event the cursor of its position, per subscription', () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.principal = { projectId: 'default', keyId: null, scopes: [] };
    c.subscribe('all', {}, new Set(['events']));
    c.subscribe('a', { session_id: 'a' }, new Set(['events']));
    // Received in the same millisecond: the cursor lists both ids.
    const [e1, e2] = [
      sampleEnvelope({ id: 'e1', project_id: 'default', session_id: 'a' }),
      sampleEnvelope({ id: 'e2', project_id: 'default', session_id: 'b' }),
    ];
    c.deliver([e1, e2]);
    assert.deepEqual(
      s.sent.map((m) => [m.subscription, (m.data as EventEnvelope).id]),
      [
        ['all', e1.id],
        ['a', e1.id],
        ['all', e2.id],
      ],
    );
    assert.deepEqual(decodeLiveCursor(s.sent[2]!.cursor as string)?.s, [e1.id, e2.id]);
    assert.deepEqual(decodeLiveCursor(s.sent[1]!.cursor as string)?.s, [e1.id]);
  });

  it('sends nothing before authentication', () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.subscribe('all', {}, new Set(['events']));
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
    c.subscribe('ev', {}, new Set(['events']));
    c.subscribe('all', {}, new Set(['stats']));
    c.subscribe('plan', { app: 'planner' }, new Set(['stats']));
    c.subscribe('sess', { session_id: 's1' }, new Set(['stats']));
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
    c.subscribe('st', {}, new Set(['stats']));
    c.subscribe('an', { app: 'planner' }, new Set(['anomalies']));
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

describe('LiveClient: resuming from a cursor', () => {
  const at = (ms: number, id: string): EventEnvelope =>
    sampleEnvelope({
      id,
      project_id: 'default',
      received_at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, ms)).toISOString(),
    });
  const setup = () => {
    const s = new FakeSocket();
    const c = new LiveClient(s as unknown as WebSocket, 1000);
    c.principal = { projectId: 'default', keyId: null, scopes: [] };
    const start = { r: at(0, 'x').received_at, t: at(0, 'x').ts, i: 'x', s: ['x'] };
    const sub = c.subscribe('r', {}, new Set(['events']), start);
    return { s, c, sub };
  };
  const ids = (s: FakeSocket) =>
    s.sent.filter((m) => m.type === 'event').map((m) => [(m.data as EventEnvelope).id, m.replay]);

  it('holds live events during the replay, then sends those the replay did not', () => {
    const { s, c, sub } = setup();
    // Committed before the replay's read but fanned out after the subscribe: in both.
    c.deliver([at(1, 'both'), at(2, 'live-only')]);
    assert.equal(s.sent.length, 0, 'nothing live before the replay');
    const replayed = c.replay('r', sub, [at(1, 'stored-only'), at(1, 'both')]);
    c.goLive('r', sub, replayed);
    c.deliver([at(3, 'after')]);
    assert.deepEqual(ids(s), [
      ['stored-only', true],
      ['both', true],
      ['live-only', undefined],
      ['after', undefined],
    ]);
    const last = decodeLiveCursor(s.sent.at(-1)!.cursor as string)!;
    assert.equal(last.r, at(3, 'after').received_at);
  });

  it('pauses when too many live events pile up behind the replay, with the cursor to resume from', () => {
    const { s, c, sub } = setup();
    c.deliver(Array.from({ length: MAX_HELD_EVENTS + 5 }, (_, n) => at(2, `h${n}`)));
    assert.equal(sub.heldOverflow, 5);
    c.replay('r', sub, [at(1, 'stored')]);
    c.pause('r', sub, MAX_HELD_EVENTS + 5);
    c.deliver([at(3, 'ignored')]);
    assert.deepEqual(ids(s), [['stored', true]]);
    const lagged = s.sent.at(-1)!;
    assert.equal(lagged.type, 'lagged');
    assert.equal(lagged.reason, 'replay_limit');
    assert.equal(lagged.resume_from, s.sent[0]!.cursor);
  });
});
