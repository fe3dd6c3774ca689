import type { AlertNotification, ChannelKind } from '@fleetscope/domain';
import { formatAlertmanager } from './alertmanager-format';
import { formatDiscord } from './discord-format';
import type { FormatContext, Formatter } from './format-context';
import { formatPagerduty } from './pagerduty-format';
import { formatSlack } from './slack-format';
import { formatWebhook } from './webhook-format';
import { formatWebpush } from './webpush-format';

export const FORMATTERS: Record<ChannelKind, Formatter> = {
  webhook: formatWebhook,
  slack: formatSlack,
  discord: formatDiscord,
  pagerduty: formatPagerduty,
  alertmanager: formatAlertmanager,
  webpush: formatWebpush,
};

/** The request a channel gets: its JSON body (the exact bytes that are signed) and headers. */
export function formatNotification(
  n: AlertNotification,
  ctx: FormatContext,
): { body: string; headers: Record<string, string> } {
  const t = ctx.channel.target;
  const body = JSON.stringify(FORMATTERS[t.kind](n, ctx));
  const headers = t.kind === 'webhook' ? { ...(t.config.headers ?? {}) } : {};
  return { body, headers };
}
