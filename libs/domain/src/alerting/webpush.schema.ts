/**
 * Web Push (RFC 8030, encrypted per RFC 8291, VAPID per RFC 8292): a browser's push
 * subscription is a notification channel of kind `webpush` whose config is the
 * subscription (`PushSubscription.toJSON()`) plus who it wants to hear about. Alerts reach it
 * through the same outbox, queue, retries and delivery log as every channel.
 */
import { z } from 'zod';
import {
  NOTIFICATION_SEVERITIES,
  type NotificationSeverity,
  type NotificationStatus,
} from './notification.schema';
import { targetUrlSchema } from './target-url';

/** base64url without padding (what browsers give for `keys`). */
const B64URL_RE = /^[A-Za-z0-9_-]+$/;

/** Decoded length of a base64url string, or null when it is not one. */
export function base64UrlBytes(v: string): number | null {
  const s = v.replace(/=+$/, '');
  if (!B64URL_RE.test(s) || s.length % 4 === 1) return null;
  return Math.floor((s.length * 3) / 4);
}

const b64urlOfLength = (bytes: number, what: string) =>
  z
    .string()
    .trim()
    .refine((v) => base64UrlBytes(v) === bytes, {
      message: `must be the base64url of ${bytes} bytes (${what})`,
    });

/** The push service URL: https (http is refused later unless WEBHOOK_ALLOW_PRIVATE). */
const endpointSchema = targetUrlSchema({
  protocol: 'must be an https URL',
  credentials: 'must not carry credentials',
});

export const pushKeysSchema = z.object({
  /** The browser's P-256 public key, uncompressed point: 65 bytes. */
  p256dh: b64urlOfLength(65, 'an uncompressed P-256 public key'),
  /** The authentication secret: 16 bytes. */
  auth: b64urlOfLength(16, 'the subscription auth secret'),
});

/** Stored config of a `webpush` channel. */
export const webpushConfigSchema = z
  .object({
    endpoint: endpointSchema,
    keys: pushKeysSchema.strict(),
    /** Only alerts of this severity or higher are pushed. */
    min_severity: z.enum(NOTIFICATION_SEVERITIES).default('info'),
    /** A name for the device ("Ana's phone"). */
    label: z.string().trim().max(128).nullable().default(null),
  })
  .strict();
export type WebpushConfig = z.infer<typeof webpushConfigSchema>;

/**
 * Body of `POST /push/subscriptions`: the browser's `PushSubscription` JSON (its
 * `expirationTime` is accepted and ignored) plus `min_severity` and `label`.
 */
export const pushSubscriptionCreateSchema = z
  .object({
    endpoint: endpointSchema,
    keys: pushKeysSchema,
    expirationTime: z.number().nullable().optional(),
    min_severity: z.enum(NOTIFICATION_SEVERITIES).optional(),
    label: z.string().trim().max(128).nullable().optional(),
    /** Also push when the alert resolves (same tag: it replaces the firing notification). */
    send_resolved: z.boolean().optional(),
  })
  .strict();
export type PushSubscriptionCreate = z.infer<typeof pushSubscriptionCreateSchema>;

/** The subscription as `GET /push/subscriptions` shows it. */
export interface PushSubscriptionView {
  id: string;
  endpoint: string;
  min_severity: NotificationSeverity;
  label: string | null;
  send_resolved: boolean;
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
}

/**
 * Whether a push subscription is notified of a transition: firing (and resolved when it
 * wants those, which `send_resolved` decides elsewhere) at or above its `min_severity`.
 * Acknowledgements are not pushed: they are what a person just did.
 */
export function webpushWants(
  config: { min_severity?: unknown },
  status: NotificationStatus,
  severity: NotificationSeverity,
): boolean {
  if (status === 'acknowledged') return false;
  const min = NOTIFICATION_SEVERITIES.includes(config.min_severity as NotificationSeverity)
    ? (config.min_severity as NotificationSeverity)
    : 'info';
  return NOTIFICATION_SEVERITIES.indexOf(severity) >= NOTIFICATION_SEVERITIES.indexOf(min);
}
