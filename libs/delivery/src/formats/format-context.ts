import type { AlertNotification, ChannelTarget } from '@fleetscope/domain';

/** What a formatter gets besides the notification: the channel it renders for. */
export interface FormatContext {
  channel: { id: string; name: string; target: ChannelTarget };
  /** Where the API is reached (PUBLIC_URL): Alertmanager's `externalURL`. */
  publicUrl: string;
}

/** A formatter: the JSON body one kind of receiver expects. Pure; golden-tested. */
export type Formatter = (n: AlertNotification, ctx: FormatContext) => unknown;

/** `[FIRING]`, `[RESOLVED]`, `[ACKNOWLEDGED]`, or `[TEST]` for a channel test. */
export function statusTag(n: AlertNotification): string {
  return n.delivery_kind === 'test' ? '[TEST]' : `[${n.alert.status.toUpperCase()}]`;
}

/** Cuts to `max` characters, marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** `app=checkout, agent=a1`, or `—` for an ungrouped alert. */
export function groupText(group: Record<string, string>): string {
  const parts = Object.entries(group).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(', ') : '—';
}

export function valueText(v: number | null): string {
  if (v === null) return '—';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
