/**
 * A real browser for the dashboard's tests: Debian's Chromium driven by playwright-core,
 * and an all-in-one Fleetscope for it to talk to. Screenshots of every view land in
 * test-results/screenshots/ (CI keeps them as the run's artifacts).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './env';
import { freePort, startApi, waitReady, type Proc } from './processes';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/** Desktop and phone (≤ 700 px, touch) viewports. */
export const DESKTOP = { viewport: { width: 1366, height: 860 } } as const;
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
} as const;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: the dashboard tests use Debian's Chromium (bash infra/local/services.sh up installs it)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

export interface AllInOne {
  base: string;
  api: Proc;
  dataDir: string;
  stop: () => Promise<void>;
}

/** An all-in-one Fleetscope on a free port with a fresh data directory. */
export async function startAllInOne(env: Record<string, string> = {}): Promise<AllInOne> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-ui-'));
  const api = startApi(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      STATS_INTERVAL_MS: '500',
      ...env,
    },
    ['--all-in-one'],
  );
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/ready`, api, 90_000);
  return {
    base,
    api,
    dataDir,
    stop: async () => {
      await api.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** Posts events through the public API, as an agent would. */
export async function postEvents(base: string, events: unknown[], apiKey?: string): Promise<void> {
  const r = await fetch(`${base}/events/batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    },
    body: JSON.stringify(events),
  });
  if (r.status >= 300) throw new Error(`POST /events/batch: ${r.status} ${await r.text()}`);
}

/** Collects page errors and failed console messages, so a test can assert none happened. */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|net::ERR_/.test(m.text()))
      errors.push(`console: ${m.text()}`);
  });
  return { errors };
}

export async function newPage(
  browser: Browser,
  options: typeof DESKTOP | typeof PHONE = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ ...options, serviceWorkers: 'allow' });
  const page = await context.newPage();
  const { errors } = watchPage(page);
  return { context, page, errors };
}
