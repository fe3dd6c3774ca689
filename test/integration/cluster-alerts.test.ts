import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { clusterFixture, type ClusterFixture } from '../support/cluster';
import { servicesEnv } from '../support/env';
import { startApi, startWorkers, waitFor, waitReady, type Proc } from '../support/processes';
import { Receiver } from '../support/receiver';
import { WsProbe } from '../support/ws-client';

/**
 * Alerting in cluster mode: the api writes the rule, the stream worker evaluates it on the
 * events it consumes from Kafka, writes the outbox, and its BullMQ worker (Redis) delivers
 * the signed notification; the transition reaches the api's WebSocket through live.v1.
 */
describe('cluster: alert rule → worker evaluation → BullMQ delivery', () => {
  let fx: ClusterFixture;
  let api: Proc;
  let workers: Proc;
  let receiver: Receiver;

  before(async () => {
    receiver = await Receiver.start((_req, n) => (n === 1 ? { status: 500 } : { status: 200 }));
    fx = await clusterFixture({
      KAFKA_EVENTS_PARTITIONS: '2',
      REDIS_URL: servicesEnv().REDIS_URL,
      WEBHOOK_URL: `${receiver.base}/hook`,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '200',
    });
    fx.env.REDIS_PREFIX = fx.prefix.replace(/\.$/, '');
    api = startApi(fx.env);
    await waitReady(`${fx.base}/ready`, api, 90_000);
    workers = startWorkers(fx.env);
    await waitReady(`http://127.0.0.1:${fx.metricsPort}/ready`, workers, 90_000);
  });

  after(async () => {
    await workers?.stop();
    await api?.stop();
    await receiver?.stop();
    await fx?.dispose();
  });

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${fx.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text.slice(0, 400)}`);
    return (text ? JSON.parse(text) : null) as T;
  };

  it('fires once per group, delivers one signed notification after a retry, streams the transition', async () => {
    for (const r of await call<{ id: string }[]>('GET', '/alerts/rules')) {
      await call('PATCH', `/alerts/rules/${r.id}`, { enabled: false });
    }
    const channel = (await call<{ id: string; name: string }[]>('GET', '/alerts/channels')).find(
      (c) => c.name === 'default',
    )!;
    const { secret } = await call<{ secret: string }>(
      'POST',
      `/alerts/channels/${channel.id}/rotate-secret`,
    );
    const rule = await call<{ id: string }>('POST', '/alerts/rules', {
      name: 'cluster_errors',
      condition: 'error_rate',
      threshold: 0.4,
      window: '10s',
      group_by: ['app'],
    });
    const ws = await WsProbe.connect(`ws://127.0.0.1:${fx.port}/ws`);
    ws.send({ type: 'subscribe', id: 'al', channels: ['alerts'] });
    await ws.waitFor((m) => m.type === 'subscribed');
    await new Promise((r) => setTimeout(r, 5500)); // the worker re-reads rules every 5 s
    await call(
      'POST',
      '/events/batch',
      Array.from({ length: 200 }, (_, i) => ({
        app: i % 2 ? 'c-one' : 'c-two',
        session_id: `cs-${i % 7}`,
        event_type: i % 4 < 2 ? 'error' : 'step',
        payload: { i },
      })),
    );
    const firing = await waitFor(
      'two firing alerts',
      async () => {
        const rows = await call<{ group: { app: string } }[]>(
          'GET',
          `/alerts?status=firing&rule_id=${rule.id}`,
        );
        return rows.length === 2 ? rows : undefined;
      },
      30_000,
    );
    assert.deepEqual(firing.map((a) => a.group.app).sort(), ['c-one', 'c-two']);
    const delivered = await waitFor(
      'two accepted notifications',
      async () => {
        const ok = receiver.requests.filter((r) => r.answered === 200);
        return ok.length >= 2 ? ok : undefined;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(receiver.requests.filter((r) => r.answered === 200).length, 2);
    for (const got of delivered) {
      const id = String(got.headers['webhook-id']);
      assert.deepEqual(
        receiver.of(id).map((r) => r.answered),
        [500, 200],
        'retried once with the same webhook-id',
      );
      const body = new Webhook(secret).verify(got.body, {
        'webhook-id': id,
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': String(got.headers['webhook-signature']),
      }) as { alert: string; status: string };
      assert.equal(body.alert, 'cluster_errors');
      assert.equal(body.status, 'firing');
    }
    await ws.waitFor((m) => m.type === 'alert' && m.action === 'firing', 10_000);
    ws.close();
  });
});
