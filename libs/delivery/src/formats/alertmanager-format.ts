import type { Formatter } from './format-context';

/** Alertmanager writes "zero time" for an alert that has not ended. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Alertmanager webhook (version "4"), one alert per message, so a receiver built for
 * Alertmanager (a webhook relay, a chat bridge) takes Fleetscope's alerts unchanged.
 * Alertmanager has no acknowledgement: an acknowledged alert is still `firing`, with an
 * `acknowledged_by` annotation.
 */
export const formatAlertmanager: Formatter = (n, ctx) => {
  const a = n.alert;
  const labels: Record<string, string> = {
    alertname: a.rule.name,
    severity: a.severity,
    ...a.labels,
  };
  const annotations: Record<string, string> = { ...a.annotations };
  if (a.acknowledged_by) annotations.acknowledged_by = a.acknowledged_by;
  const status = a.status === 'resolved' ? 'resolved' : 'firing';
  const groupLabels: Record<string, string> = { alertname: labels.alertname!, ...a.group };
  const groupKey = `{}:{${Object.entries(groupLabels)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([k, v]) => `${k}="${labelValue(v)}"`)
    .join(', ')}}`;
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: ctx.channel.name,
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: ctx.publicUrl,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: a.started_at,
        endsAt: a.ended_at ?? ZERO_TIME,
        generatorURL: n.links.alert,
        fingerprint: a.fingerprint,
      },
    ],
  };
};
