/**
 * The dashboard's analysis views in a real browser (Debian's Chromium) against a real
 * all-in-one Fleetscope holding a realistic workload: two support agents with durations
 * and errors, a healthy batch worker, an orchestrator whose planner invokes a researcher
 * (one trace over two agents, a failing tool call), a Claude Code session with a subagent
 * and a Stop carrying its chat transcript, and a steady history on which a burst opens an
 * anomaly while the Anomalies view is open. Every view is also shot at desktop and phone
 * width (test-results/screenshots/) and must not scroll sideways on a phone.
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
import { startApi, waitFor, waitReady, type Proc } from '../support/processes';
import { uniq } from '../support/env';

const ANOMALY_ENV = {
  ENABLE_ANOMALY_DETECTION: 'true',
  WINDOW_ALLOWED_LATENESS_MS: '500',
  WINDOW_IDLE_MS: '500',
};

const tag = uniq('dv-');
const run = `${tag}-run`;
const cc = `${tag}-cc`;
// Event times: the workload over the 40 minutes before the test started.
const NOW = Date.now();
const T0 = NOW - 40 * 60_000;
const at = (ms: number) => new Date(T0 + ms).toISOString();

type Body = Record<string, unknown>;

/** Support agents, a batch worker: plain SDK events with durations, tokens and errors. */
function fleet(): Body[] {
  const out: Body[] = [];
  for (let i = 0; i < 40; i++)
    out.push({
      id: `${tag}-tri-${i}`,
      app: 'support-bot',
      agent_id: 'triage',
      session_id: `${tag}-sb-${i % 4}`,
      event_type: 'llm_call',
      timestamp: at(i * 50_000),
      duration_ms: 200 + ((i * 137) % 1300),
      status: i % 20 === 5 ? 'error' : 'ok',
      model: 'claude-haiku-4-5',
      input_tokens: 300 + i,
      output_tokens: 80,
      cost_usd: 0.0007,
      payload: { ticket: 1000 + i },
    });
  for (let i = 0; i < 24; i++)
    out.push({
      id: `${tag}-res-${i}`,
      app: 'support-bot',
      agent_id: 'responder',
      session_id: `${tag}-sb-${i % 4}`,
      event_type: 'llm_call',
      timestamp: at(30_000 + i * 80_000),
      duration_ms: 800 + ((i * 311) % 2200),
      status: i % 3 === 0 ? 'error' : 'ok',
      model: 'claude-sonnet-4-5',
      input_tokens: 1200,
      output_tokens: 400,
      cost_usd: 0.0096,
      payload: { draft: i },
    });
  for (let i = 0; i < 12; i++)
    out.push({
      id: `${tag}-bill-${i}`,
      app: 'billing-worker',
      session_id: `${tag}-bill`,
      event_type: 'job',
      timestamp: at(i * 150_000),
      duration_ms: 50 + i * 8,
      status: 'ok',
      payload: { invoice: i },
    });
  return out;
}

/** One trace over two agents: the planner invokes the researcher, whose web search fails. */
function multiAgentTrace(): Body[] {
  const span = (
    id: string,
    spanId: string,
    parent: string | null,
    ms: number,
    durationMs: number,
    extra: Body,
  ): Body => ({
    id: `${run}-${id}`,
    app: 'orchestrator',
    session_id: `${run}-main`,
    trace_id: run,
    span_id: spanId,
    parent_span_id: parent,
    timestamp: at(20 * 60_000 + ms),
    duration_ms: durationMs,
    payload: {},
    ...extra,
  });
  const worker = { app: 'researcher', session_id: `${run}-worker`, agent_id: 'researcher' };
  return [
    span('e1', 'root', null, 0, 3000, {
      event_type: 'invoke_agent',
      agent_id: 'planner',
      status: 'ok',
      summary: 'Plan the market report',
    }),
    span('e2', 'llm1', 'root', 100, 500, {
      event_type: 'chat',
      agent_id: 'planner',
      model: 'gpt-4o',
      input_tokens: 1200,
      output_tokens: 300,
      cost_usd: 0.0105,
    }),
    span('e3', 'w1', 'root', 700, 2000, { event_type: 'invoke_agent', ...worker }),
    span('e4', 'tool1', 'w1', 800, 400, {
      event_type: 'execute_tool',
      tool_name: 'web_search',
      status: 'error',
      ...worker,
      payload: { query: 'EU heat pump sales 2025' },
    }),
    span('e5', 'llm2', 'w1', 1300, 900, {
      event_type: 'chat',
      model: 'claude-sonnet-4-5',
      input_tokens: 800,
      output_tokens: 100,
      cost_usd: 0.0039,
      ...worker,
    }),
  ];
}

/** The transcript a Stop hook sends with --add-chat: 8 entries, 2 of them typed by the user. */
const chat = [
  {
    type: 'user',
    uuid: 'u1',
    sessionId: cc,
    timestamp: at(25 * 60_000 + 4000),
    message: { role: 'user', content: 'Fix the flaky test in auth.spec.ts' },
  },
  {
    type: 'assistant',
    uuid: 'a1',
    timestamp: at(25 * 60_000 + 6000),
    message: {
      model: 'claude-sonnet-4-5-20250929',
      role: 'assistant',
      content: [
        { type: 'text', text: "I'll read the test first." },
        { type: 'tool_use', id: 'tu1', name: 'Read', input: { file_path: '/repo/auth.spec.ts' } },
      ],
      usage: { input_tokens: 1800, output_tokens: 120 },
    },
  },
  {
    type: 'user',
    uuid: 'u2',
    timestamp: at(25 * 60_000 + 8000),
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu1', content: "it('refreshes the token')" }],
    },
  },
  {
    type: 'assistant',
    uuid: 'a2',
    timestamp: at(25 * 60_000 + 10_000),
    message: {
      model: 'claude-sonnet-4-5-20250929',
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'tu2', name: 'Bash', input: { command: 'npm test' } }],
      usage: { input_tokens: 2400, output_tokens: 60 },
    },
  },
  {
    type: 'user',
    uuid: 'u3',
    timestamp: at(25 * 60_000 + 14_000),
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'tu2', is_error: true, content: '1 failing' }],
    },
  },
  {
    type: 'system',
    uuid: 's1',
    timestamp: at(25 * 60_000 + 15_000),
    content: '\u001b[1mPreToolUse:Edit\u001b[0m hook ran',
    toolUseID: 'tu3',
  },
  {
    type: 'assistant',
    uuid: 'a3',
    timestamp: at(25 * 60_000 + 40_000),
    message: {
      model: 'claude-sonnet-4-5-20250929',
      role: 'assistant',
      content: [{ type: 'text', text: 'Fixed: the test now awaits the fake timer.' }],
      usage: { input_tokens: 3100, output_tokens: 210 },
    },
  },
  { role: 'user', content: 'Thanks!' },
];

/** A Claude Code session as its hooks post it: tools, a subagent, a Stop with the chat. */
function claudeCodeSession(): Body[] {
  const hook = (i: number, type: string, payload: Body = {}, extra: Body = {}): Body => ({
    id: `${cc}-h${i}`,
    source_app: 'cc-fleet',
    session_id: cc,
    hook_event_type: type,
    payload: { session_id: cc, hook_event_name: type, ...payload },
    timestamp: T0 + 25 * 60_000 + i * 4000,
    ...extra,
  });
  return [
    hook(0, 'SessionStart', { source: 'startup' }, { model_name: 'claude-sonnet-4-5-20250929' }),
    hook(1, 'UserPromptSubmit', { prompt: 'Fix the flaky test in auth.spec.ts' }),
    hook(2, 'PreToolUse', {
      tool_name: 'Read',
      tool_use_id: 'tu1',
      tool_input: { file_path: '/repo/auth.spec.ts' },
    }),
    hook(3, 'PostToolUse', { tool_name: 'Read', tool_use_id: 'tu1' }),
    hook(4, 'PreToolUse', {
      tool_name: 'Bash',
      tool_use_id: 'tu2',
      tool_input: { command: 'npm test' },
    }),
    hook(5, 'PostToolUseFailure', { tool_name: 'Bash', tool_use_id: 'tu2', error: 'exit 1' }),
    hook(6, 'PreToolUse', {
      tool_name: 'Task',
      tool_use_id: 'tu4',
      tool_input: { subagent_type: 'Explore', description: 'Find timer helpers' },
    }),
    hook(7, 'SubagentStart', { agent_id: 'ag1', agent_type: 'Explore' }),
    hook(8, 'PreToolUse', {
      tool_name: 'Grep',
      tool_use_id: 'tu5',
      agent_id: 'ag1',
      tool_input: { pattern: 'useFakeTimers' },
    }),
    hook(9, 'PostToolUse', { tool_name: 'Grep', tool_use_id: 'tu5', agent_id: 'ag1' }),
    hook(10, 'SubagentStop', { agent_id: 'ag1', agent_type: 'Explore' }),
    hook(11, 'PostToolUse', { tool_name: 'Task', tool_use_id: 'tu4' }),
    hook(12, 'Stop', { stop_hook_active: false }, { chat }),
    hook(13, 'SessionEnd', { reason: 'logout' }),
  ];
}

/** 40 minutes of a steady ~30 events/min: the anomaly detectors' baseline after a restart. */
function steadyHistory(): Body[] {
  const start = Math.floor(NOW / 60_000) * 60_000 - 40 * 60_000;
  const out: Body[] = [];
  for (let m = 0; m < 40; m++) {
    const n = 28 + ((m * 7) % 5);
    for (let k = 0; k < n; k++)
      out.push({
        app: 'crawler',
        agent_id: 'fetcher',
        session_id: `${tag}-crawl-${m % 4}`,
        event_type: 'fetch',
        duration_ms: 100 + (k % 7) * 20,
        payload: { m, k },
        timestamp: new Date(start + m * 60_000 + k * Math.floor(60_000 / n)).toISOString(),
      });
  }
  return out;
}

const workload = [...fleet(), ...multiAgentTrace(), ...claudeCodeSession()];
const history = steadyHistory();
const TOTAL = workload.length + history.length;

let server: AllInOne;
let restarted: Proc | undefined;
let browser: Browser;

async function get<T>(path: string): Promise<T> {
  const r = await fetch(`${server.base}${path}`);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return (await r.json()) as T;
}

/** Opens a view and waits for its heading. */
async function open(page: Page, path: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${server.base}${path}`);
  try {
    await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 20_000 });
  } catch (err) {
    await screenshot(page, `failed-${path.replace(/\W+/g, '_')}`);
    throw err;
  }
}

const agentNames = (page: Page) =>
  page.getByTestId('agent-table').getByTestId('agent-name').allInnerTexts();

describe('dashboard: analytics, anomalies, sessions, traces and service map in Chromium', () => {
  before(async () => {
    server = await startAllInOne(ANOMALY_ENV);
    browser = await launchBrowser();
    await postEvents(server.base, history);
    await postEvents(server.base, workload);
    // Restart so the detectors build their baseline from the stored history (events older
    // than the live windows are stored and rolled up, not windowed).
    await server.api.stop();
    const port = new URL(server.base).port;
    restarted = startApi(
      {
        PORT: port,
        HOST: '127.0.0.1',
        DATA_DIR: server.dataDir,
        STATS_INTERVAL_MS: '500',
        ...ANOMALY_ENV,
      },
      ['--all-in-one'],
    );
    await waitReady(`${server.base}/ready`, restarted, 90_000);
    // The rollups answer the dashboard: wait until they count every event.
    const range = `start_time=${encodeURIComponent(new Date(NOW - 3_600_000).toISOString())}`;
    await waitFor(
      'the rollups to count the workload',
      async () =>
        (await get<{ overview: { total_events: number } }>(`/analytics?${range}`)).overview
          .total_events === TOTAL,
      30_000,
      250,
    );
  });

  after(async () => {
    await browser?.close();
    await restarted?.stop();
    await server?.stop();
  });

  it('Analytics: the total in its KPI, every agent in the table, and columns that sort', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/analytics?range=1h', 'Analytics');
    await page
      .getByTestId('kpi-total-events')
      .getByText(TOTAL.toLocaleString('en-US'))
      .waitFor({ timeout: 15_000 });
    await page.getByTestId('agent-table').waitFor();
    const names = await agentNames(page);
    for (const agent of [
      'crawler · fetcher',
      'support-bot · triage',
      'support-bot · responder',
      'billing-worker',
      'orchestrator · planner',
      'researcher',
      'cc-fleet',
    ])
      assert.ok(
        names.some((n) => n.trim() === agent || n.trim() === `✨ ${agent}`),
        `${agent} in ${names.join(' | ')}`,
      );
    // The four charts are drawn.
    await page.locator('.chart canvas').nth(3).waitFor();
    await screenshot(page, 'analytics-desktop');
    // By events, most first: the crawler's history; by errors: the responder (8 of 24).
    assert.match(names[0]!, /crawler · fetcher/);
    await page.getByRole('button', { name: /^Errors/ }).click();
    await waitFor('the table sorted by errors', async () =>
      /support-bot · responder/.test((await agentNames(page))[0] ?? ''),
    );
    await page.getByRole('button', { name: /^Errors/ }).click();
    const ascending = await agentNames(page);
    assert.doesNotMatch(ascending[0]!, /responder/, 'a second click sorts ascending');
    assert.match(ascending[ascending.length - 1]!, /responder/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('Traces: a trace opens from the list and the waterfall shows its 5 spans', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/traces', 'Traces');
    await page.locator(`[data-testid="trace-link"][title="${run}"]`).waitFor();
    await screenshot(page, 'traces-desktop');
    await page.locator(`[data-testid="trace-link"][title="${run}"]`).click();
    await page.waitForURL(`**/traces/${run}`);
    await page.getByTestId('span-row').first().waitFor();
    assert.equal(await page.getByTestId('span-row').count(), 5);
    assert.equal(await page.getByTestId('span-count').innerText(), '5');
    // The failed tool call is marked, and opens its event.
    const failed = page.locator('[data-testid="span-row"].error');
    assert.equal(await failed.count(), 1);
    await failed.getByRole('button', { name: /execute_tool web_search/ }).click();
    await page.getByTestId('span-detail').getByText('EU heat pump sales 2025').waitFor();
    // Collapsing the researcher's span hides its two children.
    await page.getByRole('button', { name: /^Collapse invoke_agent researcher/ }).click();
    assert.equal(await page.getByTestId('span-row').count(), 3);
    await page.getByRole('button', { name: /^Expand invoke_agent researcher/ }).click();
    assert.equal(await page.getByTestId('span-row').count(), 5);
    await screenshot(page, 'trace-detail-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('Sessions: the list links to the session, whose transcript filters by role and text', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/sessions', 'Sessions');
    await page.getByRole('link', { name: cc }).waitFor();
    await screenshot(page, 'sessions-desktop');
    await page.getByRole('link', { name: cc }).click();
    await page.waitForURL(`**/sessions/${cc}`);
    const count = page.getByTestId('transcript-count');
    await count.getByText('Showing 8 of 8 messages').waitFor();
    const messages = page.getByTestId('transcript').locator('.message');
    assert.equal(await messages.count(), 8);
    await page.getByRole('button', { name: /^User \d/ }).click();
    await count.getByText('Showing 2 of 8 messages').waitFor();
    assert.equal(await messages.count(), 2);
    await page.getByRole('button', { name: /^Tool use \d/ }).click();
    await count.getByText('Showing 4 of 8 messages').waitFor();
    await page.getByRole('button', { name: '✕ Clear' }).click();
    await page.getByLabel('Search the transcript').fill('fake timer');
    await count.getByText('Showing 1 of 8 messages').waitFor();
    await page.getByLabel('Search the transcript').fill('');
    // The session's events and its derived trace.
    assert.equal(await page.locator('.event-timeline > li').count(), 14);
    await page.getByRole('link', { name: `Trace claude-code:${cc}` }).waitFor();
    await screenshot(page, 'session-detail-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('Service map: the planner → researcher edge, red for its failed call', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/service-map', 'Service map');
    const edge = page.locator(
      '[data-testid="map-edge"][data-from="orchestrator · planner"][data-to="researcher"]',
    );
    await edge.waitFor();
    assert.match((await edge.getAttribute('class')) ?? '', /\bbad\b/);
    // The Claude Code session launched its Explore subagent.
    await page
      .locator('[data-testid="map-edge"][data-from="cc-fleet"][data-to="cc-fleet · Explore"]')
      .waitFor();
    // The table lists the same edge for screen readers.
    const row = page.getByRole('row', { name: /orchestrator · planner\s+researcher\s+1\s+1/ });
    await row.waitFor();
    await screenshot(page, 'service-map-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('Anomalies: a burst opens an anomaly that appears live, with its chart', async () => {
    const { page, errors, context } = await newPage(browser, DESKTOP);
    await open(page, '/anomalies', 'Anomalies');
    await page.getByTestId('connection').getByText('Live').waitFor({ timeout: 20_000 });
    await page.locator('.empty, .anomaly').first().waitFor();
    // ~13× the crawler's baseline within a few seconds.
    for (let i = 0; i < 4; i++)
      await postEvents(
        server.base,
        Array.from({ length: 100 }, (_, k) => ({
          app: 'crawler',
          agent_id: 'fetcher',
          session_id: `${tag}-burst`,
          event_type: 'fetch',
          payload: { k },
        })),
      );
    const item = page
      .locator('.anomaly', { hasText: 'Event spike' })
      .filter({ hasText: 'crawler · fetcher' })
      .first();
    // No reload: the live `anomaly` message refreshes the list. The detectors judge the
    // minute when it closes (or the live window once it clearly breaches): up to ~a minute.
    await item.waitFor({ timeout: 75_000 });
    assert.match(await item.innerText(), /Event spike/);
    await item.getByRole('button', { expanded: false }).click();
    await item.locator('.chart canvas').waitFor();
    await item.getByText('Expected range').waitFor();
    await screenshot(page, 'anomalies-desktop');
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('every view fits a phone screen', async () => {
    const { page, errors, context } = await newPage(browser, PHONE);
    const views: [string, string, string | RegExp][] = [
      ['analytics', '/analytics?range=1h', 'Analytics'],
      ['anomalies', '/anomalies', 'Anomalies'],
      ['sessions', '/sessions', 'Sessions'],
      ['session-detail', `/sessions/${cc}`, /^Session /],
      ['traces', '/traces', 'Traces'],
      ['trace-detail', `/traces/${run}`, /^Trace /],
      ['service-map', '/service-map', 'Service map'],
    ];
    for (const [name, path, heading] of views) {
      await open(page, path, heading);
      await page.locator('.loading').first().waitFor({ state: 'detached', timeout: 15_000 });
      if (name === 'anomalies') {
        await page.locator('.anomaly-head').first().click();
        await page.locator('.anomaly .chart canvas').first().waitFor();
      }
      if (name === 'trace-detail')
        await page.getByRole('button', { name: /execute_tool web_search/ }).click();
      // Wide tables and the map scroll in their own boxes; the page itself does not.
      // (A string: the test project has no DOM types.)
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      assert.ok(overflow <= 1, `${name} overflows the phone screen by ${overflow}px`);
      await screenshot(page, `${name}-phone`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });
});
