import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { freePort, startApi, waitFor, waitReady, type Proc } from '../support/processes';
import { Receiver } from '../support/receiver';
import { WsProbe } from '../support/ws-client';

/**
 * Alert rules and their lifecycle through the all-in-one process: the seed's rule body, an
 * error burst fires ONE alert per group (not one per event), it shows in /alerts and on the
 * WebSocket, can be acknowledged, and resolves once the errors stop; silences and bad input.
 */
describe('all-in-one: alert rules, lifecycle, silences', () => {
  let dataDir: string;
  let port: number;
  let api: Proc;
  let base: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-alerts-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(
      { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ENABLE_ALERTS: 'true' },
      ['--all-in-one'],
    );
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    status = 200,
  ): Promise<T> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    assert.equal(r.status, status, `${method} ${path}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : null) as T;
  };
  const post = (events: unknown[]) => call('POST', '/events/batch', events, 202);

  it('creates the seed default rules once, and validates rule bodies naming the field', async () => {
    const rules = await call<{ name: string }[]>('GET', '/alerts/rules');
    assert.deepEqual(rules.map((r) => r.name).sort(), [
      'high_error_rate',
      'high_event_rate',
      'slow_response',
    ]);
    const bad: [unknown, string][] = [
      [{ condition: 'error_rate', threshold: 0.1 }, 'name'],
      [{ name: 'x', condition: 'errors', threshold: 1 }, 'condition'],
      [{ name: 'x', condition: 'error_rate' }, 'threshold'],
      [{ name: 'x', condition: 'error_rate', threshold: 3 }, 'threshold'],
      [{ name: 'x', condition: 'event_count', threshold: 1, window: 'soon' }, 'window'],
      [{ name: 'x', condition: 'event_count', threshold: 1, group_by: ['planet'] }, 'group_by'],
      [{ name: 'x', condition: 'event_count', threshold: 1, severity: 'meh' }, 'severity'],
      [{ name: 'x', condition: 'event_count', threshold: 1, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of bad) {
      const r = await fetch(`${base}/alerts/rules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await r.json()) as { details?: { field: string }[] };
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(
        json.details?.some((d) => d.field.startsWith(field)),
        JSON.stringify(json),
      );
    }
  });

  it('fires one alert per group for an error burst, lists it, streams it, acknowledges and resolves it', async () => {
    // The seed's custom rule body, plus a group and a short window for the test.
    const rule = await call<{ id: string; window: string; severity: string }>(
      'POST',
      '/alerts/rules',
      {
        name: 'burst',
        condition: 'error_rate',
        threshold: 0.2,
        window: '10s',
        enabled: true,
        group_by: ['app'],
        filters: { app: ['burst-a', 'burst-b'] },
      },
      201,
    );
    assert.equal(rule.window, '10s');
    assert.equal(rule.severity, 'high', 'the seed: error_rate rules are high');
    const ws = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    ws.send({ type: 'subscribe', id: 'al', channels: ['alerts'] });
    await ws.waitFor((m) => m.type === 'subscribed');

    // 1,000 events, half of them errors, across two apps: two alerts, not a thousand.
    for (let k = 0; k < 5; k++) {
      await post(
        Array.from({ length: 200 }, (_, i) => ({
          app: i % 2 ? 'burst-a' : 'burst-b',
          session_id: `s-${i % 5}`,
          event_type: i % 4 < 2 ? 'error' : 'step',
          payload: { k, i },
        })),
      );
    }
    type Alert = {
      id: string;
      status: string;
      group: { app: string };
      rule_id: string;
      value: number;
    };
    const firing = await waitFor(
      'two firing alerts',
      async () => {
        const rows = await call<Alert[]>('GET', `/alerts?status=firing&rule_id=${rule.id}`);
        return rows.length === 2 ? rows : undefined;
      },
      15_000,
    );
    assert.deepEqual(firing.map((a) => a.group.app).sort(), ['burst-a', 'burst-b']);
    assert.ok(firing.every((a) => a.value === 0.5));
    // (The default high_error_rate rule fires for these apps too: count this rule's only.)
    const mine = (m: Record<string, unknown>, action: string) =>
      m.type === 'alert' && m.action === action && (m.data as Alert).rule_id === rule.id;
    await ws.waitFor((m) => mine(m, 'firing'), 5000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(
      ws.messages.filter((m) => mine(m, 'firing')).length,
      2,
      'one firing message per group',
    );

    const a = firing.find((x) => x.group.app === 'burst-a')!;
    const acked = await call<{ acknowledged_by: string }>('POST', `/alerts/${a.id}/ack`, {
      by: 'oncall@example.com',
      note: 'looking',
    });
    assert.equal(acked.acknowledged_by, 'oncall@example.com');
    await call('POST', `/alerts/${a.id}/ack`, {}, 400);

    // Errors stop: resolved after the window empties plus the 30 s hysteresis.
    const resolved = await waitFor(
      'both alerts resolved',
      async () => {
        const rows = await call<Alert[]>('GET', `/alerts?status=resolved&rule_id=${rule.id}`);
        return rows.length === 2 ? rows : undefined;
      },
      70_000,
      500,
    );
    assert.equal(resolved.length, 2);
    const detail = await call<{ timeline: { action: string; actor: string | null }[] }>(
      'GET',
      `/alerts/${a.id}`,
    );
    assert.deepEqual(
      detail.timeline.map((t) => t.action),
      ['firing', 'acknowledged', 'resolved'],
    );
    assert.equal(detail.timeline[1]!.actor, 'oncall@example.com');
    await ws.waitFor((m) => mine(m, 'resolved'), 5000);
    ws.close();
  });

  it('silences notifications by label, lists and ends silences, and rejects bad ones', async () => {
    const s = await call<{ id: string; state: string }>(
      'POST',
      '/alerts/silences',
      {
        matchers: [{ name: 'app', value: 'quiet-.*', op: '=~' }],
        duration: '1h',
        comment: 'maintenance',
      },
      201,
    );
    assert.equal(s.state, 'active');
    const listed = await call<{ id: string }[]>('GET', '/alerts/silences');
    assert.ok(listed.some((x) => x.id === s.id));
    await call('POST', '/alerts/silences', { matchers: [] }, 400);
    await call(
      'POST',
      '/alerts/silences',
      { matchers: [{ name: 'a', value: '(', op: '=~' }], duration: '1h' },
      400,
    );
    await call('DELETE', `/alerts/silences/${s.id}`, undefined, 204);
    await call('DELETE', `/alerts/silences/${s.id}`, undefined, 404);
    assert.ok(
      !(await call<{ id: string }[]>('GET', '/alerts/silences')).some((x) => x.id === s.id),
    );
  });
});

/**
 * The "done when": with WEBHOOK_URL set, the seed's custom rule created over the API,
 * an error burst, and a receiver that is down at first gets ONE signed notification (after
 * retries), the alert fires in /alerts and on the WebSocket, and resolves (with a resolved
 * notification) when the errors stop.
 */
describe('all-in-one: WEBHOOK_URL, the seed scenario end to end', () => {
  let dataDir: string;
  let port: number;
  let api: Proc;
  let base: string;
  let receiver: Receiver;

  before(async () => {
    // Down for the first two attempts of every delivery, then up.
    receiver = await Receiver.start((_req, n) => (n <= 2 ? { status: 503 } : { status: 200 }));
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-webhook-'));
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(
      {
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        ENABLE_ALERTS: 'true',
        WEBHOOK_URL: `${receiver.base}/hook`,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_RETRY_BASE_MS: '200',
      },
      ['--all-in-one'],
    );
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    await receiver?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : null) as T;
  };

  it('delivers one signed firing notification after retries, and a resolved one', async () => {
    // The default rules would notify too: switch them off to count this rule's messages.
    for (const r of await call<{ id: string }[]>('GET', '/alerts/rules')) {
      await call('PATCH', `/alerts/rules/${r.id}`, { enabled: false });
    }
    const channels = await call<{ id: string; name: string }[]>('GET', '/alerts/channels');
    const channel = channels.find((c) => c.name === 'default')!;
    assert.ok(channel, 'WEBHOOK_URL became the default webhook channel');
    const { secret } = await call<{ secret: string }>(
      'POST',
      `/alerts/channels/${channel.id}/rotate-secret`,
    );
    const rule = await call<{ id: string }>('POST', '/alerts/rules', {
      name: 'custom_error_burst',
      condition: 'error_rate',
      threshold: 0.3,
      window: '10s',
      enabled: true,
    });
    const ws = await WsProbe.connect(`ws://127.0.0.1:${port}/ws`);
    ws.send({ type: 'subscribe', id: 'al', channels: ['alerts'] });
    await ws.waitFor((m) => m.type === 'subscribed');
    await new Promise((r) => setTimeout(r, 5500)); // the evaluator picks the rule up
    await call('POST', '/events/batch', [
      ...Array.from({ length: 150 }, (_, i) => ({
        app: 'seedapp',
        session_id: 's1',
        event_type: i % 2 ? 'error' : 'llm_call',
        payload: { i },
      })),
    ]);

    const firingBodies = () =>
      receiver.requests.filter((r) => r.answered === 200 && JSON.parse(r.body).status === 'firing');
    await waitFor('a delivered firing notification', async () => firingBodies().length > 0, 30_000);
    const ok = firingBodies();
    assert.equal(ok.length, 1, 'exactly one accepted firing notification');
    const id = String(ok[0]!.headers['webhook-id']);
    assert.deepEqual(
      receiver.of(id).map((r) => r.answered),
      [503, 503, 200],
      'the same webhook-id on every retry',
    );
    const headers = {
      'webhook-id': id,
      'webhook-timestamp': String(ok[0]!.headers['webhook-timestamp']),
      'webhook-signature': String(ok[0]!.headers['webhook-signature']),
    };
    const body = new Webhook(secret).verify(ok[0]!.body, headers) as Record<string, unknown>;
    // The seed's body, extended with status and links.
    assert.equal(body.alert, 'custom_error_burst');
    const seedRule = body.rule as Record<string, unknown>;
    assert.equal(seedRule.condition, 'error_rate');
    assert.equal(seedRule.threshold, 0.3);
    assert.equal(seedRule.window, '10s');
    assert.equal((body.event as { app: string }).app, '*');
    assert.equal(body.severity, 'high');
    assert.equal(body.status, 'firing');
    assert.match(String((body.links as { alert: string }).alert), /\/alerts\//);

    const firing = await call<{ id: string; status: string }[]>(
      'GET',
      `/alerts?status=firing&rule_id=${rule.id}`,
    );
    assert.equal(firing.length, 1);
    await ws.waitFor((m) => m.type === 'alert' && m.action === 'firing', 5000);

    // The errors stop: resolved (window + hysteresis), and the receiver hears it once.
    await waitFor(
      'a delivered resolved notification',
      async () =>
        receiver.requests.some(
          (r) => r.answered === 200 && JSON.parse(r.body).status === 'resolved',
        ),
      90_000,
      500,
    );
    const resolved = await call<{ status: string; timeline: { action: string }[] }>(
      'GET',
      `/alerts/${firing[0]!.id}`,
    );
    assert.equal(resolved.status, 'resolved');
    const deliveries = await call<{ status: string }[]>(
      'GET',
      `/alerts/deliveries?alert_id=${firing[0]!.id}`,
    );
    assert.deepEqual(deliveries.map((d) => d.status).sort(), ['delivered', 'delivered']);
    ws.close();
  });

  it('notifies nobody about a silenced alert, and says so on its timeline', async () => {
    await call('POST', '/alerts/silences', {
      matchers: [{ name: 'app', value: 'mutedapp' }],
      duration: '1h',
      comment: 'maintenance window',
    });
    const rule = await call<{ id: string }>('POST', '/alerts/rules', {
      name: 'muted_burst',
      condition: 'error_rate',
      threshold: 0.3,
      window: '10s',
      group_by: ['app'],
      filters: { app: 'mutedapp' },
    });
    await new Promise((r) => setTimeout(r, 5500));
    await call(
      'POST',
      '/events/batch',
      Array.from({ length: 100 }, (_, i) => ({
        app: 'mutedapp',
        session_id: 'm1',
        event_type: i % 2 ? 'error' : 'step',
        payload: { i },
      })),
    );
    const [alert] = await waitFor(
      'the silenced alert to fire',
      async () => {
        const rows = await call<{ id: string }[]>(
          'GET',
          `/alerts?status=firing&rule_id=${rule.id}`,
        );
        return rows.length > 0 ? rows : undefined;
      },
      15_000,
    );
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(
      receiver.requests.filter((r) => JSON.parse(r.body).alert === 'muted_burst').length,
      0,
      'nothing reached the receiver',
    );
    const detail = await call<{ timeline: { action: string; note: string | null }[] }>(
      'GET',
      `/alerts/${alert!.id}`,
    );
    assert.deepEqual(
      detail.timeline.map((t) => t.action),
      ['firing', 'silenced'],
    );
    assert.match(String(detail.timeline[1]!.note), /silence/);
  });
});
