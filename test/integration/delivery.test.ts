import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { type AppConfig, createLogger, loadConfig } from '@fleetscope/config';
import {
  type ChannelRecord,
  ChannelsRepository,
  DeliveriesRepository,
  migrate,
  PgSqlClient,
} from '@fleetscope/db';
import { createDeliveryRuntime, type DeliveryRuntime } from '@fleetscope/delivery';
import {
  type AlertNotification,
  type ChannelKind,
  DELIVERY_QUEUE,
  generateWebhookSecret,
} from '@fleetscope/domain';
import { createTestDatabase } from '../support/database';
import { servicesEnv, uniq } from '../support/env';
import { waitFor } from '../support/processes';
import { Receiver } from '../support/receiver';

/**
 * Alert delivery against real PostgreSQL, real Redis + BullMQ and real local HTTP receivers:
 * the processor, the queues, the relay, the formatters and the signatures all run for real.
 */

const log = createLogger('delivery-test', 'silent');
const channels = new ChannelsRepository();
const deliveries = new DeliveriesRepository();

function notification(
  fingerprint: string,
  status: AlertNotification['alert']['status'] = 'firing',
): AlertNotification {
  const now = new Date().toISOString();
  return {
    delivery_kind: 'alert',
    alert: {
      id: `al-${fingerprint}`,
      fingerprint,
      status,
      severity: 'critical',
      rule: {
        id: 'r1',
        name: 'high_error_rate',
        condition: 'error_rate',
        threshold: 0.1,
        window: '5m',
        operator: '>',
      },
      group: { app: 'checkout' },
      labels: { alertname: 'high_error_rate', severity: 'critical', app: 'checkout' },
      annotations: { summary: 'error rate above 10%' },
      value: 0.4,
      started_at: now,
      ended_at: status === 'resolved' ? now : null,
      acknowledged_by: null,
    },
    event: { app: 'checkout', event_type: 'error', timestamp: now },
    timestamp: now,
    links: { alert: `http://localhost:3001/alerts/al-${fingerprint}` },
  };
}

describe('alert delivery: processor, BullMQ, relay, receivers', () => {
  let dropDb: () => Promise<void>;
  let db: PgSqlClient;
  let config: AppConfig;
  let runtime: DeliveryRuntime;
  let receiver: Receiver;
  const prefix = uniq('fsdt');

  const configFor = (env: Record<string, string> = {}) =>
    loadConfig({
      FLEETSCOPE_MODE: 'cluster',
      DATABASE_URL: 'postgres://unused',
      KAFKA_BROKERS: 'unused:9092',
      REDIS_URL: servicesEnv().REDIS_URL,
      REDIS_PREFIX: prefix,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_MAX_ATTEMPTS: '6',
      WEBHOOK_RELAY_INTERVAL_MS: '300',
      LOG_LEVEL: 'silent',
      ...env,
    });

  before(async () => {
    const created = await createTestDatabase();
    dropDb = created.drop;
    db = new PgSqlClient(created.url);
    await migrate(db);
    receiver = await Receiver.start();
    config = configFor();
    runtime = createDeliveryRuntime(config, db, 'bullmq-worker', log);
    await runtime.start();
  });

  after(async () => {
    await runtime?.stop();
    const q = new Queue(DELIVERY_QUEUE, {
      connection: { url: servicesEnv().REDIS_URL },
      prefix,
    });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    await receiver?.stop();
    await db?.close();
    await dropDb?.();
  });

  async function channel(
    kind: ChannelKind,
    config: Record<string, unknown>,
    extra: Partial<{ sendResolved: boolean }> = {},
  ): Promise<ChannelRecord> {
    const c = await channels.create(db, {
      projectId: 'p1',
      name: uniq(`${kind}-`),
      kind,
      config,
      secret: generateWebhookSecret(),
      sendResolved: extra.sendResolved ?? true,
      enabled: true,
    });
    assert.ok(c);
    return c;
  }

  /** What the evaluator does: the outbox row in a transaction, then a poke after commit. */
  async function enqueue(c: ChannelRecord, n: AlertNotification, poke = true): Promise<string> {
    const id = await db.transaction((tx) =>
      deliveries.enqueue(tx, {
        projectId: 'p1',
        alertId: n.alert.id,
        transitionId: uniq('tr-'),
        channelId: c.id,
        payload: n,
      }),
    );
    if (poke) await runtime.enqueue([id]);
    return id;
  }

  const settled = async (id: string, status = 'delivered') => {
    try {
      return await waitFor(
        `delivery ${id} ${status}`,
        async () => {
          const row = await deliveries.get(db, 'p1', id);
          return row && row.status === status ? row : undefined;
        },
        30_000,
        50,
      );
    } catch (err) {
      const row = await deliveries.get(db, 'p1', id);
      throw new Error(`${String(err)}; the row: ${JSON.stringify({ ...row, payload: undefined })}`);
    }
  };

  it('500, then 429 with Retry-After, then a timeout, then success: exactly one accepted delivery per webhook-id, every signature valid', async () => {
    const c = await channel('webhook', {
      url: `${receiver.base}/flaky`,
      headers: { Authorization: 'Bearer t0k' },
    });
    receiver.script = (req, n) => {
      if (!req.path.startsWith('/flaky')) return { status: 200 };
      if (n === 1) return { status: 500, body: 'boom' };
      if (n === 2) return { status: 429, headers: { 'retry-after': '1' } };
      if (n === 3) return 'hang';
      return { status: 200 };
    };
    const ids = await Promise.all(
      ['fp-a', 'fp-b', 'fp-c'].map((fp) => enqueue(c, notification(fp))),
    );
    for (const id of ids) await settled(id);
    // Nothing more arrives once delivered.
    await new Promise((r) => setTimeout(r, 1000));

    const verifier = new Webhook(c.secret);
    for (const id of ids) {
      const got = receiver.of(id);
      assert.equal(got.length, 4, `4 attempts for ${id}`);
      assert.equal(receiver.accepted(id), 1, `exactly one accepted for ${id}`);
      assert.deepEqual(
        got.map((g) => g.answered),
        [500, 429, null, 200],
      );
      // Retry-After: 1 was honoured between the 2nd and 3rd attempts.
      assert.ok(got[2]!.at - got[1]!.at >= 950, `${got[2]!.at - got[1]!.at} ms`);
      for (const g of got) {
        assert.equal(g.headers['webhook-id'], id, 'the same webhook-id on every attempt');
        assert.equal(g.headers.authorization, 'Bearer t0k');
        // An independent verifier (the standardwebhooks package) accepts every attempt.
        const body = verifier.verify(g.body, {
          'webhook-id': String(g.headers['webhook-id']),
          'webhook-timestamp': String(g.headers['webhook-timestamp']),
          'webhook-signature': String(g.headers['webhook-signature']),
        }) as Record<string, unknown>;
        assert.equal(body.alert, 'high_error_rate', 'the seed body: alert is the rule name');
        assert.equal(body.status, 'firing');
        assert.deepEqual(Object.keys(body.rule as object).sort(), [
          'condition',
          'enabled',
          'id',
          'name',
          'operator',
          'threshold',
          'window',
        ]);
      }
      const row = await deliveries.get(db, 'p1', id);
      assert.equal(row!.attempts, 4);
      assert.equal(row!.last_status, 200);
      assert.equal(row!.next_attempt_at, null);
      const log = (await deliveries.attempts(db, 'p1', [id])).get(id)!;
      assert.deepEqual(
        log.map((a) => [a.attempt, a.http_status, a.error]),
        [
          [1, 500, 'HTTP 500'],
          [2, 429, 'HTTP 429'],
          [3, null, 'timeout'],
          [4, 200, null],
        ],
      );
      assert.equal(log[0]!.response_excerpt, 'boom');
    }
  });

  it('PagerDuty: trigger then resolve reach a PD-shaped receiver with the same dedup_key', async () => {
    const pd = await Receiver.start((req) => {
      const body = JSON.parse(req.body) as { dedup_key: string; routing_key?: string };
      if (req.path !== '/v2/enqueue' || !body.routing_key) return { status: 400 };
      return {
        status: 202,
        body: JSON.stringify({
          status: 'success',
          message: 'Event processed',
          dedup_key: body.dedup_key,
        }),
      };
    });
    try {
      const c = await channel('pagerduty', {
        routing_key: 'R0UTING',
        url: `${pd.base}/v2/enqueue`,
      });
      const trigger = await enqueue(c, notification('rule-1:app=checkout'));
      await settled(trigger);
      const resolve = await enqueue(c, notification('rule-1:app=checkout', 'resolved'));
      await settled(resolve);
      const bodies = pd.requests.map(
        (r) => JSON.parse(r.body) as { event_action: string; dedup_key: string },
      );
      assert.deepEqual(
        bodies.map((b) => [b.event_action, b.dedup_key]),
        [
          ['trigger', 'rule-1:app=checkout'],
          ['resolve', 'rule-1:app=checkout'],
        ],
      );
      const row = await deliveries.get(db, 'p1', resolve);
      assert.equal(row!.last_status, 202);
    } finally {
      await pd.stop();
    }
  });

  it('a resolve never overtakes its trigger on a channel, even while the trigger retries', async () => {
    const c = await channel('pagerduty', { routing_key: 'R', url: `${receiver.base}/pd-order` });
    receiver.script = (req, n) =>
      req.path === '/pd-order' && n <= 2 && req.body.includes('"trigger"')
        ? { status: 503 }
        : { status: 202, body: '{"status":"success"}' };
    const trigger = await enqueue(c, notification('order-1'));
    const resolve = await enqueue(c, notification('order-1', 'resolved'));
    await settled(trigger);
    await settled(resolve);
    const actions = receiver.requests
      .filter((r) => r.path === '/pd-order')
      .map((r) => `${(JSON.parse(r.body) as { event_action: string }).event_action}:${r.answered}`);
    assert.deepEqual(actions, ['trigger:503', 'trigger:503', 'trigger:202', 'resolve:202']);
  });

  it('410 Gone disables the channel; later deliveries to it fail without a request', async () => {
    const c = await channel('webhook', { url: `${receiver.base}/gone` });
    receiver.script = (req) => (req.path === '/gone' ? { status: 410 } : { status: 200 });
    const first = await enqueue(c, notification('gone-1'));
    const row = await settled(first, 'failed');
    assert.equal(row.attempts, 1);
    assert.match(row.last_error!, /410/);
    const after = await channels.get(db, 'p1', c.id);
    assert.equal(after!.enabled, false);
    assert.match(after!.disabled_reason!, /410/);

    const before = receiver.requests.length;
    const second = await enqueue(c, notification('gone-2'));
    const row2 = await settled(second, 'failed');
    assert.match(row2.last_error!, /channel disabled/);
    assert.equal(row2.attempts, 0);
    assert.equal(receiver.requests.length, before, 'nothing was sent');
  });

  it('400 stops retrying (failed); redeliver starts a new cycle with the same webhook-id', async () => {
    const c = await channel('webhook', { url: `${receiver.base}/strict` });
    let accept = false;
    receiver.script = (req) =>
      req.path === '/strict' && !accept ? { status: 400, body: 'bad payload' } : { status: 200 };
    const id = await enqueue(c, notification('strict-1'));
    const failed = await settled(id, 'failed');
    assert.equal(failed.attempts, 1);
    assert.equal(failed.last_status, 400);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(receiver.of(id).length, 1, 'no retry after a 400');

    accept = true;
    const r = await deliveries.redeliver(db, 'p1', id, new Date());
    assert.equal(r!.restarted, true);
    await runtime.enqueue([id]);
    const done = await settled(id);
    assert.equal(done.attempts, 1, 'a fresh cycle');
    assert.equal(receiver.of(id).length, 2);
    assert.equal(receiver.accepted(id), 1);
    const log = (await deliveries.attempts(db, 'p1', [id])).get(id)!;
    assert.deepEqual(
      log.map((a) => [a.attempt, a.http_status]),
      [
        [1, 400],
        [2, 200],
      ],
    );
    const again = await deliveries.redeliver(db, 'p1', id, new Date());
    assert.equal(again!.restarted, false, 'a delivered row is not redelivered');
  });

  it('a row committed but never enqueued (crash before the poke) is delivered by the relay', async () => {
    receiver.script = () => ({ status: 200 });
    const c = await channel('alertmanager', { url: `${receiver.base}/am` });
    const id = await enqueue(c, notification('orphan'), false);
    await settled(id);
    const got = receiver.of(id);
    assert.equal(got.length, 1);
    const body = JSON.parse(got[0]!.body) as { version: string; status: string; alerts: unknown[] };
    assert.deepEqual([body.version, body.status, body.alerts.length], ['4', 'firing', 1]);
  });

  it('enqueuing the same (transition, channel) twice writes one row', async () => {
    const c = await channel('webhook', { url: `${receiver.base}/once` });
    const write = () =>
      db.transaction((tx) =>
        deliveries.enqueue(tx, {
          projectId: 'p1',
          alertId: 'al-x',
          transitionId: 'tr-fixed',
          channelId: c.id,
          payload: notification('once'),
        }),
      );
    const [a, b] = [await write(), await write()];
    assert.equal(a, b);
    await runtime.enqueue([a, a, a]);
    await settled(a);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(receiver.of(a).length, 1, 'duplicate jobs collapse');
  });

  it('send_resolved = false: a resolve is skipped, nothing sent', async () => {
    const c = await channel('webhook', { url: `${receiver.base}/nores` }, { sendResolved: false });
    const id = await enqueue(c, notification('nores', 'resolved'));
    const row = await settled(id, 'skipped');
    assert.equal(row.last_error, 'send_resolved is false');
    assert.equal(receiver.of(id).length, 0);
  });

  it('Slack: about one message per second per channel, and a 429 Retry-After holds the channel', async () => {
    const c = await channel('slack', { url: `${receiver.base}/slack` });
    let seen = 0;
    receiver.script = (req) => {
      if (req.path !== '/slack') return { status: 200 };
      const body = JSON.parse(req.body) as { text?: string; blocks?: unknown[] };
      if (!body.text || !Array.isArray(body.blocks)) return { status: 400 };
      // Slack's answer to a burst: 429 with Retry-After, for the 4th message.
      if (++seen === 4) return { status: 429, headers: { 'retry-after': '2' } };
      return { status: 200, body: 'ok' };
    };
    const ids = await Promise.all([1, 2, 3].map((i) => enqueue(c, notification(`slack-${i}`))));
    for (const id of ids) await settled(id);
    const times = receiver.requests.filter((r) => r.path === '/slack').map((r) => r.at);
    assert.equal(times.length, 3);
    for (let i = 1; i < times.length; i++) {
      assert.ok(times[i]! - times[i - 1]! >= 900, `gap ${times[i]! - times[i - 1]!} ms`);
    }
    // The 4th message gets a 429 with Retry-After: 2; the 5th waits for the hold too.
    const [d4, d5] = await Promise.all([4, 5].map((i) => enqueue(c, notification(`slack-${i}`))));
    await settled(d4!);
    await settled(d5!);
    const slack = receiver.requests.filter((r) => r.path === '/slack');
    const limitedAt = slack.find((r) => r.answered === 429)!.at;
    const afterHold = slack.filter((r) => r.at > limitedAt);
    assert.ok(afterHold.length >= 2);
    for (const r of afterHold) assert.ok(r.at - limitedAt >= 1900, `${r.at - limitedAt} ms`);
  });
});

describe('alert delivery: the in-process queue keeps its promises across a restart', () => {
  it('a retry scheduled before a stop is delivered once after the next start', async () => {
    const created = await createTestDatabase();
    const db = new PgSqlClient(created.url);
    await migrate(db);
    const receiver = await Receiver.start((_req, n) =>
      n === 1 ? { status: 503 } : { status: 200 },
    );
    const config = loadConfig({
      FLEETSCOPE_MODE: 'all-in-one',
      DATABASE_URL: created.url,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // The first retry lands 1 to 1.5 s later: after the stop below.
      WEBHOOK_RETRY_BASE_MS: '1500',
      WEBHOOK_RELAY_INTERVAL_MS: '300',
      LOG_LEVEL: 'silent',
    });
    try {
      const c = (await new ChannelsRepository().create(db, {
        projectId: 'p1',
        name: 'hook',
        kind: 'webhook',
        config: { url: `${receiver.base}/hook` },
        secret: generateWebhookSecret(),
        sendResolved: true,
        enabled: true,
      }))!;
      const first = createDeliveryRuntime(config, db, 'in-process', log);
      await first.start();
      const id = await db.transaction((tx) =>
        deliveries.enqueue(tx, {
          projectId: 'p1',
          alertId: 'al-1',
          transitionId: 'tr-1',
          channelId: c.id,
          payload: notification('restart'),
        }),
      );
      await first.enqueue([id]);
      await waitFor('first attempt', async () => receiver.of(id).length === 1, 10_000, 20);
      await first.stop();
      const pending = await deliveries.get(db, 'p1', id);
      assert.equal(pending!.status, 'pending');
      assert.ok(pending!.next_attempt_at);

      const second = createDeliveryRuntime(config, db, 'in-process', log);
      await second.start();
      try {
        await waitFor(
          'delivered after restart',
          async () => (await deliveries.get(db, 'p1', id))?.status === 'delivered',
          15_000,
          50,
        );
        await new Promise((r) => setTimeout(r, 800));
        assert.equal(receiver.of(id).length, 2);
        assert.equal(receiver.accepted(id), 1);
      } finally {
        await second.stop();
      }
    } finally {
      await receiver.stop();
      await db.close();
      await created.drop();
    }
  });
});
