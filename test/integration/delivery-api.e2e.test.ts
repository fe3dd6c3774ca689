import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { createTestDatabase } from '../support/database';
import { ROOT } from '../support/env';
import { freePort, startApi, waitFor, waitReady, type Proc } from '../support/processes';
import { Receiver } from '../support/receiver';

/**
 * The delivery API end to end: an all-in-one api process (in-process queue and relay)
 * driven over HTTP, delivering to real local receivers.
 */

interface Json {
  [k: string]: unknown;
}

function client(base: string, key: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as Json & Json[] };
  };
  return {
    get: (p: string) => call('GET', p),
    post: (p: string, b?: unknown) => call('POST', p, b),
    patch: (p: string, b: unknown) => call('PATCH', p, b),
    delete: (p: string) => call('DELETE', p),
  };
}

const fieldsOf = (body: Json) => ((body.details ?? []) as { field: string }[]).map((d) => d.field);

describe('delivery API (all-in-one)', () => {
  let receiver: Receiver;
  let api: Proc;
  let base: string;
  let dropDb: () => Promise<void>;
  const KEY = 'fsk_test_main_key_0123456789';
  let otherKey: string;

  before(async () => {
    receiver = await Receiver.start((req) => {
      if (req.path.startsWith('/fail')) return { status: 500, body: 'receiver down' };
      return { status: 200 };
    });
    const db = await createTestDatabase();
    dropDb = db.drop;
    // A key of another project, to prove scoping.
    const created = spawnSync(
      process.execPath,
      [join(ROOT, 'apps/api/dist/main.js'), '--create-api-key', 'other', '--project', 'other'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          FLEETSCOPE_MODE: 'all-in-one',
          DATABASE_URL: db.url,
          LOG_LEVEL: 'silent',
        },
      },
    );
    assert.equal(created.status, 0, created.stderr.toString());
    otherKey = (JSON.parse(created.stdout.toString()) as { key: string }).key;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(
      {
        DATABASE_URL: db.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        ENABLE_AUTH: 'true',
        OBSERVABILITY_API_KEY: KEY,
        WEBHOOK_URL: `${receiver.base}/default`,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_BASE_MS: '100',
        WEBHOOK_TIMEOUT_MS: '2000',
        WEBHOOK_RELAY_INTERVAL_MS: '300',
        PUBLIC_URL: 'https://fleet.example.com/',
        ENABLE_ALERTS: 'false',
      },
      ['--all-in-one'],
    );
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    await receiver?.stop();
    await dropDb?.();
  });

  it('WEBHOOK_URL gives a default webhook channel; secrets are never listed', async () => {
    const { status, body } = await client(base, KEY).get('/alerts/channels');
    assert.equal(status, 200);
    const d = body.find((c) => c.name === 'default');
    assert.ok(d, JSON.stringify(body));
    assert.equal(d.kind, 'webhook');
    assert.deepEqual(d.config, { url: `${receiver.base}/default` });
    assert.equal(d.send_resolved, true);
    assert.ok(!('secret' in d));
    const test = await client(base, KEY).post(`/alerts/channels/${String(d.id)}/test`);
    assert.equal(test.status, 200, JSON.stringify(test.body));
    assert.equal(test.body.status, 'delivered');
  });

  it('400 names the field: kind, config.url, config.routing_key, unknown keys, secret; 409 on a taken name', async () => {
    const api_ = client(base, KEY);
    const cases: [unknown, string][] = [
      [{ name: 'x', kind: 'teams', config: { url: 'https://a.example' } }, 'kind'],
      [{ name: 'x', kind: 'webhook', config: { url: 'ftp://a.example' } }, 'config.url'],
      [{ name: 'x', kind: 'webhook', config: { url: 'not a url' } }, 'config.url'],
      [{ name: 'x', kind: 'pagerduty', config: {} }, 'config.routing_key'],
      [{ name: 'x', kind: 'slack', config: { url: 'https://h.example', channel: '#a' } }, 'config'],
      [
        { name: 'x', kind: 'webhook', config: { url: 'https://a.example' }, secret: 'hunter2' },
        'secret',
      ],
      [
        {
          name: 'x',
          kind: 'webhook',
          config: { url: 'https://a.example', headers: { 'Webhook-Signature': 'x' } },
        },
        'config.headers.Webhook-Signature',
      ],
      [{ kind: 'webhook', config: { url: 'https://a.example' } }, 'name'],
    ];
    for (const [body, field] of cases) {
      const r = await api_.post('/alerts/channels', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(
        fieldsOf(r.body).some((f) => f === field || f.startsWith(`${field}.`)),
        `${field} in ${JSON.stringify(r.body)}`,
      );
    }
    const dup = await api_.post('/alerts/channels', {
      name: 'default',
      kind: 'webhook',
      config: { url: 'https://a.example' },
    });
    assert.equal(dup.status, 409);
    const badQuery = await api_.get('/alerts/deliveries?status=lost');
    assert.equal(badQuery.status, 400);
    assert.deepEqual(fieldsOf(badQuery.body), ['status']);
  });

  it('create shows the secret once; a test is signed, masked headers survive a PATCH, rotation signs twice', async () => {
    const api_ = client(base, KEY);
    const created = await api_.post('/alerts/channels', {
      name: 'ops-hook',
      kind: 'webhook',
      config: { url: `${receiver.base}/ops`, headers: { Authorization: 'Bearer s3cret' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    const secret = String(created.body.secret);
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    const shown = await api_.get(`/alerts/channels/${id}`);
    assert.equal(shown.status, 200);
    assert.ok(!('secret' in shown.body));
    assert.deepEqual(shown.body.config, {
      url: `${receiver.base}/ops`,
      headers: { Authorization: '***' },
    });

    // Send back what GET showed, with a new name: the header keeps its value.
    const patched = await api_.patch(`/alerts/channels/${id}`, {
      name: 'ops-hook-2',
      config: shown.body.config,
      send_resolved: false,
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.name, 'ops-hook-2');
    assert.equal(patched.body.send_resolved, false);
    const badPatch = await api_.patch(`/alerts/channels/${id}`, { config: { url: 'nope' } });
    assert.equal(badPatch.status, 400);
    assert.deepEqual(fieldsOf(badPatch.body), ['config.url']);

    const test = await api_.post(`/alerts/channels/${id}/test`);
    assert.equal(test.status, 200, JSON.stringify(test.body));
    assert.equal(test.body.status, 'delivered');
    assert.equal(test.body.http_status, 200);
    const got = receiver.of(String(test.body.delivery_id));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.headers.authorization, 'Bearer s3cret');
    const payload = new Webhook(secret).verify(got[0]!.body, {
      'webhook-id': String(got[0]!.headers['webhook-id']),
      'webhook-timestamp': String(got[0]!.headers['webhook-timestamp']),
      'webhook-signature': String(got[0]!.headers['webhook-signature']),
    }) as Json;
    assert.equal(payload.delivery_kind, 'test');
    assert.equal(payload.alert, 'fleetscope_test');
    assert.equal(
      (payload.links as Json).alert,
      `https://fleet.example.com/alerts/channels/${id}`,
      'links use PUBLIC_URL',
    );

    const rotated = await api_.post(`/alerts/channels/${id}/rotate-secret`);
    assert.equal(rotated.status, 200);
    const newSecret = String(rotated.body.secret);
    assert.notEqual(newSecret, secret);
    const test2 = await api_.post(`/alerts/channels/${id}/test`);
    const got2 = receiver.of(String(test2.body.delivery_id))[0]!;
    const headers = {
      'webhook-id': String(got2.headers['webhook-id']),
      'webhook-timestamp': String(got2.headers['webhook-timestamp']),
      'webhook-signature': String(got2.headers['webhook-signature']),
    };
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    new Webhook(newSecret).verify(got2.body, headers);
    new Webhook(secret).verify(got2.body, headers);
  });

  it('a failing test reports the outcome; redeliver retries it with the same webhook-id', async () => {
    const api_ = client(base, KEY);
    const created = await api_.post('/alerts/channels', {
      name: 'flaky',
      kind: 'discord',
      config: { url: `${receiver.base}/fail` },
    });
    const id = String(created.body.id);
    const test = await api_.post(`/alerts/channels/${id}/test`);
    assert.equal(test.status, 200);
    assert.equal(test.body.status, 'dead', 'a test makes one attempt');
    assert.equal(test.body.http_status, 500);
    assert.equal((test.body.attempt as Json).response_excerpt, 'receiver down');
    const deliveryId = String(test.body.delivery_id);
    const discordBody = JSON.parse(receiver.of(deliveryId)[0]!.body) as Json;
    assert.ok(Array.isArray(discordBody.embeds), 'Discord shape');

    await api_.patch(`/alerts/channels/${id}`, { config: { url: `${receiver.base}/ok` } });
    const r = await api_.post(`/alerts/deliveries/${deliveryId}/redeliver`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const done = await waitFor(
      'redelivered',
      async () => {
        const d = await api_.get(`/alerts/deliveries/${deliveryId}`);
        return d.body.status === 'delivered' ? d.body : undefined;
      },
      15_000,
    );
    assert.deepEqual(
      (done.attempts_log as Json[]).map((a) => a.http_status),
      [500, 200],
    );
    const ids = receiver.requests
      .filter((q) => q.headers['webhook-id'] === deliveryId)
      .map((q) => q.path);
    assert.deepEqual(ids, ['/fail', '/ok'], 'same webhook-id, new URL');
    const again = await api_.post(`/alerts/deliveries/${deliveryId}/redeliver`);
    assert.equal(again.status, 409);

    const listed = await api_.get(`/alerts/deliveries?channel_id=${id}&status=delivered`);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.map((d) => d.id),
      [deliveryId],
    );
    assert.equal((listed.body[0]!.attempts_log as unknown[]).length, 2);
  });

  it('everything is scoped by the caller’s project; DELETE then 404', async () => {
    const mine = client(base, KEY);
    const theirs = client(base, otherKey);
    const created = await mine.post('/alerts/channels', {
      name: 'scoped',
      kind: 'alertmanager',
      config: { url: `${receiver.base}/am` },
    });
    const id = String(created.body.id);
    assert.equal((await theirs.get(`/alerts/channels/${id}`)).status, 404);
    assert.equal((await theirs.post(`/alerts/channels/${id}/test`)).status, 404);
    assert.equal((await theirs.delete(`/alerts/channels/${id}`)).status, 404);
    assert.deepEqual((await theirs.get('/alerts/channels')).body, []);
    assert.deepEqual((await theirs.get('/alerts/deliveries')).body, []);
    const test = await mine.post(`/alerts/channels/${id}/test`);
    assert.equal(
      (await theirs.get(`/alerts/deliveries/${String(test.body.delivery_id)}`)).status,
      404,
    );

    assert.equal((await mine.delete(`/alerts/channels/${id}`)).status, 204);
    assert.equal((await mine.get(`/alerts/channels/${id}`)).status, 404);
    assert.equal((await mine.delete(`/alerts/channels/${id}`)).status, 404);
    assert.equal((await mine.get('/alerts/deliveries/nope')).status, 404);
  });
});

describe('delivery API: the SSRF guard without WEBHOOK_ALLOW_PRIVATE', () => {
  let api: Proc;
  let base: string;
  let dropDb: () => Promise<void>;

  before(async () => {
    const db = await createTestDatabase();
    dropDb = db.drop;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(
      { DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ENABLE_ALERTS: 'false' },
      ['--all-in-one'],
    );
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    await dropDb?.();
  });

  it('refuses private and metadata IP literals with a 400 on config.url', async () => {
    const c = client(base, 'unused');
    for (const url of [
      'http://127.0.0.1:9000/hook',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/hook',
      'http://localhost/hook',
    ]) {
      const r = await c.post('/alerts/channels', { name: 'x', kind: 'webhook', config: { url } });
      assert.equal(r.status, 400, url);
      assert.deepEqual(fieldsOf(r.body), ['config.url']);
      assert.match(String(r.body.message), /WEBHOOK_ALLOW_PRIVATE/);
    }
  });

  it('a host name that resolves to loopback is refused at send time, not retried', async () => {
    const c = client(base, 'unused');
    const receiver = await Receiver.start();
    try {
      const port = new URL(receiver.base).port;
      const dotted = await c.post('/alerts/channels', {
        name: 'dotted',
        kind: 'webhook',
        config: { url: `http://app.localhost.:${port}/x` },
      });
      assert.equal(dotted.status, 400, '*.localhost is refused at once');
      // The machine's own name resolves to a loopback address here (/etc/hosts): it passes
      // the save-time check (it is not an IP literal) and is refused on its resolved address.
      const name = hostname();
      const resolved = await lookup(name).catch(() => null);
      if (!resolved || !/^(127\.|::1$)/.test(resolved.address)) return;
      const created = await c.post('/alerts/channels', {
        name: 'by-name',
        kind: 'webhook',
        config: { url: `http://${name}:${port}/x` },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const test = await c.post(`/alerts/channels/${String(created.body.id)}/test`);
      assert.equal(test.body.status, 'failed', JSON.stringify(test.body));
      assert.match(String(test.body.error), /refused: .* resolves to 127\./);
      assert.equal((test.body.attempt as Json).http_status, null);
      assert.equal(receiver.requests.length, 0, 'nothing reached the receiver');
    } finally {
      await receiver.stop();
    }
  });
});
