import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LivePosition, sampleEnvelope, type EventEnvelope } from '@fleetscope/domain';
import { EventsRepository } from './events.repository';
import { migrate } from './migrator';
import { PgliteSqlClient } from './pglite-sql-client';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, ms)).toISOString();

/** listAfterCursor: what a resuming live subscription missed, in stream order. */
describe('EventsRepository.listAfterCursor on embedded TimescaleDB', () => {
  let db: PgliteSqlClient;
  const repo = new EventsRepository();
  // Three requests: one at ms 1 (a batch of 30), two in the same ms 2, and one at ms 3.
  const events: EventEnvelope[] = [
    ...Array.from({ length: 30 }, (_, n) =>
      sampleEnvelope({
        // Long ids: a cursor lists at most ~560 characters of them, then takes the prefix form.
        id: `batch-${String(n).padStart(2, '0')}-${'x'.repeat(40)}`,
        project_id: 'p',
        received_at: at(1),
        ts: at(-1000 + n),
        app: n % 2 ? 'odd' : 'even',
      }),
    ),
    sampleEnvelope({ id: 'z-first', project_id: 'p', received_at: at(2), ts: at(0) }),
    sampleEnvelope({ id: 'a-second', project_id: 'p', received_at: at(2), ts: at(0) }),
    sampleEnvelope({ id: 'last', project_id: 'p', received_at: at(3), ts: at(-5000) }),
    sampleEnvelope({ id: 'other', project_id: 'q', received_at: at(3), ts: at(0) }),
  ];
  const ids = (rows: EventEnvelope[]) => rows.map((e) => e.id);

  before(async () => {
    db = await PgliteSqlClient.open();
    await migrate(db);
    await db.transaction((tx) => repo.insertBatch(tx, events));
  });
  after(async () => db.close());

  it('resumes after an exact set of ids delivered in the same millisecond', async () => {
    // The client got z-first (delivered before a-second, out of id order) and disconnected.
    const p = new LivePosition();
    p.advance(events[30]!);
    const rows = await repo.listAfterCursor(db, 'p', {}, p.value!, 100);
    assert.deepEqual(ids(rows), ['a-second', 'last']);
  });

  it('resumes after a prefix of a large batch, in (received_at, ts, id) order', async () => {
    const p = new LivePosition();
    for (const e of events.slice(0, 20)) p.advance(e);
    assert.equal(p.value!.s, undefined, 'prefix form');
    const rows = await repo.listAfterCursor(db, 'p', {}, p.value!, 100);
    assert.deepEqual(ids(rows), [
      ...events.slice(20, 30).map((e) => e.id),
      'a-second',
      'z-first',
      'last',
    ]);
  });

  it('applies the subscription filter and the limit, and counts what is left', async () => {
    const start = { r: at(0), t: at(0), i: 'x', s: ['x'] };
    const odd = await repo.listAfterCursor(db, 'p', { app: 'odd' }, start, 5);
    assert.equal(odd.length, 5);
    assert.ok(odd.every((e) => e.app === 'odd'));
    assert.equal(await repo.countAfterCursor(db, 'p', { app: ['odd'] }, start, 100), 15);
    assert.equal(await repo.countAfterCursor(db, 'p', {}, start, 10), 10, 'capped');
    assert.deepEqual(await repo.listAfterCursor(db, 'p', { project_id: 'q' }, start, 5), []);
  });
});
