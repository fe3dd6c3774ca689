import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { normalizeEvents, type EventEnvelope } from '@fleetscope/domain';
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
