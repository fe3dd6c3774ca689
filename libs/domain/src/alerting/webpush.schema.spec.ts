import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactChannelConfig } from './channel.schema';
import { base64UrlBytes, pushSubscriptionCreateSchema, webpushWants } from './webpush.schema';

const P256DH = Buffer.alloc(65, 4).toString('base64url');
const AUTH = Buffer.alloc(16, 7).toString('base64url');
const sub = (over: Record<string, unknown> = {}) => ({
  endpoint: 'https://fcm.googleapis.com/fcm/send/abc',
  keys: { p256dh: P256DH, auth: AUTH },
  expirationTime: null,
  ...over,
});
const fieldOf = (v: unknown) => {
  const r = pushSubscriptionCreateSchema.safeParse(v);
  return r.success ? null : r.error.issues.map((i) => i.path.join('.'));
};

describe('push subscriptions', () => {
  it('accepts the browser PushSubscription JSON with options', () => {
    assert.equal(fieldOf(sub()), null);
    assert.equal(fieldOf(sub({ min_severity: 'high', label: 'phone', send_resolved: true })), null);
  });

  it('names the field of a bad key, endpoint or option', () => {
    assert.deepEqual(fieldOf(sub({ keys: { p256dh: AUTH, auth: AUTH } })), ['keys.p256dh']);
    assert.deepEqual(fieldOf(sub({ keys: { p256dh: P256DH, auth: 'not base64!' } })), [
      'keys.auth',
    ]);
    assert.deepEqual(fieldOf(sub({ endpoint: 'ftp://x/y' })), ['endpoint']);
    assert.deepEqual(fieldOf(sub({ endpoint: 'nope' })), ['endpoint']);
    assert.deepEqual(fieldOf(sub({ min_severity: 'meh' })), ['min_severity']);
    assert.deepEqual(fieldOf(sub({ colour: 'red' })), ['']);
  });

  it('measures base64url', () => {
    assert.equal(base64UrlBytes(P256DH), 65);
    assert.equal(base64UrlBytes(AUTH), 16);
    assert.equal(base64UrlBytes(`${AUTH}==`), 16);
    assert.equal(base64UrlBytes('a+b/'), null);
  });

  it('wants firing and resolved at or above min_severity, never acknowledgements', () => {
    assert.equal(webpushWants({ min_severity: 'high' }, 'firing', 'critical'), true);
    assert.equal(webpushWants({ min_severity: 'high' }, 'firing', 'high'), true);
    assert.equal(webpushWants({ min_severity: 'high' }, 'firing', 'warning'), false);
    assert.equal(webpushWants({ min_severity: 'high' }, 'resolved', 'high'), true);
    assert.equal(webpushWants({ min_severity: 'info' }, 'acknowledged', 'critical'), false);
    assert.equal(webpushWants({}, 'firing', 'info'), true);
  });

  it('masks the auth secret when a channel is shown', () => {
    const shown = redactChannelConfig('webpush', {
      endpoint: 'https://x',
      keys: { p256dh: P256DH, auth: AUTH },
    });
    assert.deepEqual(shown.keys, { p256dh: P256DH, auth: '***' });
  });
});
