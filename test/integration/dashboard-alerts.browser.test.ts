/**
 * The dashboard's alerting, SQL console and Requests (HITL) views in a real browser
 * (Debian's Chromium) against a real all-in-one Fleetscope: a rule made in the form fires on
 * posted events and is acknowledged from the Firing tab; a webhook channel made in the UI
 * sends a test to a loopback receiver and the delivery log shows it; the SQL console counts
 * events per app and exports them as CSV; a waiting agent's permission request is approved
 * in the browser and its long poll returns at once. Every view is photographed at desktop
 * and phone width, and no page error may happen.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { disHitl } from '@fleetscope/domain/dist/ingest/test-fixtures';
import {
  DESKTOP,
  PHONE,
  launchBrowser,
  newPage,
  postEvents,
  screenshot,
  startAllInOne,
  type AllInOne,
} from '../support/browser';
import { waitFor } from '../support/processes';
import { Receiver } from '../support/receiver';

let server: AllInOne;
let browser: Browser;
let receiver: Receiver;

const RULE = 'ui-burst-rate';
const BURST_APP = 'ui-burst';
const SQL_APP = 'ui-sql';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${server.base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function open(page: Page, path: string, heading: RegExp | string): Promise<void> {
  await page.goto(`${server.base}${path}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 20_000 });
}

/** No sideways scrolling at phone width: the view is one column. */
async function assertFitsWidth(page: Page, what: string): Promise<void> {
  // (Runs in the page: the test's lib has no DOM types.)
  const { scroll, width } = await page.evaluate(() => {
    const w = globalThis as unknown as {
      innerWidth: number;
      document: { documentElement: { scrollWidth: number } };
    };
    return { scroll: w.document.documentElement.scrollWidth, width: w.innerWidth };
  });
  assert.ok(scroll <= width + 1, `${what}: page is ${scroll} px wide in a ${width} px viewport`);
}

interface AlertRow {
  id: string;
  rule_name: string;
  status: string;
  acknowledged_at: string | null;
}

describe('dashboard: alerts, channels, SQL console and requests in Chromium', () => {
  let alertId = '';

  before(async () => {
    receiver = await Receiver.start();
    server = await startAllInOne({ ENABLE_ALERTS: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.stop();
  });

  it('creates a rule in the form (a 400 shown at its field), sees it fire, acknowledges and silences it, edits and switches the rule off', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/alerts/rules/new', 'New alert rule');
    await page.getByLabel('Name', { exact: true }).fill(RULE);
    await page.getByLabel('Condition').selectOption('error_rate');
    await page.getByLabel('Threshold').fill('0.2');
    await page.getByLabel('Window').fill('soon');
    await page.getByLabel('For', { exact: true }).fill('0s');
    await page.getByLabel('Only apps').fill(BURST_APP);
    await page.getByLabel('Severity').selectOption('critical');
    await page.getByRole('button', { name: 'Create rule' }).click();
    // The server refuses the window; the reason shows under the Window field.
    await page
      .locator('.field', { has: page.getByLabel('Window') })
      .getByRole('alert')
      .filter({ hasText: 'not a duration' })
      .waitFor();
    await screenshot(page, 'alert-rule-form-error-desktop');
    await page.getByLabel('Window').fill('10s');
    assert.equal(
      await page
        .locator('.field', { has: page.getByLabel('Window') })
        .getByRole('alert')
        .count(),
      0,
      'the reason goes once the field is edited',
    );
    await screenshot(page, 'alert-rule-form-desktop');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.waitForURL(/\/alerts\/rules$/);
    await page.getByRole('link', { name: RULE }).waitFor();
    await screenshot(page, 'alert-rules-desktop');

    const rules = await call<
      { id: string; name: string; window: string; threshold: number; filters: { app: string } }[]
    >('GET', '/alerts/rules');
    const rule = rules.find((r) => r.name === RULE);
    assert.ok(rule, 'the rule was created');
    assert.equal(rule.window, '10s');
    assert.equal(rule.threshold, 0.2);
    assert.equal(rule.filters.app, BURST_APP);

    // The Alerts view is open (live) when the errors arrive.
    await open(page, '/alerts', 'Alerts');
    await postEvents(
      server.base,
      Array.from({ length: 40 }, (_, i) => ({
        app: BURST_APP,
        session_id: `s-${i % 4}`,
        event_type: i % 2 ? 'error' : 'step',
        payload: { i },
      })),
    );
    const card = page.getByTestId('alert-card').filter({ hasText: RULE });
    await card.waitFor({ timeout: 30_000 });
    assert.match((await card.textContent()) ?? '', /firing/);
    assert.match((await card.textContent()) ?? '', /app=ui-burst/);
    assert.match((await card.textContent()) ?? '', /50\.0 % > 20\.0 %/, 'value vs threshold');
    await page.getByRole('tab', { name: /Firing \(\d+\)/ }).waitFor();
    await screenshot(page, 'alerts-desktop');

    alertId = (await card.getAttribute('data-alert-id')) ?? '';
    assert.ok(alertId);
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    // The card moves to the Acknowledged tab; the list says what happened.
    await page.getByTestId('alerts-note').getByText(`Acknowledged ${RULE}`).waitFor();
    const acked = await call<AlertRow>('GET', `/alerts/${alertId}`);
    assert.ok(acked.acknowledged_at, 'the API reports it acknowledged');
    assert.equal(acked.status, 'firing');
    await page.getByRole('tab', { name: /Acknowledged/ }).click();
    await page.getByTestId('alert-card').filter({ hasText: RULE }).waitFor();

    // Its detail: the timeline has the acknowledgement; a silence from its card.
    await page.getByRole('link', { name: RULE }).click();
    await page.waitForURL(new RegExp(`/alerts/${alertId}$`));
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.locator('.alert-timeline').getByText('acknowledged').waitFor();
    await page.getByRole('button', { name: /Silence/ }).click();
    await page.getByRole('combobox', { name: /^For/ }).selectOption('4h');
    await page.getByLabel('Comment').fill('known flaky run');
    await page.getByRole('button', { name: /Create silence/ }).click();
    await page.getByRole('status').filter({ hasText: 'Silenced until' }).waitFor();
    const silences = await call<{ matchers: { name: string; value: string }[]; comment: string }[]>(
      'GET',
      '/alerts/silences',
    );
    const s = silences.find((x) => x.comment === 'known flaky run');
    assert.ok(s, 'the silence was created');
    assert.deepEqual(s.matchers.map((m) => `${m.name}=${m.value}`).sort(), [
      'alertname=ui-burst-rate',
      'app=ui-burst',
    ]);
    await screenshot(page, 'alert-detail-desktop');

    // Edit (PUT keeps what the form did not change) and switch off in the list (PATCH).
    await open(page, '/alerts/rules', 'Alert rules');
    const ruleCard = page.locator('.rule-card').filter({ hasText: RULE });
    await ruleCard.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { level: 1, name: `Edit rule ${RULE}` }).waitFor();
    assert.equal(await page.getByLabel('Window').inputValue(), '10s');
    assert.equal(await page.getByLabel('Only apps').inputValue(), BURST_APP);
    await page.getByLabel('Threshold').fill('0.3');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForURL(/\/alerts\/rules$/);
    await ruleCard.getByText('> 30.0 %').waitFor();
    await ruleCard.getByRole('switch', { name: `${RULE} enabled` }).uncheck();
    const edited = await waitFor('the rule switched off', async () => {
      const r = await call<{ id: string; enabled: boolean; threshold: number }>(
        'GET',
        `/alerts/rules/${rule.id}`,
      );
      return r.enabled ? undefined : r;
    });
    assert.equal(edited.threshold, 0.3);
    const full = await call<{ window: string; severity: string; filters: { app: string } }>(
      'GET',
      `/alerts/rules/${rule.id}`,
    );
    assert.deepEqual(
      [full.window, full.severity, full.filters.app],
      ['10s', 'critical', BURST_APP],
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('creates a webhook channel, shows its secret once, sends a test the receiver gets, logs it', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/alerts/channels', 'Notification channels');
    const form = page.getByRole('form', { name: 'New channel' });
    await form.getByLabel('Name').fill('ui-hook');
    await form.getByLabel('Kind').selectOption('webhook');
    await form.getByLabel('URL').fill(`${receiver.base}/ui-hook`);
    await form.getByRole('button', { name: 'Create channel' }).click();
    const secret = await page.getByTestId('secret').textContent();
    assert.match(secret ?? '', /^whsec_/, 'the signing secret is shown once');
    await page.getByRole('button', { name: 'I saved it' }).click();

    const card = page.getByTestId('channel-card').filter({ hasText: 'ui-hook' });
    const before = receiver.requests.length;
    await card.getByRole('button', { name: 'Send test' }).click();
    await card
      .getByTestId('test-result')
      .filter({ hasText: /Delivered · HTTP 200/ })
      .waitFor({ timeout: 20_000 });
    const got = receiver.requests.slice(before).filter((r) => r.path === '/ui-hook');
    assert.equal(got.length, 1, 'the receiver got the test');
    assert.match(got[0]!.body, /fleetscope_test/);
    assert.ok(got[0]!.headers['webhook-signature'], 'signed');
    await screenshot(page, 'channels-desktop');

    await card.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { level: 1, name: 'Delivery log' }).waitFor();
    const row = page.getByTestId('delivery-row').filter({ hasText: 'test notification' });
    await row.waitFor();
    assert.equal(await row.getAttribute('data-status'), 'delivered');
    assert.match((await row.textContent()) ?? '', /ui-hook/);
    await row.getByRole('button', { name: 'Attempts' }).click();
    await page
      .locator('.attempts')
      .getByText(/HTTP 200/)
      .waitFor();
    await screenshot(page, 'deliveries-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('runs a query in the SQL console, shows the counts and exports them as CSV', async () => {
    await postEvents(
      server.base,
      Array.from({ length: 3 }, (_, i) => ({
        app: SQL_APP,
        session_id: 'sql-s',
        event_type: 'step',
        payload: { note: i === 0 ? 'has "quotes", and a comma' : i },
      })),
    );
    await waitFor('the events are stored', async () => {
      const rows = await call<unknown[]>('GET', `/events?app=${SQL_APP}`);
      return rows.length === 3;
    });
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/sql', 'SQL console');
    await page.getByTestId('connection').getByText('Live').waitFor({ timeout: 20_000 });
    const editor = page.getByLabel('SQL', { exact: true });
    await editor.fill('select app, count(*) from events group by app');
    await editor.press('Control+Enter');
    const meta = page.getByTestId('sql-meta');
    await meta.getByText(/2 rows in \d+ ms/).waitFor({ timeout: 20_000 });
    const table = page.getByTestId('sql-results').locator('table');
    const cells = await table
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    assert.deepEqual(
      cells.sort((a, b) => a[0]!.localeCompare(b[0])),
      [
        [BURST_APP, '40'],
        [SQL_APP, '3'],
      ],
    );
    await screenshot(page, 'sql-desktop');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Export CSV/ }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^fleetscope-query-.*\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const [header, ...lines] = csv.split('\r\n');
    assert.equal(header, 'app,count');
    assert.deepEqual(lines.sort(), ['', `${BURST_APP},40`, `${SQL_APP},3`]);

    // A quoted field round-trips through the CSV.
    await editor.fill(
      `select payload->>'note' as note from events where app = '${SQL_APP}' and payload->>'note' like 'has%'`,
    );
    await editor.press('Control+Enter');
    await meta.getByText(/^1 row in/).waitFor();
    const [quoted] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Export CSV/ }).click(),
    ]);
    assert.equal(
      await readFile(await quoted.path(), 'utf8'),
      'note\r\n"has ""quotes"", and a comma"\r\n',
    );

    // Saved on the server; kept in this browser's history.
    await page.getByRole('button', { name: /Save…/ }).click();
    await page.getByRole('group', { name: 'Save query' }).getByLabel('Name').fill('quoted note');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByRole('list', { name: 'Saved queries' })
      .getByRole('button', { name: 'quoted note' })
      .waitFor();
    const saved = await call<{ name: string; sql: string }[]>('GET', '/queries');
    assert.ok(saved.some((q) => q.name === 'quoted note' && q.sql.includes('payload')));
    assert.equal(
      await page.getByRole('list', { name: 'History' }).getByRole('listitem').count(),
      2,
    );

    // Every example runs on the analyst views (each adds one line to the history).
    const examples = page.getByRole('complementary', { name: 'Queries' }).locator('.panel').first();
    const history = page.getByRole('list', { name: 'History' }).getByRole('listitem');
    const names = await examples.getByRole('button').allTextContents();
    assert.ok(names.length >= 5, names.join(', '));
    for (const name of names) {
      const before = await history.count();
      await examples.getByRole('button', { name, exact: true }).click();
      await page.getByRole('button', { name: /Run$/ }).click();
      await waitFor(`example "${name}" ran`, async () => (await history.count()) === before + 1);
      // (count() does not wait; textContent() of an absent element would.)
      const failed = page.getByTestId('sql-error');
      if ((await failed.count()) > 0)
        assert.fail(`example "${name}": ${await failed.textContent()}`);
    }

    // A statement the server refuses says why.
    await editor.fill('delete from events');
    await editor.press('Control+Enter');
    await page.getByTestId('sql-error').waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('approves a permission request in the browser and the waiting agent gets it at once', async () => {
    const posted = await call<{ id: string }>('POST', '/events', {
      ...disHitl(),
      timestamp: Date.now(),
    });
    const id = posted.id;
    // The agent waits on the API for the answer.
    const polling = fetch(`${server.base}/hitl/requests/${id}/response?wait=30`).then(
      async (r) => ({
        status: r.status,
        body: (await r.json()) as { status: string; response: { permission?: boolean } | null },
        at: Date.now(),
      }),
    );
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/hitl', /Requests/);
    const card = page.locator(`[data-testid="hitl-card"][data-request-id="${id}"]`);
    await card.waitFor({ timeout: 20_000 });
    assert.match((await card.textContent()) ?? '', /Permission Request/);
    assert.match((await card.textContent()) ?? '', /Allow rm -rf \/tmp\/test_data\?/);
    assert.match((await card.textContent()) ?? '', /left/, 'a countdown to expiry');
    assert.equal(await card.getAttribute('data-state'), 'pending');
    await screenshot(page, 'hitl-desktop');

    const clicked = Date.now();
    await card.getByRole('button', { name: /Approve/ }).click();
    await card.getByTestId('hitl-answer').filter({ hasText: 'Approved' }).waitFor();
    const got = await polling;
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.status, 'responded');
    assert.equal(got.body.response?.permission, true);
    assert.ok(got.at - clicked < 3_000, `the agent got the answer ${got.at - clicked} ms later`);
    await screenshot(page, 'hitl-answered-desktop');

    // A refused answer rolls the card back and says why. (This all-in-one runs without auth,
    // so the API's 403 for a key without the respond scope is played by the route; the
    // real 403 is in hitl.e2e.)
    const other = await call<{ id: string }>('POST', '/hitl/requests', {
      app: 'ui-app',
      session_id: 'ui-s',
      question: 'Push to main?',
      type: 'permission',
    });
    const refused = page.locator(`[data-testid="hitl-card"][data-request-id="${other.id}"]`);
    await refused.waitFor({ timeout: 10_000 });
    const gate: { release?: () => void } = {};
    await page.route(`**/hitl/requests/${other.id}/respond`, async (route) => {
      await new Promise<void>((r) => (gate.release = r));
      await route.fulfill({
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify({
          statusCode: 403,
          error: 'forbidden',
          message: 'this API key lacks the scope(s): respond',
          details: { missing_scopes: ['respond'] },
        }),
      });
    });
    await refused.getByRole('button', { name: /Deny/ }).click();
    // Optimistic: answered at once, before the server has said anything.
    await refused.getByTestId('hitl-answer').filter({ hasText: 'Denied' }).waitFor();
    assert.equal(await refused.getAttribute('data-state'), 'answered');
    await waitFor('the respond request', async () => gate.release !== undefined);
    gate.release!();
    await refused.getByRole('alert').filter({ hasText: 'may not answer requests' }).waitFor();
    assert.equal(await refused.getAttribute('data-state'), 'pending', 'rolled back');
    await screenshot(page, 'hitl-refused-desktop');
    await page.unroute(`**/hitl/requests/${other.id}/respond`);
    const stillPending = await call<{ status: string }>('GET', `/hitl/requests/${other.id}`);
    assert.equal(stillPending.status, 'pending');

    await page.getByRole('tab', { name: /History/ }).click();
    await page
      .locator(`[data-testid="hitl-card"][data-request-id="${id}"]`)
      .getByText('Approved')
      .waitFor({ timeout: 10_000 });
    await screenshot(page, 'hitl-history-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows every view at phone width in one column with large tap targets', async () => {
    // Something to answer on the phone: a question and a choice.
    await call('POST', '/hitl/requests', {
      app: 'phone-app',
      session_id: 'phone-s',
      question: 'Which branch should I rebase onto?',
      type: 'choice',
      choices: ['main', 'release/2.4'],
    });
    await call('POST', '/hitl/requests', {
      app: 'phone-app',
      session_id: 'phone-s',
      question: 'What should the release notes say?',
      type: 'question',
    });
    const { page, errors, context } = await newPage(browser, PHONE);
    const views: [string, string, RegExp | string][] = [
      ['/alerts', 'alerts', 'Alerts'],
      [`/alerts/${alertId}`, 'alert-detail', 'Alert'],
      ['/alerts/rules', 'alert-rules', 'Alert rules'],
      ['/alerts/rules/new', 'alert-rule-form', 'New alert rule'],
      ['/alerts/channels', 'channels', 'Notification channels'],
      ['/alerts/deliveries', 'deliveries', 'Delivery log'],
      ['/sql', 'sql', 'SQL console'],
      ['/hitl', 'hitl', /Requests/],
    ];
    for (const [path, name, heading] of views) {
      await open(page, path, heading);
      if (name === 'sql') {
        await page.getByRole('button', { name: '▶ Run' }).click();
        await page.getByTestId('sql-meta').waitFor();
      }
      await page.waitForLoadState('networkidle').catch(() => undefined);
      await assertFitsWidth(page, name);
      await screenshot(page, `${name}-phone`);
    }
    // Still on /hitl: answering buttons are thumb-sized.
    const choice = page.getByTestId('hitl-card').filter({ hasText: 'rebase' });
    await choice.waitFor();
    const box = await choice.getByRole('button', { name: 'main', exact: true }).boundingBox();
    assert.ok(box && box.height >= 44, `answer button height ${box?.height}`);
    const submit = await page
      .getByTestId('hitl-card')
      .filter({ hasText: 'release notes' })
      .getByRole('button', { name: /Submit Response/ })
      .boundingBox();
    assert.ok(submit && submit.height >= 44);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
