/**
 * The retry policy of deliveries, as ONE pure function of an attempt's outcome: what the
 * row becomes and when the next attempt is due. Nothing else in delivery decides retries
 * (the queue adapters only schedule what this returns), so there is one retry layer.
 *
 * Schedule: exponential backoff with full jitter. The ceiling of the n-th retry is
 * `min(capMs, baseMs · multiplier^(n-1))`; the delay is uniform in [floor, ceiling]. With the
 * defaults (5 s, ×3, 10 h cap, 12 attempts) the ceilings run 5 s, 15 s, 45 s, 2¼ min, 6¾ min,
 * 20 min, 1 h, 3 h, 9 h, 10 h, 10 h: about 34 h of ceilings, 17 h expected, in the spirit of
 * Standard Webhooks' "immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h…".
 */

export interface RetryPolicyOptions {
  /** Attempts per cycle, the first included; after the last a retriable failure is `dead`. */
  maxAttempts: number;
  /** Ceiling of the first retry's delay (WEBHOOK_RETRY_BASE_MS). */
  baseMs: number;
  /** Growth of the ceiling per retry. */
  multiplier: number;
  /** Largest delay, also the largest `Retry-After` honoured. */
  capMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  maxAttempts: 12,
  baseMs: 5_000,
  multiplier: 3,
  capMs: 10 * 3_600_000,
};

/** What one attempt came to (the HTTP sender's result, reduced to what decides). */
export type AttemptOutcome =
  | { kind: 'response'; status: number; retryAfter?: string | null | undefined }
  | { kind: 'timeout' }
  | { kind: 'network'; error: string }
  /** The SSRF guard refused the address: a configuration problem, never retried. */
  | { kind: 'refused'; reason: string };

export type RetryDecision =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number; reason: string }
  | { kind: 'failed'; reason: string; disableChannel: boolean }
  | { kind: 'dead'; reason: string };

/**
 * @param attempt the attempt just made, 1-based, within the current cycle
 * @param random uniform in [0, 1): injected so tests freeze the jitter
 */
export function decideRetry(
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicyOptions,
  nowMs: number,
  random: () => number = Math.random,
): RetryDecision {
  let reason: string;
  let retryAfterMs: number | null = null;
  switch (outcome.kind) {
    case 'refused':
      return { kind: 'failed', reason: outcome.reason, disableChannel: false };
    case 'timeout':
      reason = 'timeout';
      break;
    case 'network':
      reason = outcome.error;
      break;
    case 'response': {
      const s = outcome.status;
      if (s >= 200 && s < 300) return { kind: 'delivered' };
      if (s === 410) {
        return { kind: 'failed', reason: 'HTTP 410 Gone: channel disabled', disableChannel: true };
      }
      // NOTE: redirects are never followed (a redirect to a private address is the classic
      // SSRF bypass); the receiver's URL is wrong, which retrying does not fix.
      if (s >= 300 && s < 400) {
        return {
          kind: 'failed',
          reason: `HTTP ${s}: redirects are not followed`,
          disableChannel: false,
        };
      }
      if (s >= 400 && s < 500 && s !== 408 && s !== 429) {
        return { kind: 'failed', reason: `HTTP ${s}`, disableChannel: false };
      }
      reason = `HTTP ${s}`;
      retryAfterMs = parseRetryAfter(outcome.retryAfter, nowMs);
      break;
    }
  }
  if (attempt >= policy.maxAttempts) {
    return { kind: 'dead', reason: `${reason} (attempt ${attempt} of ${policy.maxAttempts})` };
  }
  const backoff = backoffDelayMs(attempt, policy, random);
  const delayMs =
    retryAfterMs === null ? backoff : Math.max(backoff, Math.min(retryAfterMs, policy.capMs));
  return { kind: 'retry', delayMs, reason };
}

/**
 * Full jitter: uniform in [floor, min(cap, base · multiplier^(attempt-1))], where the floor
 * (the smaller of one second and `baseMs`) keeps an unlucky draw from retrying at once.
 */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicyOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * policy.multiplier ** (attempt - 1));
  const floor = Math.min(1_000, policy.baseMs, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}

/**
 * `Retry-After` as milliseconds from `nowMs`: delay-seconds (`120`) or an HTTP date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`). Null when absent or unreadable; 0 for a past date.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value == null) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // RFC 9110: an IMF-fixdate (the obsolete RFC 850 and asctime forms parse too).
  if (!/[A-Za-z]/.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}
