import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HitlRequestsRepository, migrate, PgliteSqlClient } from '@fleetscope/db';
import { sampleEnvelope, type EventEnvelope } from '@fleetscope/domain';
import { EventPipeline } from './event-pipeline';

const RECEIVED = '2026-03-01T10:00:00.000Z';
const asks = (id: string, over: Partial<EventEnvelope> = {}): EventEnvelope =>
  sampleEnvelope({
    id,
    project_id: 'p1',
    received_at: RECEIVED,
    ts: RECEIVED,
    app: 'hitl-app',
    session_id: 's1',
    event_type: 'HumanInTheLoop',
    attributes: {
      humanInTheLoop: {
        question: `allow ${id}?`,
        type: 'permission',
        timeout: 60,
        responseWebSocketUrl: 'ws://localhost:1',
      },
    },
    ...over,
  });
const at = (ms: number) => new Date(Date.parse(RECEIVED) + ms);

/** The pipeline opens HITL requests in its transaction, from new events only; answers once. */
describe('event pipeline: HITL requests', () => {
  let db: PgliteSqlClient;
  const pipeline = new EventPipeline();
  const repo = new HitlRequestsRepository();

  before(async () => {
    db = await PgliteSqlClient.open();
    await migrate(db);
  });
  after(async () => db.close());

  it('opens one request per new HITL event, none for other events or replays', async () => {
    const batch = [asks('h1'), sampleEnvelope({ id: 'plain', project_id: 'p1' }), asks('h2')];
    await db.transaction((tx) => pipeline.process(tx, batch));
    const first = await repo.list(db, { projectId: 'p1', limit: 10 }, at(1000));
    assert.deepEqual(first.map((r) => r.id).sort(), ['h1', 'h2']);
    const h1 = first.find((r) => r.id === 'h1')!;
    assert.equal(h1.status, 'pending');
    assert.equal(h1.type, 'permission');
    assert.equal(h1.question, 'allow h1?');
    assert.equal(h1.expires_at, at(60_000).toISOString());

    // Answer, then replay the batch: the answer stays, nothing is duplicated.
    const answered = await repo.answer(
      db,
      'p1',
      'h1',
      { permission: true, respondedAt: at(2000).getTime(), respondedBy: 'k1' },
      at(2000),
    );
    assert.ok(!('reason' in answered));
    assert.equal(answered.status, 'responded');
    const replay = await db.transaction((tx) => pipeline.process(tx, batch));
    assert.equal(replay.inserted, 0);
    const again = await repo.get(db, 'p1', 'h1', at(3000));
    assert.equal(again?.status, 'responded');
    assert.deepEqual(again?.response, {
      permission: true,
      respondedAt: at(2000).getTime(),
      respondedBy: 'k1',
    });
    assert.equal(again?.responded_by, 'k1');
    assert.equal((await repo.list(db, { projectId: 'p1', limit: 10 }, at(3000))).length, 2);
  });

  it('a second answer is refused with the current state; other projects see nothing', async () => {
    const second = await repo.answer(
      db,
      'p1',
      'h1',
      { permission: false, respondedAt: 0, respondedBy: null },
      at(4000),
    );
    assert.ok('reason' in second && second.reason === 'closed');
    assert.equal(second.request.status, 'responded');
    assert.deepEqual(
      await repo.answer(
        db,
        'p2',
        'h2',
        { permission: true, respondedAt: 0, respondedBy: null },
        at(4000),
      ),
      { reason: 'missing' },
    );
    assert.equal(await repo.get(db, 'p2', 'h1'), null);
  });

  it('a pending request past its expiry reads as timeout and can no longer be answered', async () => {
    const late = await repo.answer(
      db,
      'p1',
      'h2',
      { permission: true, respondedAt: 0, respondedBy: null },
      at(61_000),
    );
    assert.ok('reason' in late && late.reason === 'closed');
    assert.equal(late.request.status, 'timeout');
    const byStatus = await repo.list(db, { projectId: 'p1', status: 'timeout', limit: 10 });
    assert.deepEqual(
      byStatus.map((r) => r.id),
      ['h2'],
    );
  });

  it('lists newest first, filtered by session and app; choices round-trip', async () => {
    const later = new Date(Date.now() + 1000).toISOString();
    await db.transaction((tx) =>
      pipeline.process(tx, [
        asks('c1', {
          session_id: 's2',
          received_at: later,
          attributes: {
            humanInTheLoop: { question: 'pick', type: 'choice', choices: ['a', 'b'], timeout: 30 },
          },
        }),
      ]),
    );
    const s2 = await repo.list(db, { projectId: 'p1', sessionId: 's2', limit: 10 });
    assert.deepEqual(
      s2.map((r) => [r.id, r.choices]),
      [['c1', ['a', 'b']]],
    );
    const all = await repo.list(db, { projectId: 'p1', app: 'hitl-app', limit: 10 });
    assert.equal(all[0]?.id, 'c1');
    assert.equal((await repo.list(db, { projectId: 'p1', app: 'other', limit: 10 })).length, 0);
    const cancelled = await repo.cancel(db, 'p1', 'c1', new Date());
    assert.ok(!('reason' in cancelled) && cancelled.status === 'cancelled');
  });
});
