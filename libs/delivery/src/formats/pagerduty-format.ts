import { createHash } from 'node:crypto';
import { notificationSummary, type NotificationSeverity } from '@fleetscope/domain';
import { clip, type Formatter } from './format-context';

/** Our severities onto PagerDuty's four. */
export const PAGERDUTY_SEVERITY: Record<
  NotificationSeverity,
  'critical' | 'error' | 'warning' | 'info'
> = {
  critical: 'critical',
  high: 'error',
  warning: 'warning',
  info: 'info',
};

const ACTION = { firing: 'trigger', acknowledged: 'acknowledge', resolved: 'resolve' } as const;

/**
 * PagerDuty's `dedup_key`: the alert fingerprint, so trigger, acknowledge and resolve of one
 * alert land on one incident. At most 255 characters: a longer fingerprint is hashed.
 */
export function pagerdutyDedupKey(fingerprint: string): string {
  if (fingerprint.length <= 255) return fingerprint;
  return `sha256:${createHash('sha256').update(fingerprint).digest('hex')}`;
}

/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`). A trigger carries the payload
 * (summary ≤ 1024, source, severity, timestamp, component, group, class, custom_details) and
 * links; acknowledge and resolve need only the routing key, the action and the dedup key.
 */
export const formatPagerduty: Formatter = (n, ctx) => {
  if (ctx.channel.target.kind !== 'pagerduty') throw new TypeError('not a pagerduty channel');
  const a = n.alert;
  const base = {
    routing_key: ctx.channel.target.config.routing_key,
    event_action: ACTION[a.status],
    dedup_key: pagerdutyDedupKey(a.fingerprint),
  };
  if (a.status !== 'firing') return base;
  return {
    ...base,
    payload: {
      summary: clip(
        `${n.delivery_kind === 'test' ? '[TEST] ' : ''}${notificationSummary(n)}`,
        1024,
      ),
      source: a.group.app ?? n.event?.app ?? 'fleetscope',
      severity: PAGERDUTY_SEVERITY[a.severity],
      timestamp: a.started_at,
      ...(a.group.agent ? { component: a.group.agent } : {}),
      group: a.rule.name,
      class: a.rule.condition,
      custom_details: {
        alert_id: a.id,
        rule: a.rule,
        value: a.value,
        group: a.group,
        labels: a.labels,
        annotations: a.annotations,
      },
    },
    links: [{ href: n.links.alert, text: 'Alert in Fleetscope' }],
    client: 'Fleetscope',
    client_url: n.links.alert,
  };
};
