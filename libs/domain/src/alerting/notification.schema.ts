/**
 * The notification contract between alert evaluation and delivery: what the evaluator
 * stores in an outbox row (`webhook_deliveries.payload`), one per (transition, channel), and
 * what every channel formatter reads. Formatting happens at send time, so the row keeps the
 * facts and not one receiver's rendering of them.
 */
import { z } from 'zod';

/** Same names as the rule severities (`ALERT_SEVERITIES`); kept here so delivery owns its contract. */
export const NOTIFICATION_SEVERITIES = ['info', 'warning', 'high', 'critical'] as const;
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

/** The transitions that notify. A reminder of a still-firing alert (`repeat`) is `firing`. */
export const NOTIFICATION_STATUSES = ['firing', 'resolved', 'acknowledged'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** `alert`: a real transition; `test`: POST /alerts/channels/:id/test. */
export const DELIVERY_KINDS = ['alert', 'test'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

const stringMap = z.record(z.string(), z.string());
const iso = z.string().min(1).max(64);

export const alertNotificationSchema = z.object({
  delivery_kind: z.enum(DELIVERY_KINDS),
  alert: z.object({
    id: z.string().min(1).max(256),
    /** Stable per (rule, group): PagerDuty's dedup_key, Alertmanager's fingerprint. */
    fingerprint: z.string().min(1).max(1024),
    status: z.enum(NOTIFICATION_STATUSES),
    severity: z.enum(NOTIFICATION_SEVERITIES),
    rule: z.object({
      id: z.string().min(1).max(256),
      name: z.string().min(1).max(256),
      condition: z.string().min(1).max(128),
      threshold: z.number(),
      /** As the seed shows it: `5m`, `1h`. */
      window: z.string().max(32),
      operator: z.string().max(8),
    }),
    /** The group's key values (`{app: "checkout"}`); empty for an ungrouped rule. */
    group: stringMap,
    /** Rule labels plus group and `alertname`/`severity`, as Alertmanager expects them. */
    labels: stringMap,
    /** `summary`, `description`, `runbook_url`… */
    annotations: stringMap,
    value: z.number().nullable(),
    started_at: iso,
    ended_at: iso.nullable(),
    acknowledged_by: z.string().max(256).nullable(),
  }),
  /** The event that tipped the rule, when there is one (the seed body carries it). */
  event: z
    .object({ app: z.string(), event_type: z.string(), timestamp: iso })
    .passthrough()
    .nullable(),
  /** When the transition happened (ISO 8601). */
  timestamp: iso,
  links: z.object({ alert: z.string().max(2048) }).passthrough(),
});

export type AlertNotification = z.infer<typeof alertNotificationSchema>;

/** `GET /alerts/:id` under the public base URL (no trailing slash doubling). */
export function alertLink(publicUrl: string, alertId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/alerts/${encodeURIComponent(alertId)}`;
}

/** The human line every chat format leads with. */
export function notificationSummary(n: AlertNotification): string {
  const a = n.alert;
  const given = a.annotations.summary;
  if (given) return given;
  const value = a.value === null ? '' : ` (value ${formatNumber(a.value)})`;
  return `${a.rule.name}: ${a.rule.condition} ${a.rule.operator} ${formatNumber(a.rule.threshold)} over ${a.rule.window}${value}`;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** The notification a channel test sends: recognisable, harmless, never a real alert. */
export function testNotification(
  channelId: string,
  publicUrl: string,
  now: Date,
): AlertNotification {
  const at = now.toISOString();
  return {
    delivery_kind: 'test',
    alert: {
      id: `test-${channelId}`,
      fingerprint: `fleetscope-test:${channelId}`,
      status: 'firing',
      severity: 'info',
      rule: {
        id: 'test',
        name: 'fleetscope_test',
        condition: 'test',
        threshold: 0,
        window: '0s',
        operator: '>',
      },
      group: {},
      labels: { alertname: 'fleetscope_test', severity: 'info' },
      annotations: {
        summary: 'Test notification from Fleetscope',
        description: 'Sent by POST /alerts/channels/:id/test. No alert is firing.',
      },
      value: null,
      started_at: at,
      ended_at: null,
      acknowledged_by: null,
    },
    event: null,
    timestamp: at,
    links: { alert: `${publicUrl.replace(/\/+$/, '')}/alerts/channels/${channelId}` },
  };
}
