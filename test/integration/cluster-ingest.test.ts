import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { clusterFixture, type ClusterFixture } from '../support/cluster';
import { queryOne } from '../support/database';
import { ROOT, uniq } from '../support/env';
import {
  freePort,
  startApi,
  startWorkers,
  waitFor,
  waitReady,
  type Proc,
} from '../support/processes';
import { WsProbe } from '../support/ws-client';

/**
 * Cluster mode on the real services: api → Kafka (node-rdkafka, acks=all) → workers →
 * PostgreSQL, and the api's live tail of the topic → WebSocket.
 * Each run gets its own database and topic prefix, so runs never see each other's data.
 */
describe('cluster: HTTP → Kafka → workers → PostgreSQL', () => {
  let fx: ClusterFixture;
  let db: { url: string };
  let api: Proc;
  let workers: Proc;
  let base: string;
  let port: number;
  let env: Record<string, string>;
  let prefix: string;
  let kafka: ClusterFixture['kafka'];

  before(async () => {
    fx = await clusterFixture({ KAFKA_EVENTS_PARTITIONS: '4' });
    ({ env, base, port, prefix, kafka } = fx);
    db = { url: fx.dbUrl };
    api = startApi(env);
    await waitReady(`${base}/ready`, api, 90_000);
    workers = startWorkers(env);
    await waitReady(`http://127.0.0.1:${fx.metricsPort}/ready`, workers, 90_000);
  });

  after(async () => {
    await workers?.stop();
    await api?.stop();
    await fx?.dispose();
  });

  const countSession = async (session: string) =>
    Number(
      (
        await queryOne<{ n: string }>(
          db.url,
          'SELECT count(*) AS n FROM events WHERE session_id = $1',
          [session],
        )
      ).n,
    );

  it('stores 10k events sent over HTTP in every dialect exactly once', async () => {
    const session = uniq('bulk-');
    const total = 10_000;
    const bodies: { body: Buffer | string; headers: Record<string, string>; n: number }[] = [];
    for (let start = 0; start < total; start += 500) {
      const chunk = Array.from({ length: 500 }, (_, j) => {
        const i = start + j;
        return i % 2 === 0
          ? {
              id: `bulk-${session}-${i}`,
              app: 'sdk-agent',
              event_type: 'llm_response',
              session_id: session,
              payload: { i, duration: 0.2 },
            }
          : {
              source_app: 'cc',
              session_id: session,
              hook_event_type: 'PreToolUse',
              payload: { tool_name: 'Read', i },
              timestamp: Date.now(),
            };
      });
      const kind = (start / 500) % 3;
      if (kind === 0)
        bodies.push({
          body: JSON.stringify(chunk),
          headers: { 'content-type': 'application/json' },
          n: 500,
        });
      else if (kind === 1)
        bodies.push({
          body: gzipSync(JSON.stringify(chunk)),
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          n: 500,
        });
      else
        bodies.push({
          body: chunk.map((c) => JSON.stringify(c)).join('\n'),
          headers: { 'content-type': 'application/x-ndjson' },
          n: 500,
        });
    }
    // 4 concurrent clients.
    let next = 0;
    let accepted = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < bodies.length) {
          const b = bodies[next++]!;
          const r = await fetch(`${base}/events/batch`, {
            method: 'POST',
            headers: b.headers,
            body: b.body,
          });
          assert.equal(r.status, 202, await r.clone().text());
          accepted += ((await r.json()) as { accepted: number }).accepted;
        }
      }),
    );
    assert.equal(accepted, total);
    await waitFor(
      'all events stored',
      async () => (await countSession(session)) === total,
      60_000,
      250,
    );
    const distinct = await queryOne<{ n: string }>(
      db.url,
      'SELECT count(DISTINCT id) AS n FROM events WHERE session_id = $1',
      [session],
    );
    assert.equal(Number(distinct.n), total);

    // Replaying the same client ids through the API stores nothing new.
    const replay = await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          id: `bulk-${session}-0`,
          app: 'sdk-agent',
          event_type: 'llm_response',
          session_id: session,
          payload: {},
          timestamp: (
            await queryOne<{ ts: Date }>(db.url, 'SELECT ts FROM events WHERE id = $1', [
              `bulk-${session}-0`,
            ])
          ).ts.toISOString(),
        },
      ]),
    });
    assert.equal(replay.status, 202);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await countSession(session), total);

    const viaApi = await fetch(`${base}/events?session_id=${session}&limit=5`);
    assert.equal(((await viaApi.json()) as unknown[]).length, 5);
  });

  it('answers 429 with Retry-After when the producer is saturated, and stores exactly what it accepted', async () => {
    // A second api replica with a small bound on events awaiting Kafka acks.
    const smallPort = await freePort();
    const small = startApi({ ...env, PORT: String(smallPort), PRODUCER_MAX_PENDING_EVENTS: '600' });
    try {
      await waitReady(`http://127.0.0.1:${smallPort}/ready`, small, 90_000);
      const session = uniq('bp-');
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`http://127.0.0.1:${smallPort}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(
              Array.from({ length: 500 }, (_, j) => ({
                app: 'bp',
                event_type: 'x',
                session_id: session,
                payload: { i, j },
              })),
            ),
          }),
        ),
      );
      const statuses = responses.map((r) => r.status);
      const refused = responses.filter((r) => r.status === 429);
      assert.ok(refused.length > 0, `expected some 429 among ${statuses.join(',')}`);
      assert.ok(
        statuses.every((st) => st === 202 || st === 429),
        statuses.join(','),
      );
      for (const r of refused) assert.ok(Number(r.headers.get('retry-after')) >= 1);
      const accepted = statuses.filter((st) => st === 202).length;
      await waitFor(
        'accepted events stored',
        async () => (await countSession(session)) === accepted * 500,
        60_000,
        250,
      );
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(
        await countSession(session),
        accepted * 500,
        'nothing refused was stored, nothing accepted was lost',
      );
    } finally {
      await small.stop();
    }
  });

  it('scopes every read to the project of the API key (keys stored hashed)', async () => {
    const createKey = (project: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            join(ROOT, 'apps/api/dist/main.js'),
            '--create-api-key',
            `ci-${project}`,
            '--project',
            project,
          ],
          {
            env: { ...env, PATH: process.env.PATH ?? '' },
          },
        ).toString(),
      ) as { key: string; project_id: string };
    const a = createKey('team-a');
    const b = createKey('team-b');
    const stored = await queryOne<{ n: string }>(
      db.url,
      'SELECT count(*) AS n FROM api_keys WHERE key_hash = $1 OR key_hash = $2',
      [a.key, b.key],
    );
    assert.equal(Number(stored.n), 0, 'plaintext keys are not stored');

    const authPort = await freePort();
    const authed = startApi({ ...env, PORT: String(authPort), ENABLE_AUTH: 'true' });
    try {
      await waitReady(`http://127.0.0.1:${authPort}/ready`, authed, 90_000);
      const url = `http://127.0.0.1:${authPort}`;
      const session = uniq('scoped-');
      for (const k of [a, b]) {
        const r = await fetch(`${url}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${k.key}` },
          body: JSON.stringify({
            app: k.project_id,
            event_type: 'x',
            session_id: session,
            payload: {},
          }),
        });
        assert.equal(r.status, 202);
      }
      await waitFor(
        'both projects stored',
        async () => (await countSession(session)) === 2,
        30_000,
        200,
      );
      for (const k of [a, b]) {
        const rows = (await (
          await fetch(`${url}/events?session_id=${session}`, { headers: { 'x-api-key': k.key } })
        ).json()) as { app: string; project_id: string }[];
        assert.deepEqual(
          rows.map((r) => [r.project_id, r.app]),
          [[k.project_id, k.project_id]],
        );
      }
      assert.equal(
        (await fetch(`${url}/events`, { headers: { 'x-api-key': 'fsk_not-a-key' } })).status,
        401,
      );
    } finally {
      await authed.stop();
    }
  });

  it('delivers a posted event to a WebSocket subscriber through the Kafka tail', async () => {
    const session = uniq('live-');
    const ws = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    ws.send({ type: 'subscribe', id: 'mine', filter: { session_id: session, severity: 3 } });
    await ws.waitFor((m) => m.type === 'subscribed');
    const t0 = Date.now();
    await fetch(`${base}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { app: 'live', event_type: 'info', session_id: session, payload: {} },
        { app: 'live', event_type: 'error', session_id: session, payload: { why: 'boom' } },
      ]),
    });
    const got = await ws.waitFor((m) => m.type === 'event', 5_000);
    const ms = Date.now() - t0;
    assert.equal(
      (got.data as { event_type: string }).event_type,
      'error',
      'the severity filter holds back the info event',
    );
    assert.ok(ms < 5_000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(ws.messages.filter((m) => m.type === 'event').length, 1);
    ws.close();
  });

  it('streams window stats computed by the workers to a WebSocket stats subscriber (live.v1)', async () => {
    const app = uniq('stats-app-');
    const ws = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    ws.send({ type: 'subscribe', id: 'st', filter: { app }, channels: ['stats'] });
    await ws.waitFor((m) => m.type === 'subscribed');
    const r = await fetch(`${base}/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        Array.from({ length: 20 }, (_, i) => ({
          app,
          event_type: i % 4 === 0 ? 'error' : 'step',
          session_id: `${app}-s${i % 2}`,
          duration_ms: 50 + i,
          payload: { i },
        })),
      ),
    });
    assert.equal(r.status, 202);
    type Stats = {
      source: string;
      series: {
        series: { level: string; app?: string };
        windows: { events: number; errors: number }[];
      }[];
    };
    const msg = await ws.waitFor(
      (m) =>
        m.type === 'stats' &&
        (m.data as Stats).series.some(
          (s) => s.series.level === 'app' && s.windows[0]!.events === 20,
        ),
      20_000,
    );
    const data = msg.data as Stats;
    const appSeries = data.series.find((s) => s.series.level === 'app')!;
    assert.equal(appSeries.series.app, app);
    assert.equal(appSeries.windows[0]!.errors, 5);
    assert.ok(data.source.length > 0, 'names the worker that computed it');
    assert.ok(
      data.series.every((s) => s.series.app === app),
      'only the subscribed app (and no project totals) reach this subscriber',
    );
    ws.close();
  });

  it('stores events that fleets produce straight to Kafka (raw and canonical)', async () => {
    const session = uniq('direct-');
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: `${prefix}fleetscope.events.v1`,
      messages: [
        {
          key: `default:${session}`,
          value: JSON.stringify({
            app: 'fleet',
            event_type: 'tool_use',
            session_id: session,
            payload: { n: 1 },
          }),
        },
        {
          key: `default:${session}`,
          value: JSON.stringify({
            source_app: 'cc',
            session_id: session,
            hook_event_type: 'Stop',
            payload: {},
          }),
        },
      ],
    });
    await producer.disconnect();
    await waitFor(
      'direct events stored',
      async () => (await countSession(session)) === 2,
      30_000,
      200,
    );
    const sources = await queryOne<{ s: string[] }>(
      db.url,
      'SELECT array_agg(source ORDER BY source) AS s FROM events WHERE session_id = $1',
      [session],
    );
    assert.deepEqual(sources.s, ['kafka', 'kafka']);
  });

  it('sends poison messages to the dead-letter topic with the reason, and keeps going', async () => {
    const session = uniq('poison-');
    const producer = kafka.producer();
    await producer.connect();
    const key = `default:${session}`; // same key → same partition as the valid event after it
    await producer.send({
      topic: `${prefix}fleetscope.events.v1`,
      messages: [
        { key, value: '{this is not json' },
        { key, value: JSON.stringify({ app: 'fleet', session_id: session, payload: {} }) }, // no event_type
        {
          key,
          value: JSON.stringify({
            app: 'fleet',
            event_type: 'after-poison',
            session_id: session,
            payload: {},
          }),
        },
      ],
    });
    await producer.disconnect();
    await waitFor(
      'the valid event after the poison stored',
      async () => (await countSession(session)) === 1,
      30_000,
      200,
    );

    const consumer = kafka.consumer({ groupId: uniq('dlq-reader-') });
    await consumer.connect();
    await consumer.subscribe({ topic: `${prefix}fleetscope.events.dlq.v1`, fromBeginning: true });
    const dead: { value: string; error: string; offset: string }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => {
        dead.push({
          value: message.value?.toString() ?? '',
          error: message.headers?.['x-fleetscope-error']?.toString() ?? '',
          offset: message.headers?.['x-fleetscope-source-offset']?.toString() ?? '',
        });
      },
    });
    await waitFor('two dead letters', async () => dead.length >= 2, 30_000, 200);
    await consumer.disconnect();
    const mine = dead.filter((d) => d.value.includes('not json') || d.value.includes(session));
    assert.equal(mine.length, 2);
    assert.ok(mine.every((d) => d.error.length > 0 && d.offset !== ''));
    assert.ok(
      mine.some((d) => /event_type/.test(d.error)),
      JSON.stringify(mine),
    );
  });
});
