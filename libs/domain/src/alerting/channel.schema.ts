/**
 * Notification channels: where alert notifications go and in which format. The config of
 * each kind is validated here; the API stores it as JSON next to a per-channel signing secret
 * (Standard Webhooks, `whsec_<base64>`).
 */
import { z } from 'zod';
import { targetUrlSchema } from './target-url';
import { webpushConfigSchema, type WebpushConfig } from './webpush.schema';

/** `webpush` channels are browser push subscriptions, made by POST /push/subscriptions. */
export const CHANNEL_KINDS = [
  'webhook',
  'slack',
  'discord',
  'pagerduty',
  'alertmanager',
  'webpush',
] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** PagerDuty Events API v2. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Headers a channel may not set: the transport and the signature are ours. */
export const RESERVED_HEADERS = [
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
] as const;

const httpUrl = targetUrlSchema({
  protocol: 'must be an http or https URL',
  credentials: 'must not carry credentials; put them in headers',
});

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'not an HTTP header name')
  .refine((h) => !(RESERVED_HEADERS as readonly string[]).includes(h.toLowerCase()), {
    message: `must not be one of ${RESERVED_HEADERS.join(', ')}`,
  });
const headerValue = z
  .string()
  .max(4096)
  .regex(/^[^\r\n\0]*$/, 'must not contain line breaks');

export const webhookConfigSchema = z
  .object({
    url: httpUrl,
    /** Extra request headers (an `Authorization` for the receiver, say). */
    headers: z
      .record(headerName, headerValue)
      .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')
      .optional(),
  })
  .strict();
export const slackConfigSchema = z.object({ url: httpUrl }).strict();
export const discordConfigSchema = z.object({ url: httpUrl }).strict();
export const pagerdutyConfigSchema = z
  .object({
    /** The integration key of a PagerDuty service (Events API v2). */
    routing_key: z.string().trim().min(1).max(128),
    url: httpUrl.default(PAGERDUTY_EVENTS_URL),
  })
  .strict();
export const alertmanagerConfigSchema = z.object({ url: httpUrl }).strict();

export const CHANNEL_CONFIG_SCHEMAS = {
  webhook: webhookConfigSchema,
  slack: slackConfigSchema,
  discord: discordConfigSchema,
  pagerduty: pagerdutyConfigSchema,
  alertmanager: alertmanagerConfigSchema,
  webpush: webpushConfigSchema,
} as const;

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
export type SlackConfig = z.infer<typeof slackConfigSchema>;
export type DiscordConfig = z.infer<typeof discordConfigSchema>;
export type PagerdutyConfig = z.infer<typeof pagerdutyConfigSchema>;
export type AlertmanagerConfig = z.infer<typeof alertmanagerConfigSchema>;

/** A channel's kind and its parsed config, narrowed together. */
export type ChannelTarget =
  | { kind: 'webhook'; config: WebhookConfig }
  | { kind: 'slack'; config: SlackConfig }
  | { kind: 'discord'; config: DiscordConfig }
  | { kind: 'pagerduty'; config: PagerdutyConfig }
  | { kind: 'alertmanager'; config: AlertmanagerConfig }
  | { kind: 'webpush'; config: WebpushConfig };

/** The URL a channel posts to (a push subscription's endpoint). */
export function channelUrl(t: ChannelTarget): string {
  return t.kind === 'webpush' ? t.config.endpoint : t.config.url;
}

const SECRET_PREFIX = 'whsec_';
/** 24 random bytes, as Standard Webhooks' reference libraries generate. */
export const WEBHOOK_SECRET_BYTES = 24;

/** `whsec_` + base64 of 24 to 64 bytes. */
export const webhookSecretSchema = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const bytes = secretBytes(v);
    if (bytes === null || bytes.length < WEBHOOK_SECRET_BYTES || bytes.length > 64) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'must be whsec_ followed by the base64 of 24 to 64 bytes',
      });
    }
  });

/** The HMAC key of a `whsec_` secret, or null when it is not one. */
export function secretBytes(secret: string): Uint8Array | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export function generateWebhookSecret(): string {
  const buf = new Uint8Array(WEBHOOK_SECRET_BYTES);
  globalThis.crypto.getRandomValues(buf);
  return SECRET_PREFIX + btoa(String.fromCharCode(...buf));
}

const channelName = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^\0\r\n]*$/, 'must not contain line breaks');

const common = {
  name: channelName,
  /** Also notify when an alert resolves (Alertmanager's `send_resolved`). */
  send_resolved: z.boolean().default(true),
  enabled: z.boolean().default(true),
  /** Leave out to have one generated (shown once, in the create response). */
  secret: webhookSecretSchema.optional(),
};

/** Body of POST /alerts/channels. */
export const channelCreateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webhook'), config: webhookConfigSchema, ...common }).strict(),
  z.object({ kind: z.literal('slack'), config: slackConfigSchema, ...common }).strict(),
  z.object({ kind: z.literal('discord'), config: discordConfigSchema, ...common }).strict(),
  z.object({ kind: z.literal('pagerduty'), config: pagerdutyConfigSchema, ...common }).strict(),
  z
    .object({ kind: z.literal('alertmanager'), config: alertmanagerConfigSchema, ...common })
    .strict(),
]);
export type ChannelCreate = z.infer<typeof channelCreateSchema>;

/** Body of PATCH /alerts/channels/:id. The kind never changes; a new config replaces the old. */
export const channelPatchSchema = z
  .object({
    name: channelName.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    send_resolved: z.boolean().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type ChannelPatch = z.infer<typeof channelPatchSchema>;

/** Parses a config for a kind; the caller prefixes issue paths with `config`. */
export function parseChannelConfig(
  kind: ChannelKind,
  config: unknown,
): z.SafeParseReturnType<unknown, ChannelTarget['config']> {
  return CHANNEL_CONFIG_SCHEMAS[kind].safeParse(config);
}

/** Config as the API shows it: extra header values and the routing key are masked. */
export function redactChannelConfig(
  kind: ChannelKind,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  if (kind === 'webhook' && config.headers && typeof config.headers === 'object') {
    out.headers = Object.fromEntries(Object.keys(config.headers).map((k) => [k, '***']));
  }
  if (kind === 'pagerduty' && typeof config.routing_key === 'string') {
    out.routing_key = `***${config.routing_key.slice(-4)}`;
  }
  if (kind === 'webpush' && config.keys && typeof config.keys === 'object') {
    out.keys = { ...(config.keys as Record<string, unknown>), auth: '***' };
  }
  return out;
}
