import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alertLink,
  alertNotificationSchema,
  notificationSummary,
  testNotification,
} from './notification.schema';

describe('AlertNotification contract', () => {
  it('a test notification is a valid notification, recognisable as a test', () => {
    const n = testNotification('ch-1', 'https://fleet.example.com/', new Date(0));
    assert.deepEqual(alertNotificationSchema.parse(n), n);
    assert.equal(n.delivery_kind, 'test');
    assert.equal(n.alert.fingerprint, 'fleetscope-test:ch-1');
    assert.equal(n.links.alert, 'https://fleet.example.com/alerts/channels/ch-1');
  });

  it('refuses a notification without its facts', () => {
    const n = testNotification('ch-1', 'http://x', new Date(0));
    const bad = { ...n, alert: { ...n.alert, status: 'pending' } };
    assert.equal(alertNotificationSchema.safeParse(bad).success, false);
    assert.equal(alertNotificationSchema.safeParse({ ...n, links: {} }).success, false);
  });

  it('links and summaries', () => {
    assert.equal(alertLink('https://f.example/', 'a b'), 'https://f.example/alerts/a%20b');
    const n = testNotification('c', 'http://x', new Date(0));
    assert.equal(notificationSummary(n), 'Test notification from Fleetscope');
    n.alert.annotations = {};
    n.alert.rule = {
      ...n.alert.rule,
      name: 'r',
      condition: 'error_rate',
      threshold: 0.1,
      window: '5m',
    };
    n.alert.value = 0.123456789;
    assert.equal(notificationSummary(n), 'r: error_rate > 0.1 over 5m (value 0.123457)');
  });
});
