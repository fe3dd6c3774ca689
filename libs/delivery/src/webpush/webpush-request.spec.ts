import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import type { WebpushConfig } from '@fleetscope/domain';
import { generateVAPIDKeys } from 'web-push';
import { formatWebpush } from '../formats/webpush-format';
import {
  contextFor,
  firingNotification,
  resolvedNotification,
} from '../testing/notification.fixture';
import { topicOf, urgencyOf, webpushRequest } from './webpush-request';

// http_ece has no typings; it is the reference decoder of RFC 8188 / RFC 8291 messages.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ece = require('http_ece') as {
  decrypt: (
    body: Buffer,
    params: { version: string; privateKey: unknown; authSecret: string },
  ) => Buffer;
};

/** A browser's side of a subscription: its key pair and auth secret. */
function subscriber(endpoint = 'https://push.example.net/send/abc') {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const config: WebpushConfig = {
    endpoint,
    keys: {
      p256dh: ecdh.getPublicKey().toString('base64url'),
      auth: auth.toString('base64url'),
    },
    min_severity: 'info',
    label: null,
  };
  return { ecdh, auth, config };
}

const vapid = { subject: 'mailto:ops@example.com', ...generateVAPIDKeys() };

describe('webpushRequest', () => {
  it('encrypts the notification for the subscriber only (aes128gcm), with VAPID, TTL and urgency', () => {
    const s = subscriber();
    const n = firingNotification();
    const payload = JSON.stringify(
      formatWebpush(n, contextFor({ kind: 'webpush', config: s.config })),
    );
    const req = webpushRequest(s.config, payload, vapid, n);
    assert.equal(req.url, s.config.endpoint);
    assert.equal(req.headers['content-encoding'], 'aes128gcm');
    assert.equal(req.headers['content-type'], 'application/octet-stream');
    assert.equal(req.headers['ttl'], '86400');
    assert.equal(req.headers['urgency'], 'high');
    assert.equal(req.headers['topic'], topicOf(n.alert.fingerprint));
    assert.ok(req.body instanceof Uint8Array);
    assert.equal(req.headers['content-length'], String(req.body.length));
    assert.ok(!Buffer.from(req.body).includes('high_error_rate'), 'the body is ciphertext');

    const clear = ece.decrypt(Buffer.from(req.body), {
      version: 'aes128gcm',
      privateKey: s.ecdh,
      authSecret: s.auth.toString('base64url'),
    });
    assert.deepEqual(JSON.parse(clear.toString('utf8')), {
      title: '[FIRING] high_error_rate (app=checkout)',
      body: 'HIGH: Error rate 25% on checkout (threshold 10%)',
      url: 'https://fleetscope.example.com/alerts/al_1',
      tag: 'rule-1:app=checkout',
      severity: 'high',
      status: 'firing',
    });

    // Another subscriber's keys cannot read it.
    const other = subscriber();
    assert.throws(() =>
      ece.decrypt(Buffer.from(req.body), {
        version: 'aes128gcm',
        privateKey: other.ecdh,
        authSecret: other.auth.toString('base64url'),
      }),
    );
  });

  it('signs a VAPID JWT for the push service origin with the application server key', () => {
    const s = subscriber('https://push.example.net:8443/send/xyz');
    const req = webpushRequest(s.config, '{}', vapid, firingNotification());
    const m = /^vapid t=([^,]+), k=(.+)$/.exec(req.headers['authorization'] ?? '');
    assert.ok(m, req.headers['authorization']);
    const [, jwt, k] = m as unknown as [string, string, string];
    assert.equal(k, vapid.publicKey);
    const [h, p, sig] = jwt.split('.') as [string, string, string];
    assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString()), {
      typ: 'JWT',
      alg: 'ES256',
    });
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.aud, 'https://push.example.net:8443');
    assert.equal(claims.sub, 'mailto:ops@example.com');
    const exp = Number(claims.exp) * 1000;
    assert.ok(exp > Date.now() && exp <= Date.now() + 24 * 3_600_000);
    // ES256 over "header.payload" with the public key the browser subscribed with.
    const raw = Buffer.from(vapid.publicKey, 'base64url');
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: raw.subarray(1, 33).toString('base64url'),
        y: raw.subarray(33, 65).toString('base64url'),
      },
      format: 'jwk',
    });
    assert.ok(
      verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(sig, 'base64url'),
      ),
    );
  });

  it('urgency follows severity; resolved and tests are normal; topics are ≤ 32 base64url chars', () => {
    assert.equal(urgencyOf(firingNotification({ severity: 'critical' })), 'high');
    assert.equal(urgencyOf(firingNotification({ severity: 'warning' })), 'normal');
    assert.equal(urgencyOf(firingNotification({ severity: 'info' })), 'low');
    assert.equal(urgencyOf(resolvedNotification()), 'normal');
    const t = topicOf('x'.repeat(1000));
    assert.match(t, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(topicOf('a'), topicOf('b'));
  });
});
