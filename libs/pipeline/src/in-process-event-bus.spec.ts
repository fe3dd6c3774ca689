import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migrate, PgliteSqlClient } from '@fleetscope/db';
import {
  BackpressureError,
  normalizeEvents,
  ValidationError,
  type EventEnvelope,
} from '@fleetscope/domain';
import { EventPipeline } from './event-pipeline';
import { LiveHub } from './event-bus.port';
import { InProcessEventBus } from './in-process-event-bus';

const events = (n: number, session: string): EventEnvelope[] =>
  normalizeEvents(
    Array.from({ length: n }, (_, i) => ({
      app: 'bus',
      event_type: 'x',
      session_id: session,
      payload: { i },
    })),
    { projectId: 'default', receivedAt: new Date(), maxEventBytes: 1 << 20 },
  ).events;

// Runs on the real embedded database (in memory): the bus's promise is about commits.
describe('InProcessEventBus', () => {
  let db: PgliteSqlClient;
  before(async () => {
    db = await PgliteSqlClient.open();
    await migrate(db);
  });
  after(async () => db.close());

  it('resolves publish only after the events are committed, grouping concurrent publishes', async () => {
    const live = new LiveHub();
    const seen: string[] = [];
    live.subscribe((batch) => seen.push(...batch.map((e) => e.id)));
    const bus = new InProcessEventBus(db, new EventPipeline(), live, {
      maxBatchEvents: 1000,
      maxPendingEvents: 10_000,
    });
    const batches = Array.from({ length: 20 }, (_, i) => events(10, `g-${i}`));
    await Promise.all(batches.map((b) => bus.publish(b)));
    const n = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE session_id LIKE 'g-%'",
    );
    assert.equal(n.rows[0]!.n, 200);
    assert.ok(
      bus.committedBatches < 20,
      `group commit: ${bus.committedBatches} transactions for 20 publishes`,
    );
    assert.equal(seen.length, 200, 'live listeners hear every committed event');
    await bus.close();
  });

  it('groups publishes that arrive in separate callbacks of one event-loop turn', async () => {
    // Requests are parsed in separate I/O callbacks; the embedded database then blocks the
    // thread while it commits. Publishes made from separate timer callbacks of one turn must
    // still share a commit (a flush started at the first publish committed it alone).
    const bus = new InProcessEventBus(db, new EventPipeline(), new LiveHub(), {
      maxBatchEvents: 1000,
      maxPendingEvents: 10_000,
    });
    const published = await new Promise<Promise<void>[]>((resolve) => {
      const out: Promise<void>[] = [];
      for (let i = 0; i < 16; i++) {
        setTimeout(() => {
          out.push(bus.publish(events(1, `turn-${i}`)));
          if (out.length === 16) resolve(out);
        }, 0);
      }
    });
    await Promise.all(published);
    assert.equal(bus.committedBatches, 1, `${bus.committedBatches} commits for one turn`);
    await bus.close();
  });

  it('refuses with BackpressureError (429) instead of queueing without bound', async () => {
    const bus = new InProcessEventBus(db, new EventPipeline(), new LiveHub(), {
      maxBatchEvents: 1000,
      maxPendingEvents: 15,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => bus.publish(events(10, `bp-${i}`))),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    assert.ok(refused.length >= 1);
    for (const r of refused) assert.ok(r.reason instanceof BackpressureError);
    const stored = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE session_id LIKE 'bp-%'",
    );
    assert.equal(
      stored.rows[0]!.n,
      (5 - refused.length) * 10,
      'refused events are not stored: nothing silent',
    );
    await bus.close();
  });

  it('fails only the request whose event the database refuses; the rest of the group commits', async () => {
    const bus = new InProcessEventBus(db, new EventPipeline(), new LiveHub(), {
      maxBatchEvents: 1000,
      maxPendingEvents: 10_000,
    });
    const good = events(3, 'iso-good');
    const bad = events(1, 'iso-bad').map((e) => ({ ...e, payload: { text: 'nul \u0000 byte' } }));
    const [a, b, c] = await Promise.allSettled([
      bus.publish(good.slice(0, 2)),
      bus.publish(bad),
      bus.publish(good.slice(2)),
    ]);
    assert.equal(a.status, 'fulfilled');
    assert.equal(c.status, 'fulfilled');
    assert.equal(b.status, 'rejected');
    assert.ok(b.reason instanceof ValidationError);
    const n = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE session_id IN ('iso-good', 'iso-bad')",
    );
    assert.equal(n.rows[0]!.n, 3);
    await bus.close();
  });
});
