/**
 * The alerting API's shapes and names as the dashboard uses them. Types come from
 * libs/domain (type-only: no zod in the bundle); the lists are repeated here and checked
 * against the domain's types with `satisfies`, so a renamed condition fails the build.
 */
import type {
  AlertCondition,
  AlertOperator,
  AlertSeverity,
  AlertView,
  ChannelKind,
  ChannelView,
  DeliveryStatus,
  DeliveryView,
  ResponseTimeStat,
} from '@fleetscope/domain';

export type { AlertView, ChannelView, DeliveryView, ChannelKind, DeliveryStatus };

export const CONDITIONS = [
  { value: 'error_rate', label: 'Error rate', hint: 'share of events that are errors (0–1)' },
  { value: 'event_count', label: 'Event count', hint: 'events in the window' },
  { value: 'event_rate', label: 'Event rate', hint: 'events per minute' },
  { value: 'response_time', label: 'Response time', hint: 'duration of events, ms' },
  { value: 'anomaly', label: 'Anomaly', hint: 'open anomalies (score)' },
  { value: 'absence', label: 'Absence', hint: 'no events for longer than the window' },
  { value: 'token_usage', label: 'Token usage', hint: 'tokens in the window' },
  { value: 'cost', label: 'Cost', hint: 'USD in the window' },
] as const satisfies readonly { value: AlertCondition; label: string; hint: string }[];

export const OPERATORS = ['>', '>=', '<', '<='] as const satisfies readonly AlertOperator[];
export const SEVERITIES = [
  'info',
  'warning',
  'high',
  'critical',
] as const satisfies readonly AlertSeverity[];
export const STATS = [
  'avg',
  'p50',
  'p95',
  'p99',
  'max',
] as const satisfies readonly ResponseTimeStat[];
export const GROUP_KEYS = ['app', 'agent', 'session', 'event_type', 'model'] as const;
/** Kinds made on the Channels view (`webpush` channels are made by Settings, per device). */
export const CHANNEL_KINDS = [
  'webhook',
  'slack',
  'discord',
  'pagerduty',
  'alertmanager',
] as const satisfies readonly ChannelKind[];
export type CreatableKind = (typeof CHANNEL_KINDS)[number];
export const DELIVERY_STATUSES = [
  'pending',
  'delivering',
  'delivered',
  'failed',
  'dead',
  'skipped',
] as const satisfies readonly DeliveryStatus[];
/** What `POST /alerts/deliveries/:id/redeliver` accepts. */
export const REDELIVERABLE: readonly DeliveryStatus[] = ['failed', 'dead'];

export interface AlertTimelineEntry {
  at: string;
  action: string;
  value: number | null;
  actor: string | null;
  note: string | null;
}
export type AlertDetail = AlertView & { timeline?: AlertTimelineEntry[] };

export type AlertFiltersView = Partial<
  Record<'app' | 'agent_id' | 'session_id' | 'event_type' | 'model', string | string[]>
> & { tags?: Record<string, string> };

/** A rule as `GET /alerts/rules` returns it (durations as strings). */
export interface AlertRuleView {
  id: string;
  name: string;
  condition: AlertCondition;
  operator: AlertOperator;
  threshold: number;
  window: string;
  for: string;
  stat: ResponseTimeStat | null;
  group_by: string[];
  filters: AlertFiltersView;
  severity: AlertSeverity;
  channels: string[] | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  repeat_interval: string;
  min_events: number;
  anomaly_kind: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface SilenceMatcher {
  name: string;
  value: string;
  op: '=' | '!=' | '=~' | '!~';
}

export interface SilenceView {
  id: string;
  matchers: SilenceMatcher[];
  starts_at: string;
  ends_at: string;
  created_by: string | null;
  comment: string | null;
  state: 'active' | 'pending' | 'expired';
}

/** A value of a condition, in its unit: 0.5 → "50.0 %" for an error rate. */
export function fmtAlertValue(condition: string, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (condition) {
    case 'error_rate':
      return `${(v * 100).toFixed(1)} %`;
    case 'response_time':
      return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;
    case 'cost':
      return `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
    case 'event_rate':
      return `${Number(v.toPrecision(4))}/min`;
    default:
      return String(Number(v.toPrecision(6)));
  }
}

/** "error_rate > 20.0 % over 10s, for 1m, per app" */
export function ruleSummary(
  r: Pick<
    AlertRuleView,
    'condition' | 'operator' | 'threshold' | 'window' | 'for' | 'stat' | 'group_by'
  >,
): string {
  const what = r.condition === 'response_time' ? `${r.stat ?? 'avg'} response_time` : r.condition;
  const cond =
    r.condition === 'absence'
      ? `no events for ${r.window}`
      : `${what} ${r.operator} ${fmtAlertValue(r.condition, r.threshold)} over ${r.window}`;
  const forPart = r.for && r.for !== '0ms' && r.for !== '0s' ? `, for ${r.for}` : '';
  const by = r.group_by.length ? `, per ${r.group_by.join(' + ')}` : '';
  return `${cond}${forPart}${by}`;
}

/** `{app: "x", agent: "y"}` → "app=x agent=y" (or "fleet" for an ungrouped rule). */
export function groupText(group: Record<string, string>): string {
  const parts = Object.entries(group).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(' ') : 'fleet';
}

/**
 * The labels a silence is matched on, as the API builds them: the rule's labels, the
 * group, `alertname` and `severity`.
 */
export function alertLabels(a: AlertView): Record<string, string> {
  return { ...a.labels, ...a.group, alertname: a.rule_name, severity: a.severity };
}

/** Shown state of an alert: acknowledged is a firing alert someone took. */
export type AlertTab = 'firing' | 'acknowledged' | 'pending' | 'resolved';
export function alertTab(a: AlertView): AlertTab {
  if (a.status === 'firing') return a.acknowledged_at ? 'acknowledged' : 'firing';
  if (a.status === 'pending') return 'pending';
  return 'resolved';
}

export function channelTarget(c: ChannelView): string {
  const url = typeof c.config.url === 'string' ? c.config.url : '';
  if (c.kind === 'pagerduty')
    return `routing key ${typeof c.config.routing_key === 'string' ? c.config.routing_key : ''}`;
  if (typeof c.config.endpoint === 'string') {
    try {
      return `push service ${new URL(c.config.endpoint).host}`;
    } catch {
      return 'push subscription';
    }
  }
  return url;
}
