import { createHash } from 'node:crypto';
import type { AlertNotification, WebpushConfig } from '@fleetscope/domain';
import { generateRequestDetails, type Urgency } from 'web-push';
import type { SendRequest } from '../http/http-sender';
import type { VapidDetails } from './vapid-keys';

/** An alert is worth little after a day; a channel test after five minutes. */
export const WEBPUSH_TTL_S = { alert: 86_400, test: 300 } as const;

/**
 * The HTTP request of one push message: the payload encrypted for the subscription
 * (aes128gcm, RFC 8291) and the VAPID `Authorization: vapid t=…, k=…` header, both made by
 * the `web-push` library (no cryptography of ours). Built per attempt, so every retry
 * carries a fresh JWT. Header names are lower-cased so they replace the sender's defaults.
 */
export function webpushRequest(
  config: WebpushConfig,
  payload: string,
  vapid: VapidDetails,
  n: AlertNotification,
): SendRequest {
  const details = generateRequestDetails(
    { endpoint: config.endpoint, keys: config.keys },
    payload,
    {
      vapidDetails: vapid,
      TTL: n.delivery_kind === 'test' ? WEBPUSH_TTL_S.test : WEBPUSH_TTL_S.alert,
      urgency: urgencyOf(n),
      // The push service keeps only the newest undelivered message of a topic: a resolve
      // queued for an offline phone replaces its firing.
      topic: topicOf(n.alert.fingerprint),
      contentEncoding: 'aes128gcm',
    },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(details.headers)) headers[k.toLowerCase()] = String(v);
  return { url: config.endpoint, body: details.body ?? Buffer.alloc(0), headers };
}

export function urgencyOf(n: AlertNotification): Urgency {
  if (n.delivery_kind === 'test' || n.alert.status !== 'firing') return 'normal';
  switch (n.alert.severity) {
    case 'critical':
    case 'high':
      return 'high';
    case 'warning':
      return 'normal';
    case 'info':
      return 'low';
  }
}

/** ≤ 32 base64url characters, as RFC 8030 asks of a Topic. */
export function topicOf(fingerprint: string): string {
  return createHash('sha256').update(fingerprint).digest('base64url').slice(0, 32);
}
