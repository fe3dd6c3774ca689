import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffDelayMs,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicyOptions,
} from './retry-policy';

const NOW = Date.parse('2026-11-20T12:00:00.000Z');
const policy: RetryPolicyOptions = {
  maxAttempts: 5,
  baseMs: 5_000,
  multiplier: 3,
  capMs: 3_600_000,
};
/** Frozen jitter. */
const top = () => 0.999999;
const half = () => 0.5;
const zero = () => 0;

describe('decideRetry', () => {
  it('2xx is delivered, whatever the attempt', () => {
    for (const status of [200, 201, 202, 204, 299]) {
      assert.deepEqual(decideRetry({ kind: 'response', status }, 5, policy, NOW, half), {
        kind: 'delivered',
      });
    }
  });

  it('410 fails and disables the channel', () => {
    assert.deepEqual(decideRetry({ kind: 'response', status: 410 }, 1, policy, NOW, half), {
      kind: 'failed',
      reason: 'HTTP 410 Gone: channel disabled',
      disableChannel: true,
    });
  });

  it('other 4xx stop (failed), except 408 and 429 which retry', () => {
    for (const status of [400, 401, 403, 404, 405, 413, 422]) {
      const d = decideRetry({ kind: 'response', status }, 1, policy, NOW, half);
      assert.deepEqual(d, { kind: 'failed', reason: `HTTP ${status}`, disableChannel: false });
    }
    for (const status of [408, 429]) {
      assert.equal(decideRetry({ kind: 'response', status }, 1, policy, NOW, half).kind, 'retry');
    }
  });

  it('3xx is not followed and not retried', () => {
    const d = decideRetry({ kind: 'response', status: 302 }, 1, policy, NOW, half);
    assert.equal(d.kind, 'failed');
  });

  it('5xx, timeouts and network errors retry with the backoff', () => {
    for (const outcome of [
      { kind: 'response', status: 500 } as const,
      { kind: 'response', status: 503 } as const,
      { kind: 'timeout' } as const,
      { kind: 'network', error: 'ECONNREFUSED' } as const,
    ]) {
      const d = decideRetry(outcome, 2, policy, NOW, half);
      assert.equal(d.kind, 'retry');
      assert.equal(d.kind === 'retry' && d.delayMs, backoffDelayMs(2, policy, half));
    }
  });

  it('a refused address (SSRF guard) fails at once', () => {
    const d = decideRetry({ kind: 'refused', reason: 'private' }, 1, policy, NOW, half);
    assert.deepEqual(d, { kind: 'failed', reason: 'private', disableChannel: false });
  });

  it('after the last attempt a retriable failure is dead', () => {
    const d = decideRetry({ kind: 'response', status: 500 }, 5, policy, NOW, half);
    assert.deepEqual(d, { kind: 'dead', reason: 'HTTP 500 (attempt 5 of 5)' });
    assert.equal(decideRetry({ kind: 'timeout' }, 4, policy, NOW, half).kind, 'retry');
  });

  it('Retry-After is honoured: the delay is at least what it asks', () => {
    const d = decideRetry(
      { kind: 'response', status: 429, retryAfter: '120' },
      1,
      policy,
      NOW,
      zero,
    );
    assert.deepEqual(d, { kind: 'retry', delayMs: 120_000, reason: 'HTTP 429' });
    const date = new Date(NOW + 90_000).toUTCString();
    const d2 = decideRetry(
      { kind: 'response', status: 503, retryAfter: date },
      1,
      policy,
      NOW,
      zero,
    );
    assert.equal(d2.kind === 'retry' && d2.delayMs, 90_000);
  });

  it('a shorter Retry-After does not shorten the backoff; a huge one is capped', () => {
    const d = decideRetry({ kind: 'response', status: 429, retryAfter: '1' }, 3, policy, NOW, top);
    assert.equal(d.kind === 'retry' && d.delayMs, backoffDelayMs(3, policy, top));
    const huge = decideRetry(
      { kind: 'response', status: 429, retryAfter: '999999' },
      1,
      policy,
      NOW,
      zero,
    );
    assert.equal(huge.kind === 'retry' && huge.delayMs, policy.capMs);
  });
});

describe('backoffDelayMs (full jitter)', () => {
  it('ceilings grow ×3 from the base and stop at the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((a) =>
      backoffDelayMs(a, DEFAULT_RETRY_POLICY, () => 1),
    );
    assert.deepEqual(
      ceilings,
      [
        5_000, 15_000, 45_000, 135_000, 405_000, 1_215_000, 3_645_000, 10_935_000, 32_805_000,
        36_000_000, 36_000_000,
      ],
    );
    // About a day of ceilings: the schedule spans hours, as Standard Webhooks suggests.
    const hours = ceilings.reduce((a, b) => a + b, 0) / 3_600_000;
    assert.ok(hours > 24 && hours < 40, `${hours} h`);
  });

  it('the delay is uniform between a floor of one second and the ceiling', () => {
    assert.equal(backoffDelayMs(1, policy, zero), 1_000);
    assert.equal(backoffDelayMs(1, policy, half), 3_000);
    assert.equal(backoffDelayMs(3, policy, half), Math.round(1_000 + 0.5 * (45_000 - 1_000)));
    const small = { ...policy, baseMs: 100 };
    assert.equal(backoffDelayMs(1, small, zero), 100, 'the floor never exceeds the base');
  });

  it('a different random gives a different delay (jitter is real)', () => {
    assert.notEqual(
      backoffDelayMs(4, policy, () => 0.1),
      backoffDelayMs(4, policy, () => 0.9),
    );
  });
});

describe('parseRetryAfter', () => {
  it('delay-seconds', () => {
    assert.equal(parseRetryAfter('0', NOW), 0);
    assert.equal(parseRetryAfter('5', NOW), 5_000);
    assert.equal(parseRetryAfter(' 120 ', NOW), 120_000);
  });

  it('HTTP dates (IMF-fixdate, RFC 850, asctime); past dates are 0', () => {
    assert.equal(parseRetryAfter('Fri, 20 Nov 2026 12:01:00 GMT', NOW), 60_000);
    assert.equal(parseRetryAfter('Friday, 20-Nov-26 12:00:30 GMT', NOW), 30_000);
    assert.equal(parseRetryAfter('Fri Nov 20 12:00:10 2026', NOW) !== null, true);
    assert.equal(parseRetryAfter('Thu, 19 Nov 2026 12:00:00 GMT', NOW), 0);
  });

  it('absent or unreadable is null', () => {
    for (const v of [undefined, null, '', '  ', '-5', '1.5', 'soon', '12abc']) {
      assert.equal(parseRetryAfter(v, NOW), null, String(v));
    }
  });
});
