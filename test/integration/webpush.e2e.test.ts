import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startApi, waitFor, waitReady, type Proc } from '../support/processes';

// http_ece has no typings; it is the reference decoder of RFC 8188 / RFC 8291 messages.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ece = require('http_ece') as {
  decrypt: (
    body: Buffer,
    params: { version: string; privateKey: ECDH; authSecret: string },
  ) => Buffer;
};

/** One request the fake push service got, with its raw (encrypted) body. */
interface Pushed {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A push service on loopback: records every POST with its raw bytes and answers 201 (as
 * real push services do), or what `statusFor` says for a path.
 */
async function pushService(statusFor: (path: string) => number) {
  const got: Pushed[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(statusFor(req.url ?? '/'));
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    got,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A browser's side of a subscription: a P-256 key pair and a 16-byte auth secret. */
function browser(endpoint: string) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    subscription: {
      endpoint,
      expirationTime: null,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    },
    /** What the service worker would read. */
    open(p: Pushed): Record<string, string> {
      const clear = ece.decrypt(p.body, {
        version: 'aes128gcm',
        privateKey: ecdh,
        authSecret: auth.toString('base64url'),
      });
      return JSON.parse(clear.toString('utf8')) as Record<string, string>;
    },
  };
}

const PUBLIC_URL = 'https://fleetscope.example.test';

/**
 * Web Push through the all-in-one process: the dashboard subscribes with a PushSubscription,
 * a rule fires, and the push service gets a VAPID-signed, aes128gcm-encrypted message that
 * only the subscriber can read; 410 and 404 from the push service end the subscription.
 */
describe('all-in-one: Web Push for firing alerts', () => {
  let dataDir: string;
  let api: Proc;
  let base: string;
  let push: Awaited<ReturnType<typeof pushService>>;

  before(async () => {
    push = await pushService((path) =>
      path.startsWith('/gone') ? 410 : path.startsWith('/missing') ? 404 : 201,
    );
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-webpush-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(
      {
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        ENABLE_ALERTS: 'true',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        PUBLIC_URL,
        VAPID_SUBJECT: 'mailto:oncall@example.test',
      },
      ['--all-in-one'],
    );
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    await push?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async <T>(method: string, path: string, body?: unknown): Promise<[number, T]> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return [r.status, (text ? JSON.parse(text) : null) as T];
  };

  let publicKey: string;

  it('serves one VAPID public key (generated and stored once)', async () => {
    const [status, body] = await call<{ publicKey: string }>('GET', '/push/vapid-public-key');
    assert.equal(status, 200);
    assert.equal(Buffer.from(body.publicKey, 'base64url').length, 65);
    publicKey = body.publicKey;
    const [, again] = await call<{ publicKey: string }>('GET', '/push/vapid-public-key');
    assert.equal(again.publicKey, publicKey);
  });

  it('validates subscriptions, naming the field, and is idempotent on the endpoint', async () => {
    const b = browser(`${push.base}/sub/validation`);
    const bad: [unknown, string][] = [
      [{ ...b.subscription, endpoint: 'ftp://x/y' }, 'endpoint'],
      [{ ...b.subscription, keys: { ...b.subscription.keys, p256dh: 'AAAA' } }, 'keys.p256dh'],
      [{ ...b.subscription, keys: { ...b.subscription.keys, auth: 'bad auth!' } }, 'keys.auth'],
      [{ ...b.subscription, min_severity: 'extreme' }, 'min_severity'],
      [{ keys: b.subscription.keys }, 'endpoint'],
    ];
    for (const [body, field] of bad) {
      const [status, res] = await call<{ details: { field: string }[] }>(
        'POST',
        '/push/subscriptions',
        body,
      );
      assert.equal(status, 400, JSON.stringify(body));
      assert.ok(
        res.details.some((d) => d.field === field),
        JSON.stringify(res),
      );
    }
    const [s1, first] = await call<{ id: string }>('POST', '/push/subscriptions', b.subscription);
    assert.equal(s1, 201);
    const [s2, second] = await call<{ id: string }>('POST', '/push/subscriptions', {
      ...b.subscription,
      label: 'laptop',
    });
    assert.equal(s2, 201);
    assert.equal(second.id, first.id, 'the same endpoint is the same subscription');
    const [, list] = await call<{ id: string; label: string | null; endpoint: string }[]>(
      'GET',
      '/push/subscriptions',
    );
    const mine = list.filter((s) => s.endpoint === b.subscription.endpoint);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.label, 'laptop');
    assert.equal((await call('DELETE', `/push/subscriptions/${first.id}`))[0], 204);
    assert.equal((await call('DELETE', `/push/subscriptions/${first.id}`))[0], 404);
  });

  it('a test notification arrives encrypted for the subscriber, VAPID-signed, with a TTL', async () => {
    const b = browser(`${push.base}/sub/test`);
    const [, { id }] = await call<{ id: string }>('POST', '/push/subscriptions', b.subscription);
    const [status, outcome] = await call<{ status: string; http_status: number }>(
      'POST',
      `/push/subscriptions/${id}/test`,
    );
    assert.equal(status, 200, JSON.stringify(outcome));
    assert.equal(outcome.status, 'delivered');
    assert.equal(outcome.http_status, 201);
    const got = push.got.filter((p) => p.path === '/sub/test');
    assert.equal(got.length, 1);
    const h = got[0]!.headers;
    assert.match(String(h.authorization), /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    assert.equal(String(h.authorization).split('k=')[1], publicKey);
    assert.equal(h['content-encoding'], 'aes128gcm');
    assert.equal(h['content-type'], 'application/octet-stream');
    assert.ok(Number(h.ttl) > 0, `TTL ${String(h.ttl)}`);
    const msg = b.open(got[0]!);
    assert.equal(msg.title, '[TEST] fleetscope_test');
    assert.equal(msg.status, 'firing');
  });

  it('pushes a firing alert to subscribers at or above its severity, with a deep link', async () => {
    const phone = browser(`${push.base}/sub/phone`);
    const pager = browser(`${push.base}/sub/critical-only`);
    await call('POST', '/push/subscriptions', { ...phone.subscription, min_severity: 'warning' });
    await call('POST', '/push/subscriptions', { ...pager.subscription, min_severity: 'critical' });
    const [, rule] = await call<{ id: string; severity: string }>('POST', '/alerts/rules', {
      name: 'push-burst',
      condition: 'error_rate',
      threshold: 0.2,
      window: '10s',
      enabled: true,
      filters: { app: ['push-app'] },
    });
    assert.equal(rule.severity, 'high');
    const [status] = await call(
      'POST',
      '/events/batch',
      Array.from({ length: 100 }, (_, i) => ({
        app: 'push-app',
        session_id: `s-${i % 3}`,
        event_type: i % 2 ? 'error' : 'step',
        payload: { i },
      })),
    );
    assert.equal(status, 202);
    const mine = (p: Pushed, b: ReturnType<typeof browser>) => {
      try {
        return (b.open(p).title ?? '').includes('push-burst');
      } catch {
        return false;
      }
    };
    const delivered = await waitFor(
      'the push of the firing alert',
      async () => push.got.find((p) => p.path === '/sub/phone' && mine(p, phone)),
      20_000,
    );
    const msg = phone.open(delivered);
    const [, alerts] = await call<{ id: string; fingerprint: string }[]>(
      'GET',
      `/alerts?status=firing&rule_id=${rule.id}`,
    );
    assert.equal(alerts.length, 1);
    assert.deepEqual(msg, {
      title: '[FIRING] push-burst',
      body: msg.body,
      url: `${PUBLIC_URL}/alerts/${alerts[0]!.id}`,
      tag: alerts[0]!.fingerprint,
      severity: 'high',
      status: 'firing',
    });
    assert.match(msg.body ?? '', /^HIGH: /);
    assert.equal(delivered.headers.urgency, 'high');
    // The critical-only subscriber heard nothing of this high alert.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(
      push.got.filter((p) => p.path === '/sub/critical-only' && mine(p, pager)).length,
      0,
    );
  });

  it('410 Gone and 404 from the push service disable the subscription', async () => {
    for (const path of ['/gone/1', '/missing/1']) {
      const b = browser(`${push.base}${path}`);
      const [, { id }] = await call<{ id: string }>('POST', '/push/subscriptions', b.subscription);
      const [, outcome] = await call<{ status: string; http_status: number }>(
        'POST',
        `/push/subscriptions/${id}/test`,
      );
      assert.equal(outcome.status, 'failed', path);
      const [, list] = await call<
        { id: string; enabled: boolean; disabled_reason: string | null }[]
      >('GET', '/push/subscriptions');
      const s = list.find((x) => x.id === id);
      assert.equal(s?.enabled, false, path);
      assert.match(s?.disabled_reason ?? '', path.startsWith('/gone') ? /410/ : /404/);
      // Subscribing again (the browser renewed it) switches it back on.
      await call('POST', '/push/subscriptions', b.subscription);
      const [, after] = await call<{ id: string; enabled: boolean }[]>(
        'GET',
        '/push/subscriptions',
      );
      assert.equal(after.find((x) => x.id === id)?.enabled, true);
      assert.equal((await call('DELETE', `/push/subscriptions/${id}`))[0], 204);
    }
  });
});
