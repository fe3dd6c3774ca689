import { notificationSummary } from '@fleetscope/domain';
import { clip, groupText, statusTag, type Formatter } from './format-context';

/** What the dashboard's service worker reads from a push message (before encryption). */
export interface WebpushNotification {
  title: string;
  body: string;
  /** Deep link: `PUBLIC_URL/alerts/<id>`. */
  url: string;
  /** The alert fingerprint: a later message of the same alert replaces the earlier one. */
  tag: string;
  severity: string;
  status: string;
}

/**
 * A push message is at most about 4 KiB once encrypted (RFC 8291 allows 4,096 bytes of
 * ciphertext); the texts are clipped well below that.
 */
export const formatWebpush: Formatter = (n): WebpushNotification => {
  const a = n.alert;
  const group = Object.keys(a.group).length > 0 ? ` (${groupText(a.group)})` : '';
  return {
    title: clip(`${statusTag(n)} ${a.rule.name}${group}`, 200),
    body: clip(`${a.severity.toUpperCase()}: ${notificationSummary(n)}`, 1000),
    url: n.links.alert,
    tag: clip(a.fingerprint, 256),
    severity: a.severity,
    status: a.status,
  };
};
