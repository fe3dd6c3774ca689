import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterFixture, type ClusterFixture } from '../support/cluster';
import { queryOne } from '../support/database';
import { startApi, startWorkers, waitFor, waitReady, type Proc } from '../support/processes';

const metric = (text: string, name: string, outcome: string): number => {
  const m = new RegExp(`^${name}\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

/**
 * Effectively-once under kill -9: a worker is killed mid-stream with no chance to flush or
 * commit anything; its replacement resumes from the offsets committed WITH the data, so it
 * re-inserts nothing (0 duplicates) and stores exactly the rest, and the rollups and session
 * summaries built in the same transactions stay exact.
 */
describe('cluster: exactly once under kill -9 of a worker', () => {
  let fx: ClusterFixture;
  let api: Proc;
  let workers: Proc | undefined;
  let env: Record<string, string>;
  let base: string;
  let db: { url: string };
  let prefix: string;
  let kafka: ClusterFixture['kafka'];

  before(async () => {
    fx = await clusterFixture({
      KAFKA_EVENTS_PARTITIONS: '6',
      // Small batches: many transactions, so the kill lands between and inside them.
      WORKER_BATCH_SIZE: '100',
    });
    ({ env, base, prefix, kafka } = fx);
    db = { url: fx.dbUrl };
    api = startApi(env);
    await waitReady(`${base}/ready`, api, 90_000);
  });

  after(async () => {
    await workers?.stop();
    await api?.stop();
    await fx?.dispose();
  });

  const count = async () =>
    Number((await queryOne<{ n: string }>(db.url, 'SELECT count(*) AS n FROM events')).n);

  it('stores every event exactly once although the worker was SIGKILLed mid-stream', async () => {
    const total = 30_000;
    // Produce everything first (no worker running), so the worker has a backlog to chew on.
    for (let start = 0; start < total; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) => ({
        app: `agent-${(start + j) % 7}`,
        event_type: (start + j) % 10 === 0 ? 'error' : 'tool_use',
        session_id: `s-${(start + j) % 97}`,
        payload: { i: start + j },
      }));
      const r = await fetch(`${base}/events/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      assert.equal(r.status, 202);
    }

    workers = startWorkers(env);
    await waitFor(
      'the first worker to store part of the backlog',
      async () => {
        const n = await count();
        return n > total * 0.15 ? n : undefined;
      },
      120_000,
      20,
    );
    await workers.kill9();
    const atKill = await count();
    assert.ok(atKill < total, `the kill must land mid-stream (stored ${atKill} of ${total})`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await count(), atKill, 'nothing is written after the kill');

    workers = startWorkers(env);
    await waitReady(`http://127.0.0.1:${env.WORKER_METRICS_PORT}/ready`, workers, 90_000);
    await waitFor(
      'the backlog to be fully stored',
      async () => (await count()) === total,
      120_000,
      200,
    );

    const distinct = await queryOne<{ n: string }>(
      db.url,
      'SELECT count(DISTINCT id) AS n FROM events',
    );
    assert.equal(Number(distinct.n), total);

    const text = await (await fetch(`http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics`)).text();
    const inserted = metric(text, 'fleetscope_worker_messages_total', 'inserted');
    const duplicates = metric(text, 'fleetscope_worker_messages_total', 'duplicate');
    assert.equal(
      duplicates,
      0,
      'the second worker re-applied nothing: offsets were committed with the data',
    );
    assert.equal(inserted, total - atKill);

    // The stored offsets cover the topic exactly: their sum is the number of messages.
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(`${prefix}fleetscope.events.v1`);
    await admin.disconnect();
    const high = offsets.reduce((s, o) => s + Number(o.high), 0);
    const stored = await queryOne<{ n: string }>(
      db.url,
      'SELECT sum(next_offset) AS n FROM consumer_offsets WHERE group_id = $1',
      [env.WORKER_GROUP_ID],
    );
    assert.equal(high, total);
    assert.equal(Number(stored.n), total);

    // The aggregates are exact too: rollups and session summaries count each event once.
    const r = await fetch(`${base}/analytics`);
    assert.equal(r.status, 200);
    const analytics = (await r.json()) as {
      overview: Record<string, number>;
      performance: { app: string; event_count: number; error_count: number }[];
    };
    assert.equal(analytics.overview.total_events, total);
    assert.equal(analytics.overview.error_count, total / 10);
    assert.equal(analytics.overview.unique_apps, 7);
    for (const p of analytics.performance) {
      const k = Number(p.app.split('-')[1]);
      const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % 7 === k);
      assert.equal(p.event_count, expected.length, `${p.app} events`);
      assert.equal(p.error_count, expected.filter((i) => i % 10 === 0).length, `${p.app} errors`);
    }
    const sessions = await queryOne<{ n: string; events: string }>(
      db.url,
      'SELECT count(*) AS n, sum(events) AS events FROM sessions',
    );
    assert.equal(Number(sessions.n), 97);
    assert.equal(Number(sessions.events), total);
  });
});
