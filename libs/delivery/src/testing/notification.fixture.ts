import type { AlertNotification, ChannelTarget } from '@fleetscope/domain';
import type { FormatContext } from '../formats/format-context';

/** A firing `high_error_rate` alert for app checkout, with fixed times: golden inputs. */
export function firingNotification(
  overrides: Partial<AlertNotification['alert']> = {},
): AlertNotification {
  return {
    delivery_kind: 'alert',
    alert: {
      id: 'al_1',
      fingerprint: 'rule-1:app=checkout',
      status: 'firing',
      severity: 'high',
      rule: {
        id: 'rule-1',
        name: 'high_error_rate',
        condition: 'error_rate',
        threshold: 0.1,
        window: '5m',
        operator: '>',
      },
      group: { app: 'checkout' },
      labels: { alertname: 'high_error_rate', severity: 'high', app: 'checkout', team: 'payments' },
      annotations: { summary: 'Error rate 25% on checkout (threshold 10%)' },
      value: 0.25,
      started_at: '2026-11-20T12:00:00.000Z',
      ended_at: null,
      acknowledged_by: null,
      ...overrides,
    },
    event: { app: 'checkout', event_type: 'error', timestamp: '2026-11-20T11:59:58.000Z' },
    timestamp: '2026-11-20T12:00:01.000Z',
    links: { alert: 'https://fleetscope.example.com/alerts/al_1' },
  };
}

export function resolvedNotification(): AlertNotification {
  const n = firingNotification({
    status: 'resolved',
    ended_at: '2026-11-20T12:10:00.000Z',
    value: 0.02,
  });
  return { ...n, timestamp: '2026-11-20T12:10:00.000Z' };
}

export function contextFor(target: ChannelTarget, name = 'ops'): FormatContext {
  return {
    channel: { id: 'ch_1', name, target },
    publicUrl: 'https://fleetscope.example.com',
  };
}
