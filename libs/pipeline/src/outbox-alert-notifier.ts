import { ChannelsRepository, DeliveriesRepository, type SqlExecutor } from '@fleetscope/db';
import {
  alertLabels,
  alertLink,
  formatDuration,
  type AlertAction,
  type AlertNotification,
  type AlertRule,
  type AlertView,
  type DeliveryNotifier,
  webpushWants,
} from '@fleetscope/domain';
import type { AlertNotifier } from './alert-runner';

/**
 * Turns an alert transition into outbox rows, one per target channel, inside the
 * transition's transaction; after the commit, pokes the delivery queue. The channels are the
 * rule's (`channels`), or every enabled channel of the project when the rule names none,
 * plus the project's push subscriptions that want it (see `webpushWants`); a channel with
 * `send_resolved = false` gets no `resolved`.
 */
export class OutboxAlertNotifier implements AlertNotifier {
  private readonly channels = new ChannelsRepository();
  private readonly deliveries = new DeliveriesRepository();

  constructor(
    private readonly queue: DeliveryNotifier,
    private readonly publicUrl: string,
  ) {}

  async notify(
    tx: SqlExecutor,
    alert: AlertView,
    action: AlertAction,
    rule: AlertRule,
  ): Promise<string[]> {
    const status =
      action === 'resolved' ? 'resolved' : action === 'acknowledged' ? 'acknowledged' : 'firing';
    if (rule.channels !== null && rule.channels.length === 0) return [];
    // Push subscriptions (`webpush`) are people, not routes: they hear every alert of their
    // project at or above their min_severity, whichever channels the rule names.
    const named = rule.channels;
    const targets = (await this.channels.list(tx, alert.project_id, { enabledOnly: true })).filter(
      (c) =>
        c.kind === 'webpush'
          ? webpushWants(c.config, status, alert.severity)
          : named === null || named.includes(c.id),
    );
    const at =
      status === 'resolved'
        ? (alert.resolved_at ?? alert.updated_at)
        : status === 'acknowledged'
          ? (alert.acknowledged_at ?? alert.updated_at)
          : (alert.last_notified_at ?? alert.updated_at);
    const payload: AlertNotification = {
      delivery_kind: 'alert',
      alert: {
        id: alert.id,
        fingerprint: alert.fingerprint,
        status,
        severity: alert.severity,
        rule: {
          id: rule.id,
          name: rule.name,
          condition: rule.condition,
          threshold: rule.threshold,
          window: formatDuration(rule.window_ms),
          operator: rule.operator,
        },
        group: alert.group,
        labels: alertLabels(alert),
        annotations: alert.annotations,
        value: alert.value,
        started_at: alert.fired_at ?? alert.started_at,
        ended_at: alert.resolved_at,
        acknowledged_by: alert.acknowledged_by,
      },
      // The seed's body names an event; an alert over a window has a group instead.
      event: {
        app: alert.group.app ?? (typeof rule.filters.app === 'string' ? rule.filters.app : '*'),
        event_type:
          alert.group.event_type ??
          (typeof rule.filters.event_type === 'string' ? rule.filters.event_type : '*'),
        timestamp: at,
      },
      timestamp: at,
      links: { alert: alertLink(this.publicUrl, alert.id) },
    };
    const ids: string[] = [];
    for (const channel of targets) {
      if (status === 'resolved' && !channel.send_resolved) continue;
      ids.push(
        await this.deliveries.enqueue(tx, {
          projectId: alert.project_id,
          alertId: alert.id,
          // One row per (transition, channel): a retried transaction cannot notify twice.
          transitionId: `${alert.id}:${action}:${at}`,
          channelId: channel.id,
          payload,
        }),
      );
    }
    return ids;
  }

  dispatch(deliveryIds: readonly string[]): void {
    void this.queue.enqueue(deliveryIds);
  }
}
