import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { createLogger, loadConfig } from '@fleetscope/config';
import {
  type ChannelRecord,
  ChannelsRepository,
  DeliveriesRepository,
  migrate,
  PgSqlClient,
} from '@fleetscope/db';
import { createDeliveryRuntime, type DeliveryRuntime } from '@fleetscope/delivery';
import { DELIVERY_QUEUE, generateWebhookSecret, testNotification } from '@fleetscope/domain';
import { clusterFixture, type ClusterFixture } from '../support/cluster';
import { servicesEnv, uniq } from '../support/env';
import {
  freePort,
  startApi,
  startDeliveryWorker,
  waitFor,
  waitReady,
  type Proc,
} from '../support/processes';
import { Receiver } from '../support/receiver';

/**
 * Cluster delivery: the BullMQ worker in its own process (`start:delivery`), real Redis,
 * real PostgreSQL. A SIGKILL between retries loses nothing; the cluster api only enqueues.
 */

describe('cluster delivery: a separate BullMQ worker process', () => {
  let fx: ClusterFixture;
  let db: PgSqlClient;
  let receiver: Receiver;
  let producer: DeliveryRuntime;
  let channel: ChannelRecord;
  const redisPrefix = uniq('fsdc');
  const deliveries = new DeliveriesRepository();
  let env: Record<string, string>;
  const procs: Proc[] = [];

  before(async () => {
    fx = await clusterFixture();
    db = new PgSqlClient(fx.dbUrl);
    await migrate(db);
    receiver = await Receiver.start();
    env = {
      ...fx.env,
      REDIS_URL: servicesEnv().REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // Retries 1 to 1.5 s apart: time to kill the worker in between.
      WEBHOOK_RETRY_BASE_MS: '1500',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RELAY_INTERVAL_MS: '500',
      ENABLE_ALERTS: 'false',
    };
    // The producer side, as the api or the alert evaluator holds it.
    producer = createDeliveryRuntime(
      loadConfig({ ...env, LOG_LEVEL: 'silent' }),
      db,
      'producer',
      createLogger('test', 'silent'),
    );
    await producer.start();
    channel = (await new ChannelsRepository().create(db, {
      projectId: 'default',
      name: 'hook',
      kind: 'webhook',
      config: { url: `${receiver.base}/hook` },
      secret: generateWebhookSecret(),
      sendResolved: true,
      enabled: true,
    }))!;
  });

  after(async () => {
    for (const p of procs) await p.stop();
    await producer?.stop();
    const q = new Queue(DELIVERY_QUEUE, {
      connection: { url: servicesEnv().REDIS_URL },
      prefix: redisPrefix,
    });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
    await receiver?.stop();
    await db?.close();
    await fx?.dispose();
  });

  async function worker(): Promise<Proc> {
    const p = startDeliveryWorker(env);
    procs.push(p);
    await waitReady(`http://127.0.0.1:${fx.metricsPort}/ready`, p, 60_000);
    return p;
  }

  it('SIGKILL between retries loses nothing: after a restart the receiver gets it exactly once', async () => {
    receiver.script = (_req, n) => (n <= 2 ? { status: 500 } : { status: 200 });
    const first = await worker();
    const id = await db.transaction((tx) =>
      deliveries.enqueue(tx, {
        projectId: 'default',
        alertId: 'al-kill',
        transitionId: 'tr-kill',
        channelId: channel.id,
        payload: testNotification(channel.id, 'http://localhost', new Date()),
      }),
    );
    await producer.enqueue([id]);
    // Two failed attempts: the third is scheduled (a delayed BullMQ job, the row pending).
    await waitFor('two failed attempts', async () => receiver.of(id).length === 2, 20_000, 10);
    await waitFor(
      'the retry scheduled',
      async () => (await deliveries.get(db, 'default', id))?.attempts === 2,
      5_000,
      10,
    );
    await first.kill9();
    const pending = await deliveries.get(db, 'default', id);
    assert.equal(pending!.status, 'pending');
    // The retry falls due while no worker runs.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(receiver.of(id).length, 2);

    await worker();
    const done = await waitFor(
      'delivered after the restart',
      async () => {
        const row = await deliveries.get(db, 'default', id);
        return row?.status === 'delivered' ? row : undefined;
      },
      30_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(receiver.of(id).length, 3);
    assert.equal(receiver.accepted(id), 1, 'exactly one accepted delivery');
    assert.equal(done.attempts, 3);
    const metrics = await (await fetch(`http://127.0.0.1:${fx.metricsPort}/metrics`)).text();
    assert.match(metrics, /fleetscope_webhook_deliveries_total\{outcome="delivered"\} 1/);
  });

  it('the cluster api only enqueues; the worker process delivers a channel test', async () => {
    receiver.script = () => ({ status: 200 });
    const port = await freePort();
    const api = startApi({ ...env, PORT: String(port), HOST: '127.0.0.1' });
    procs.push(api);
    await waitReady(`http://127.0.0.1:${port}/ready`, api, 90_000);
    const r = await fetch(`http://127.0.0.1:${port}/alerts/channels/${channel.id}/test`, {
      method: 'POST',
    });
    const body = (await r.json()) as { status: string; delivery_id: string };
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'delivered');
    assert.equal(receiver.accepted(body.delivery_id), 1);
    assert.match(api.output(), /"role":"producer"/);
  });
});
