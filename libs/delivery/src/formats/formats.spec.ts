import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testNotification } from '@fleetscope/domain';
import {
  contextFor,
  firingNotification,
  resolvedNotification,
} from '../testing/notification.fixture';
import { formatAlertmanager } from './alertmanager-format';
import { DISCORD_COLORS, formatDiscord } from './discord-format';
import { formatNotification } from './format-notification';
import { formatPagerduty, pagerdutyDedupKey } from './pagerduty-format';
import { formatSlack } from './slack-format';
import { formatWebhook } from './webhook-format';

const webhook = contextFor({ kind: 'webhook', config: { url: 'https://hooks.example.com/x' } });
const slack = contextFor({
  kind: 'slack',
  config: { url: 'https://hooks.slack.com/services/T/B/X' },
});
const discord = contextFor({
  kind: 'discord',
  config: { url: 'https://discord.com/api/webhooks/1/x' },
});
const pagerduty = contextFor({
  kind: 'pagerduty',
  config: { routing_key: 'R0UTINGKEY', url: 'https://events.pagerduty.com/v2/enqueue' },
});
const alertmanager = contextFor({
  kind: 'alertmanager',
  config: { url: 'https://am.example.com/hook' },
});

const RULE = {
  id: 'rule-1',
  name: 'high_error_rate',
  condition: 'error_rate',
  threshold: 0.1,
  window: '5m',
  operator: '>',
};
const LABELS = {
  alertname: 'high_error_rate',
  severity: 'high',
  app: 'checkout',
  team: 'payments',
};
const ANNOTATIONS = { summary: 'Error rate 25% on checkout (threshold 10%)' };
const LINK = 'https://fleetscope.example.com/alerts/al_1';

describe('webhook format (the seed body, extended)', () => {
  it('golden: firing', () => {
    assert.deepEqual(formatWebhook(firingNotification(), webhook), {
      alert: 'high_error_rate',
      rule: { ...RULE, enabled: true },
      event: { app: 'checkout', event_type: 'error', timestamp: '2026-11-20T11:59:58.000Z' },
      timestamp: '2026-11-20T12:00:01.000Z',
      severity: 'high',
      status: 'firing',
      delivery_kind: 'alert',
      links: { alert: LINK },
      alert_instance: {
        id: 'al_1',
        fingerprint: 'rule-1:app=checkout',
        status: 'firing',
        severity: 'high',
        group: { app: 'checkout' },
        labels: LABELS,
        annotations: ANNOTATIONS,
        value: 0.25,
        started_at: '2026-11-20T12:00:00.000Z',
        ended_at: null,
        acknowledged_by: null,
      },
    });
  });

  it("keeps the seed's fields and types: alert is the rule name, rule has condition/threshold/window/enabled", () => {
    const body = formatWebhook(resolvedNotification(), webhook) as Record<string, unknown>;
    for (const k of ['alert', 'rule', 'event', 'timestamp', 'severity']) assert.ok(k in body, k);
    assert.equal(typeof body.alert, 'string');
    assert.equal(body.status, 'resolved');
    const rule = body.rule as Record<string, unknown>;
    assert.deepEqual(
      [rule.condition, rule.threshold, rule.window, rule.enabled],
      ['error_rate', 0.1, '5m', true],
    );
  });

  it('adds the channel headers; the body is the exact JSON that gets signed', () => {
    const ctx = contextFor({
      kind: 'webhook',
      config: { url: 'https://hooks.example.com/x', headers: { Authorization: 'Bearer t' } },
    });
    const { body, headers } = formatNotification(firingNotification(), ctx);
    assert.deepEqual(headers, { Authorization: 'Bearer t' });
    assert.deepEqual(JSON.parse(body), formatWebhook(firingNotification(), ctx));
  });
});

describe('Slack format', () => {
  it('golden: firing', () => {
    assert.deepEqual(formatSlack(firingNotification(), slack), {
      text: ':rotating_light: [FIRING] high_error_rate: Error rate 25% on checkout (threshold 10%)',
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: ':rotating_light: [FIRING] high_error_rate',
            emoji: true,
          },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'Error rate 25% on checkout (threshold 10%)' },
          fields: [
            { type: 'mrkdwn', text: '*Severity*\nhigh' },
            { type: 'mrkdwn', text: '*Value*\n0.25' },
            { type: 'mrkdwn', text: '*Condition*\nerror_rate &gt; 0.1 over 5m' },
            { type: 'mrkdwn', text: '*Group*\napp=checkout' },
          ],
        },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: 'Started 2026-11-20T12:00:00.000Z' }],
        },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'View alert' }, url: LINK },
          ],
        },
      ],
    });
  });

  it('resolved: a check mark and the end time; mrkdwn control characters escaped', () => {
    const n = resolvedNotification();
    n.alert.annotations = { summary: 'x <!channel> & y' };
    const out = formatSlack(n, slack) as { text: string; blocks: { text?: { text: string } }[] };
    assert.match(out.text, /^:white_check_mark: \[RESOLVED\] high_error_rate/);
    assert.equal(out.blocks[1]!.text!.text, 'x &lt;!channel&gt; &amp; y');
    assert.match(JSON.stringify(out.blocks[2]), /ended 2026-11-20T12:10:00.000Z/);
  });

  it('clips the header to Block Kit’s 150 characters', () => {
    const n = firingNotification();
    n.alert.rule.name = 'r'.repeat(300);
    const out = formatSlack(n, slack) as { blocks: { text: { text: string } }[] };
    assert.equal(out.blocks[0]!.text.text.length, 150);
  });
});

describe('Discord format', () => {
  it('golden: firing', () => {
    assert.deepEqual(formatDiscord(firingNotification(), discord), {
      content: '**[FIRING]** high_error_rate',
      embeds: [
        {
          title: '[FIRING] high_error_rate',
          description: 'Error rate 25% on checkout (threshold 10%)',
          url: LINK,
          color: 0xf57c00,
          fields: [
            { name: 'Severity', value: 'high', inline: true },
            { name: 'Value', value: '0.25', inline: true },
            { name: 'Condition', value: 'error_rate > 0.1 over 5m', inline: true },
            { name: 'Group', value: 'app=checkout', inline: false },
          ],
          timestamp: '2026-11-20T12:00:01.000Z',
          footer: { text: 'Fleetscope' },
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  it('colour by severity while firing, green when resolved', () => {
    const color = (n: ReturnType<typeof firingNotification>) =>
      (formatDiscord(n, discord) as { embeds: { color: number }[] }).embeds[0]!.color;
    assert.equal(color(firingNotification({ severity: 'critical' })), DISCORD_COLORS.critical);
    assert.equal(color(firingNotification({ severity: 'warning' })), DISCORD_COLORS.warning);
    assert.equal(color(firingNotification({ severity: 'info' })), DISCORD_COLORS.info);
    assert.equal(color(resolvedNotification()), DISCORD_COLORS.resolved);
    assert.equal(new Set(Object.values(DISCORD_COLORS)).size, 6);
  });
});

describe('PagerDuty Events v2 format', () => {
  it('golden: trigger', () => {
    assert.deepEqual(formatPagerduty(firingNotification(), pagerduty), {
      routing_key: 'R0UTINGKEY',
      event_action: 'trigger',
      dedup_key: 'rule-1:app=checkout',
      payload: {
        summary: 'Error rate 25% on checkout (threshold 10%)',
        source: 'checkout',
        severity: 'error',
        timestamp: '2026-11-20T12:00:00.000Z',
        group: 'high_error_rate',
        class: 'error_rate',
        custom_details: {
          alert_id: 'al_1',
          rule: RULE,
          value: 0.25,
          group: { app: 'checkout' },
          labels: LABELS,
          annotations: ANNOTATIONS,
        },
      },
      links: [{ href: LINK, text: 'Alert in Fleetscope' }],
      client: 'Fleetscope',
      client_url: LINK,
    });
  });

  it('golden: resolve and acknowledge carry only the key, the action and the same dedup_key', () => {
    assert.deepEqual(formatPagerduty(resolvedNotification(), pagerduty), {
      routing_key: 'R0UTINGKEY',
      event_action: 'resolve',
      dedup_key: 'rule-1:app=checkout',
    });
    const acked = firingNotification({ status: 'acknowledged', acknowledged_by: 'ana' });
    assert.deepEqual(formatPagerduty(acked, pagerduty), {
      routing_key: 'R0UTINGKEY',
      event_action: 'acknowledge',
      dedup_key: 'rule-1:app=checkout',
    });
  });

  it('dedup_key stays within 255 characters, stable for a long fingerprint', () => {
    const long = 'f'.repeat(600);
    const key = pagerdutyDedupKey(long);
    assert.ok(key.length <= 255);
    assert.equal(key, pagerdutyDedupKey(long));
    assert.notEqual(key, pagerdutyDedupKey(`${long}x`));
    assert.equal(pagerdutyDedupKey('x'.repeat(255)), 'x'.repeat(255));
  });

  it('summary ≤ 1024 characters; a test says so', () => {
    const n = firingNotification();
    n.alert.annotations = { summary: 's'.repeat(5000) };
    const out = formatPagerduty(n, pagerduty) as { payload: { summary: string } };
    assert.equal(out.payload.summary.length, 1024);
    const t = formatPagerduty(testNotification('ch_1', 'https://x', new Date(0)), pagerduty) as {
      payload: { summary: string; severity: string };
    };
    assert.match(t.payload.summary, /^\[TEST\] /);
    assert.equal(t.payload.severity, 'info');
  });
});

describe('Alertmanager v4 format', () => {
  it('golden: firing', () => {
    assert.deepEqual(formatAlertmanager(firingNotification(), alertmanager), {
      version: '4',
      groupKey: '{}:{alertname="high_error_rate", app="checkout"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'ops',
      groupLabels: { alertname: 'high_error_rate', app: 'checkout' },
      commonLabels: LABELS,
      commonAnnotations: ANNOTATIONS,
      externalURL: 'https://fleetscope.example.com',
      alerts: [
        {
          status: 'firing',
          labels: LABELS,
          annotations: ANNOTATIONS,
          startsAt: '2026-11-20T12:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: LINK,
          fingerprint: 'rule-1:app=checkout',
        },
      ],
    });
  });

  it('resolved has endsAt; acknowledged stays firing with an annotation', () => {
    const r = formatAlertmanager(resolvedNotification(), alertmanager) as {
      status: string;
      alerts: { status: string; endsAt: string }[];
    };
    assert.equal(r.status, 'resolved');
    assert.deepEqual(
      [r.alerts[0]!.status, r.alerts[0]!.endsAt],
      ['resolved', '2026-11-20T12:10:00.000Z'],
    );
    const a = formatAlertmanager(
      firingNotification({ status: 'acknowledged', acknowledged_by: 'ana' }),
      alertmanager,
    ) as { status: string; alerts: { annotations: Record<string, string> }[] };
    assert.equal(a.status, 'firing');
    assert.equal(a.alerts[0]!.annotations.acknowledged_by, 'ana');
  });

  it('adds alertname and severity labels when the alert has none; escapes the group key', () => {
    const n = firingNotification({ labels: {}, group: { app: 'a"b' } });
    const out = formatAlertmanager(n, alertmanager) as {
      groupKey: string;
      alerts: { labels: Record<string, string> }[];
    };
    assert.deepEqual(out.alerts[0]!.labels, { alertname: 'high_error_rate', severity: 'high' });
    assert.equal(out.groupKey, '{}:{alertname="high_error_rate", app="a\\"b"}');
  });
});
