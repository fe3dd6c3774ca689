import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '@fleetscope/domain';
import { signatureOf, standardWebhookHeaders } from './standard-webhooks';

describe('Standard Webhooks signing', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it("matches the specification's published example", () => {
    // The example of the Standard Webhooks specification (and its reference libraries).
    assert.equal(
      standardWebhookHeaders({ id, timestamp, body, secrets: [secret] })['webhook-signature'],
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('verifies with the standardwebhooks package (an independent implementation)', () => {
    const s = generateWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders({
      id: 'd-1',
      timestamp: now,
      body: '{"a":1}',
      secrets: [s],
    });
    assert.deepEqual(new Webhook(s).verify('{"a":1}', headers), { a: 1 });
    assert.throws(() => new Webhook(s).verify('{"a":2}', headers));
    assert.throws(() => new Webhook(generateWebhookSecret()).verify('{"a":1}', headers));
  });

  it('signs with every secret during a rotation, space-separated; each verifies', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const headers = standardWebhookHeaders({
      id: 'd-2',
      timestamp: now,
      body: '{}',
      secrets: [a, b],
    });
    assert.equal(headers['webhook-signature']!.split(' ').length, 2);
    assert.deepEqual(new Webhook(a).verify('{}', headers), {});
    assert.deepEqual(new Webhook(b).verify('{}', headers), {});
  });

  it('is HMAC-SHA256 over id.timestamp.body keyed with the decoded secret', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key)
      .update(`${id}.${timestamp}.${body}`)
      .digest('base64');
    assert.equal(signatureOf(secret, id, timestamp, body), expected);
    assert.throws(() => signatureOf('not-a-secret', id, timestamp, body));
  });
});
