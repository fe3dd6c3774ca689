import { createHmac } from 'node:crypto';
import { secretBytes } from '@fleetscope/domain';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-id` (the delivery
 * id, the same on every attempt: the receiver's idempotency key), `webhook-timestamp` (Unix
 * seconds of this attempt) and `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `{id}.{timestamp}.{body}`, keyed with the base64-decoded part of the `whsec_` secret.
 * During a key rotation several secrets sign, and their signatures are space-separated.
 */

export interface SignInput {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  /** The exact bytes sent. */
  body: string;
  /** `whsec_…` secrets, current first. */
  secrets: readonly string[];
}

export function signatureOf(secret: string, id: string, timestamp: number, body: string): string {
  const key = secretBytes(secret);
  if (!key) throw new TypeError('not a whsec_ secret');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** The three headers, lower-case as the spec writes them. */
export function standardWebhookHeaders(s: SignInput): Record<string, string> {
  return {
    'webhook-id': s.id,
    'webhook-timestamp': String(s.timestamp),
    'webhook-signature': s.secrets
      .map((secret) => `v1,${signatureOf(secret, s.id, s.timestamp, s.body)}`)
      .join(' '),
  };
}
