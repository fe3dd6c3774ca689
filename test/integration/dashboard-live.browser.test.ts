/**
 * The dashboard's live view in a real browser (Debian's Chromium), against a real
 * all-in-one Fleetscope: events posted after load appear, at desktop and phone width;
 * filters and search narrow the stream; a share link opens its event; pull-to-refresh at
 * phone width; a dropped connection resumes from its cursor without gaps or duplicates; an
 * offline reload shows the cached data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
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

let server: AllInOne;
let browser: Browser;
let seq = 0;

const hook = (app: string, session: string, extra: Record<string, unknown> = {}) => ({
  source_app: app,
  session_id: session,
  hook_event_type: 'PreToolUse',
  timestamp: Date.now(),
  payload: { tool_name: 'Bash', tool_input: { command: `echo step-${++seq}` } },
  ...extra,
});

const rows = (page: Page) => page.locator('[data-testid="event-list"] [data-event-id]');

async function openLive(page: Page, path = '/'): Promise<void> {
  await page.goto(`${server.base}${path}`);
  await page.getByTestId('connection').getByText('Live').waitFor({ timeout: 20_000 });
}

/** Posts one event and returns how long it took to show on the page (ms). */
async function timeToAppear(page: Page, app: string): Promise<number> {
  const marker = `marker-${++seq}-${Date.now()}`;
  const t0 = Date.now();
  await postEvents(server.base, [
    hook(app, 'sess-latency', { payload: { tool_name: 'Bash', tool_input: { command: marker } } }),
  ]);
  await page.locator('[data-event-id]', { hasText: marker }).waitFor({ timeout: 10_000 });
  return Date.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('dashboard: live view in Chromium', () => {
  before(async () => {
    server = await startAllInOne();
    browser = await launchBrowser();
    await postEvents(server.base, [hook('history-app', 'sess-history-1')]);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows an event posted after load within a second, at desktop width', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await openLive(page);
    await rows(page).filter({ hasText: 'history-app' }).first().waitFor();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await timeToAppear(page, 'desk-app'));
    // The median of five: one stall of a shared 2-core machine does not decide the test.
    assert.ok(median(times) < 1_000, `appear times ${times.join(', ')} ms`);
    await screenshot(page, 'live-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('shows an event posted after load within a second, at phone width, with bottom navigation', async () => {
    const { page, errors, context } = await newPage(browser, PHONE);
    await openLive(page);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await timeToAppear(page, 'phone-app'));
    assert.ok(median(times) < 1_000, `appear times ${times.join(', ')} ms`);
    const nav = page.locator('nav.bottomnav');
    assert.equal(await nav.isVisible(), true, 'bottom navigation at ≤ 700 px');
    assert.equal(await page.locator('nav.sidenav').isVisible(), false);
    // Tap targets: at least 44 px high.
    const box = await nav.getByRole('link', { name: 'Analytics' }).boundingBox();
    assert.ok(box && box.height >= 44, `tap target height ${box?.height}`);
    await screenshot(page, 'live-phone');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('narrows the stream with filters, text and regex search', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await postEvents(server.base, [hook('filter-a', 'sess-fa'), hook('filter-b', 'sess-fb')]);
    await openLive(page);
    await rows(page).filter({ hasText: 'filter-b' }).first().waitFor();
    await page.getByLabel('App').selectOption('filter-a');
    await waitFor('only filter-a rows', async () => {
      const texts = await rows(page).allTextContents();
      return texts.length > 0 && texts.every((t) => t.includes('filter-a'));
    });
    assert.match(page.url(), /app=filter-a/, 'the filter is in the address, so it can be shared');
    // A live event of another app stays out; one of the filtered app comes in.
    await postEvents(server.base, [
      hook('filter-b', 'sess-fb', {
        payload: { tool_name: 'Bash', tool_input: { command: 'other-app-live' } },
      }),
      hook('filter-a', 'sess-fa', {
        payload: { tool_name: 'Bash', tool_input: { command: 'same-app-live' } },
      }),
    ]);
    await rows(page).filter({ hasText: 'same-app-live' }).waitFor();
    assert.equal(await rows(page).filter({ hasText: 'other-app-live' }).count(), 0);

    // Text search narrows further; an invalid regex says so instead of breaking the list.
    await page.getByLabel('Search').fill('same-app');
    await waitFor('search narrows', async () => (await rows(page).count()) === 1);
    await page.getByLabel('Regex').check();
    await page.getByLabel('Search').fill('same-(app');
    await page.getByRole('alert').filter({ hasText: 'Invalid regular expression' }).waitFor();
    await page.getByLabel('Search').fill('^.*same-app-l[i]ve');
    await waitFor('regex narrows', async () => (await rows(page).count()) === 1);
    await screenshot(page, 'live-filtered');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('pauses and resumes, expands a payload, and opens an event from its share link', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await openLive(page);
    await page.getByRole('button', { name: /Pause/ }).click();
    await postEvents(server.base, [
      hook('pause-app', 'sess-p', {
        payload: { tool_name: 'Read', tool_input: { file_path: '/src/while-paused.ts' } },
      }),
    ]);
    await page.getByRole('button', { name: /Resume \(1 new\)/ }).waitFor();
    assert.equal(await rows(page).filter({ hasText: 'while-paused.ts' }).count(), 0);
    await page.getByRole('button', { name: /Resume/ }).click();

    await postEvents(server.base, [
      hook('share-app', 'sess-share', {
        payload: { tool_name: 'Grep', tool_input: { pattern: 'shared-needle' } },
      }),
    ]);
    const row = rows(page).filter({ hasText: 'shared-needle' });
    await row.waitFor();
    const id = await row.getAttribute('data-event-id');
    assert.ok(id);
    await row.locator('button.expand').click();
    await row.locator('pre').filter({ hasText: '"pattern": "shared-needle"' }).waitFor();

    const other = await context.newPage();
    await other.goto(`${server.base}/?event=${encodeURIComponent(id)}`);
    const shared = other.getByLabel('Shared event');
    await shared.locator('pre').filter({ hasText: 'shared-needle' }).waitFor();
    await screenshot(other, 'live-shared-event');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('refreshes on pull-to-refresh at phone width', async () => {
    const { page, errors, context } = await newPage(browser, PHONE);
    await openLive(page);
    const cdp = await context.newCDPSession(page);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', y: number) =>
      cdp.send('Input.dispatchTouchEvent', {
        type,
        touchPoints: type === 'touchEnd' ? [] : [{ x: 200, y }],
      });
    const refetch = page.waitForRequest((r) => r.url().includes('/events'), { timeout: 10_000 });
    await touch('touchStart', 150);
    for (let y = 160; y <= 330; y += 20) await touch('touchMove', y);
    await page.getByTestId('ptr-hint').getByText('Release to refresh').waitFor();
    await screenshot(page, 'live-phone-pull-to-refresh');
    await touch('touchEnd', 330);
    await refetch;
    await page
      .getByTestId('ptr-hint')
      .getByText('Refreshing…')
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('resumes from its cursor after the connection drops: no gap, no duplicate', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    // Every WebSocket goes through this route; `drop` closes the current one and holds the
    // next connection until `release` (the server stays up, only this page is cut off).
    let current: { close: () => Promise<void> } | null = null;
    let hold: Promise<void> | null = null;
    let release = () => {};
    await page.routeWebSocket(/\/ws/, async (ws) => {
      if (hold) await hold;
      const upstream = ws.connectToServer();
      current = { close: () => ws.close({ code: 4001, reason: 'test drop' }) };
      void upstream;
    });
    await openLive(page, '/?app=resume-app');
    await postEvents(server.base, [hook('resume-app', 'sess-r')]);
    await waitFor('first event', async () => (await rows(page).count()) >= 1);

    hold = new Promise<void>((r) => (release = r));
    await current!.close();
    await page.getByTestId('connection').getByText('Reconnecting…').waitFor();
    const missed = Array.from({ length: 25 }, (_, i) =>
      hook('resume-app', 'sess-r', {
        payload: { tool_name: 'Bash', tool_input: { command: `missed-${i}` } },
      }),
    );
    await postEvents(server.base, missed);
    release();
    hold = null;
    await page.getByTestId('connection').getByText('Live').waitFor({ timeout: 20_000 });
    await postEvents(server.base, [
      hook('resume-app', 'sess-r', {
        payload: { tool_name: 'Bash', tool_input: { command: 'after-resume' } },
      }),
    ]);
    await rows(page).filter({ hasText: 'after-resume' }).waitFor();
    const texts = await rows(page).allTextContents();
    const ids = await rows(page).evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-event-id')),
    );
    const seen = texts.flatMap((t) =>
      [...t.matchAll(/missed-(\d+)(?!\d)/g)].map((m) => Number(m[1])),
    );
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 25 }, (_, k) => k),
      'every missed event exactly once',
    );
    assert.equal(new Set(ids).size, ids.length, 'no event shown twice');
    const counters = await page.evaluate(
      () =>
        (globalThis as unknown as { fleetscope: { live: { counters: { replayed: number } } } })
          .fleetscope.live.counters,
    );
    assert.ok(counters.replayed >= 25, `replayed ${counters.replayed}`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("shows a waiting agent's question as a card on the live view; the answer reaches its long poll", async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await openLive(page);
    const r = await fetch(`${server.base}/hitl/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        app: 'hitl-live',
        session_id: 'sess-hitl-live',
        type: 'question',
        question: 'Which branch should I deploy?',
        timeout_s: 120,
      }),
    });
    assert.equal(r.status, 202);
    const { id } = (await r.json()) as { id: string };
    // The agent waits on the API (no server on its host).
    const poll = fetch(`${server.base}/hitl/requests/${encodeURIComponent(id)}/response?wait=30`);
    const card = page.getByLabel('Agents waiting for an answer');
    await card.getByText('Which branch should I deploy?').waitFor({ timeout: 15_000 });
    await screenshot(page, 'live-hitl-card');
    await card.getByRole('textbox').fill('release/2026.11');
    await card.getByRole('button', { name: /Submit/ }).click();
    const answered = await poll;
    assert.equal(answered.status, 200);
    const body = (await answered.json()) as { status: string; response: { response?: string } };
    assert.equal(body.status, 'responded');
    assert.equal(body.response.response, 'release/2026.11');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("leads the seed's pages to the matching views, and keeps the API's JSON for API clients", async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    for (const [seed, view] of [
      ['/analytics-dashboard.html', '/analytics'],
      ['/mobile-dashboard.html', '/'],
      ['/index-enhanced.html', '/'],
    ] as const) {
      await page.goto(`${server.base}${seed}`);
      assert.equal(new URL(page.url()).pathname, view, seed);
    }
    // A browser opening a view's address gets the app; a JSON client gets the API.
    await page.goto(`${server.base}/alerts`);
    await page.locator('main h1').first().waitFor();
    const api = await fetch(`${server.base}/alerts`, { headers: { accept: 'application/json' } });
    assert.equal(api.headers.get('content-type')?.split(';')[0], 'application/json');
    assert.ok(Array.isArray(await api.json()));
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('opens offline from the service worker cache and says the data is cached', async () => {
    const { page, errors, context } = await newPage(browser, PHONE);
    await postEvents(server.base, [
      hook('offline-app', 'sess-off', {
        payload: { tool_name: 'Bash', tool_input: { command: 'cached-before-offline' } },
      }),
    ]);
    await openLive(page);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { navigator: { serviceWorker?: { controller: unknown } } })
          .navigator.serviceWorker?.controller != null,
      undefined,
      {
        timeout: 20_000,
      },
    );
    // Load once more under the worker's control, so the API answers pass through its cache.
    await page.reload();
    await rows(page).filter({ hasText: 'cached-before-offline' }).waitFor();
    await context.setOffline(true);
    await page.reload();
    await page.getByTestId('offline-banner').waitFor({ timeout: 15_000 });
    await rows(page).filter({ hasText: 'cached-before-offline' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'live-phone-offline');
    await context.setOffline(false);
    assert.deepEqual(
      errors.filter((e) => !/WebSocket|ERR_INTERNET_DISCONNECTED/.test(e)),
      [],
    );
    await context.close();
  });
});
