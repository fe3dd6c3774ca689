import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './config.schema';

const base = { FLEETSCOPE_MODE: 'all-in-one' };

describe('delivery configuration', () => {
  it('defaults', () => {
    assert.deepEqual(loadConfig(base).delivery, {
      allowPrivate: false,
      retryBaseMs: 5000,
      retryMaxMs: 36_000_000,
      maxAttempts: 12,
      timeoutMs: 15_000,
      concurrency: 8,
      relayIntervalMs: 5000,
      redisPrefix: 'fleetscope',
      publicUrl: 'http://localhost:3001',
    });
  });

  it('reads the variables; PUBLIC_URL loses its trailing slash', () => {
    const d = loadConfig({
      ...base,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_TIMEOUT_MS: '500',
      REDIS_PREFIX: 't1',
      PUBLIC_URL: 'https://fleet.example.com/',
    }).delivery;
    assert.deepEqual(
      [d.allowPrivate, d.retryBaseMs, d.maxAttempts, d.timeoutMs, d.redisPrefix, d.publicUrl],
      [true, 50, 3, 500, 't1', 'https://fleet.example.com'],
    );
  });

  it('names every bad delivery variable in one error', () => {
    try {
      loadConfig({
        ...base,
        WEBHOOK_MAX_ATTEMPTS: '0',
        WEBHOOK_ALLOW_PRIVATE: 'maybe',
        REDIS_PREFIX: 'a b',
      });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const fields = err.problems.map((p) => p.split(':')[0]).sort();
      assert.deepEqual(fields, ['REDIS_PREFIX', 'WEBHOOK_ALLOW_PRIVATE', 'WEBHOOK_MAX_ATTEMPTS']);
    }
  });
});
