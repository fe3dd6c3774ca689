import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { zodIssuesToFieldErrors } from '../errors/fleetscope-error';
import {
  channelCreateSchema,
  generateWebhookSecret,
  PAGERDUTY_EVENTS_URL,
  parseChannelConfig,
  redactChannelConfig,
  secretBytes,
  WEBHOOK_SECRET_BYTES,
} from './channel.schema';

const fields = (input: unknown) => {
  const r = channelCreateSchema.safeParse(input);
  return r.success ? [] : zodIssuesToFieldErrors(r.error).map((e) => e.field);
};

describe('channel contract', () => {
  it('accepts every kind with its config; defaults send_resolved and enabled', () => {
    for (const [kind, config] of [
      ['webhook', { url: 'https://h.example/x', headers: { Authorization: 'Bearer t' } }],
      ['slack', { url: 'https://hooks.slack.com/services/T/B/X' }],
      ['discord', { url: 'https://discord.com/api/webhooks/1/x' }],
      ['pagerduty', { routing_key: 'R0' }],
      ['alertmanager', { url: 'http://am.example:9093/hook' }],
    ] as const) {
      const r = channelCreateSchema.parse({ name: kind, kind, config });
      assert.equal(r.send_resolved, true);
      assert.equal(r.enabled, true);
    }
    const pd = channelCreateSchema.parse({
      name: 'pd',
      kind: 'pagerduty',
      config: { routing_key: 'k' },
    });
    assert.equal(pd.config.url, PAGERDUTY_EVENTS_URL);
  });

  it('names the bad field', () => {
    assert.deepEqual(fields({ name: 'x', kind: 'sms', config: {} }), ['kind']);
    assert.deepEqual(
      fields({ name: 'x', kind: 'webhook', config: { url: 'file:///etc/passwd' } }),
      ['config.url'],
    );
    assert.deepEqual(
      fields({ name: 'x', kind: 'webhook', config: { url: 'https://u:p@h.example' } }),
      ['config.url'],
    );
    assert.deepEqual(fields({ name: 'x', kind: 'pagerduty', config: { routing_key: '' } }), [
      'config.routing_key',
    ]);
    assert.deepEqual(fields({ name: '', kind: 'slack', config: { url: 'https://h.example' } }), [
      'name',
    ]);
    assert.deepEqual(
      fields({
        name: 'x',
        kind: 'webhook',
        config: { url: 'https://h.example', headers: { Host: 'evil' } },
      }),
      ['config.headers.Host'],
    );
    assert.deepEqual(
      fields({
        name: 'x',
        kind: 'webhook',
        config: { url: 'https://h.example', headers: { A: 'x\r\nB: y' } },
      }),
      ['config.headers.A'],
    );
    assert.deepEqual(
      fields({
        name: 'x',
        kind: 'webhook',
        config: { url: 'https://h.example' },
        secret: 'whsec_abc',
      }),
      ['secret'],
    );
  });

  it('generates whsec_ secrets of 24 random bytes; accepts given ones of 24 to 64 bytes', () => {
    const a = generateWebhookSecret();
    assert.match(a, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(secretBytes(a)!.length, WEBHOOK_SECRET_BYTES);
    assert.notEqual(a, generateWebhookSecret());
    const given = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    assert.ok(
      channelCreateSchema.safeParse({
        name: 'x',
        kind: 'slack',
        config: { url: 'https://h.example' },
        secret: given,
      }).success,
    );
    assert.equal(secretBytes('whsec_!!!!'), null);
    assert.equal(secretBytes('sk_abc'), null);
  });

  it('parses a config for a kind (PATCH) and masks secrets for display', () => {
    assert.equal(
      parseChannelConfig('slack', { url: 'https://h.example', extra: 1 }).success,
      false,
    );
    assert.deepEqual(
      redactChannelConfig('webhook', {
        url: 'https://h.example',
        headers: { Authorization: 'Bearer t' },
      }),
      { url: 'https://h.example', headers: { Authorization: '***' } },
    );
    assert.deepEqual(redactChannelConfig('pagerduty', { routing_key: 'abcdef123456', url: 'u' }), {
      routing_key: '***3456',
      url: 'u',
    });
  });
});
