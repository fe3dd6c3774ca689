import type { Formatter } from './format-context';

/**
 * The generic webhook: the seed's body `{alert, rule, event, timestamp, severity}` (its
 * consumers keep working: `alert` is still the rule name, `rule` still has `condition`,
 * `threshold`, `window` and `enabled`), extended with the transition's `status`, `links`,
 * `delivery_kind` and the whole alert instance under `alert_instance`.
 */
export const formatWebhook: Formatter = (n) => {
  const a = n.alert;
  return {
    alert: a.rule.name,
    rule: {
      id: a.rule.id,
      name: a.rule.name,
      condition: a.rule.condition,
      threshold: a.rule.threshold,
      window: a.rule.window,
      operator: a.rule.operator,
      enabled: true,
    },
    event: n.event,
    timestamp: n.timestamp,
    severity: a.severity,
    status: a.status,
    delivery_kind: n.delivery_kind,
    links: n.links,
    alert_instance: {
      id: a.id,
      fingerprint: a.fingerprint,
      status: a.status,
      severity: a.severity,
      group: a.group,
      labels: a.labels,
      annotations: a.annotations,
      value: a.value,
      started_at: a.started_at,
      ended_at: a.ended_at,
      acknowledged_by: a.acknowledged_by,
    },
  };
};
