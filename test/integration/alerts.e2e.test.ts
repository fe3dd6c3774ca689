import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startApi, waitFor, waitReady, type Proc } from '../support/processes';
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
