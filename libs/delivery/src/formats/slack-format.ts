import { notificationSummary } from '@fleetscope/domain';
import { clip, type Formatter, groupText, statusTag, valueText } from './format-context';

const EMOJI = {
  firing: ':rotating_light:',
  resolved: ':white_check_mark:',
  acknowledged: ':eyes:',
};

/** Slack's mrkdwn escapes only these three. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack incoming webhook: `text` is the fallback (notifications, screen readers), `blocks`
 * the message. Block Kit limits: header 150 characters, section text 3000, field 2000.
 */
export const formatSlack: Formatter = (n) => {
  const a = n.alert;
  const emoji = n.delivery_kind === 'test' ? ':test_tube:' : EMOJI[a.status];
  const title = `${statusTag(n)} ${a.rule.name}`;
  const summary = notificationSummary(n);
  const fields = [
    `*Severity*\n${a.severity}`,
    `*Value*\n${valueText(a.value)}`,
    `*Condition*\n${esc(`${a.rule.condition} ${a.rule.operator} ${valueText(a.rule.threshold)} over ${a.rule.window}`)}`,
    `*Group*\n${esc(groupText(a.group))}`,
  ];
  if (a.acknowledged_by) fields.push(`*Acknowledged by*\n${esc(a.acknowledged_by)}`);
  const context = [`Started ${a.started_at}`];
  if (a.ended_at) context.push(`ended ${a.ended_at}`);
  const description = a.annotations.description;
  return {
    text: clip(`${emoji} ${title}: ${summary}`, 3000),
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: clip(`${emoji} ${title}`, 150), emoji: true },
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(esc(description ? `${summary}\n${description}` : summary), 3000),
        },
        fields: fields.map((text) => ({ type: 'mrkdwn', text: clip(text, 2000) })),
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: esc(context.join(' · ')) }] },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'View alert' },
            url: n.links.alert,
          },
        ],
      },
    ],
  };
};
