import { notificationSummary, type NotificationSeverity } from '@fleetscope/domain';
import { clip, type Formatter, groupText, statusTag, valueText } from './format-context';

/** Embed colours (24-bit RGB as an integer): by severity while firing, green once resolved. */
export const DISCORD_COLORS: Record<NotificationSeverity | 'resolved' | 'acknowledged', number> = {
  critical: 0xd32f2f,
  high: 0xf57c00,
  warning: 0xfbc02d,
  info: 0x1976d2,
  resolved: 0x388e3c,
  acknowledged: 0x757575,
};

/**
 * Discord webhook: a short `content` line and one embed. Limits: content 2000 characters,
 * title 256, description 4096, field name 256 and value 1024. `allowed_mentions` is empty so
 * an alert's text can never ping @everyone.
 */
export const formatDiscord: Formatter = (n) => {
  const a = n.alert;
  const color = a.status === 'firing' ? DISCORD_COLORS[a.severity] : DISCORD_COLORS[a.status];
  const fields = [
    { name: 'Severity', value: a.severity, inline: true },
    { name: 'Value', value: valueText(a.value), inline: true },
    {
      name: 'Condition',
      value: clip(
        `${a.rule.condition} ${a.rule.operator} ${valueText(a.rule.threshold)} over ${a.rule.window}`,
        1024,
      ),
      inline: true,
    },
    { name: 'Group', value: clip(groupText(a.group), 1024), inline: false },
  ];
  if (a.acknowledged_by) {
    fields.push({ name: 'Acknowledged by', value: clip(a.acknowledged_by, 1024), inline: true });
  }
  const summary = notificationSummary(n);
  const description = a.annotations.description;
  return {
    content: clip(`**${statusTag(n)}** ${a.rule.name}`, 2000),
    embeds: [
      {
        title: clip(`${statusTag(n)} ${a.rule.name}`, 256),
        description: clip(description ? `${summary}\n${description}` : summary, 4096),
        url: n.links.alert,
        color,
        fields,
        timestamp: n.timestamp,
        footer: { text: 'Fleetscope' },
      },
    ],
    allowed_mentions: { parse: [] },
  };
};
