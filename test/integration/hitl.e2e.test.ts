import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/env';
import { freePort, startApi, waitFor, waitReady, type Proc } from '../support/processes';

interface HitlView {
  id: string;
  status: string;
  type: string;
  question: string;
  choices: string[] | null;
  app: string;
  session_id: string;
  expires_at: string;
  response: {
    response?: string;
    permission?: boolean;
    choice?: string;
    respondedAt: number;
    respondedBy: string | null;
  } | null;
  responded_by: string | null;
  responded_at: string | null;
}

interface Called<T> {
  status: number;
  body: T;
  at: number;
}

/** A client of one api: JSON in, status and JSON out, with an optional API key. */
function client(base: string, key?: string) {
  return async <T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Called<T>> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (key) headers.authorization = `Bearer ${key}`;
    const r = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T, at: Date.now() };
  };
}

/** The DIS HITL request of utils/hitl.py (seed-systems.md A.3 (2)), sent now. */
function disHitl(question: string, type = 'permission', extra: Record<string, unknown> = {}) {
  return {
    source_app: 'hitl_example',
    session_id: 'example_session_456',
    hook_event_type: 'HumanInTheLoop',
    payload: {},
    timestamp: Date.now(),
    humanInTheLoop: {
      question,
      responseWebSocketUrl: 'ws://localhost:54321',
      type,
      choices: null,
      timeout: 300,
      requiresResponse: true,
      ...extra,
    },
  };
}

/**
 * Human in the loop through the all-in-one process: an agent asks (a DIS hook event or
 * POST /hitl/requests) and long-polls the API; a person answers; the poll returns the
 * answer at once. Answers are checked against the request's type, accepted once, refused
 * after the timeout, and need the `respond` scope when auth is on.
 */
describe('all-in-one: human in the loop', () => {
  let dataDir: string;
  let api: Proc;
  let call: ReturnType<typeof client>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-hitl-'));
    const port = await freePort();
    api = startApi({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' }, ['--all-in-one']);
    await waitReady(`http://127.0.0.1:${port}/ready`, api, 120_000);
    call = client(`http://127.0.0.1:${port}`);
  });

  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a DIS hook asks, long-polls, and gets the answer within a second of it; a second answer is 409', async () => {
    const posted = await call<{ id: string }>('POST', '/events', disHitl('Allow rm -rf /tmp/x?'));
    assert.equal(posted.status, 202);
    const id = posted.body.id;

    // The agent waits on the API (no WebSocket server on its host).
    const polling = call<HitlView>('GET', `/hitl/requests/${id}/response?wait=30`);

    // The person sees it in the dashboard's list…
    const pending = await waitFor('the pending request', async () => {
      const r = await call<HitlView[]>('GET', '/hitl/requests?status=pending&app=hitl_example');
      return r.body.find((x) => x.id === id);
    });
    assert.equal(pending.type, 'permission');
    assert.equal(pending.question, 'Allow rm -rf /tmp/x?');
    assert.equal(pending.session_id, 'example_session_456');
    // Expiry counts from the server's receive time: 300 s ahead.
    const left = Date.parse(pending.expires_at) - Date.now();
    assert.ok(left > 290_000 && left <= 300_000, String(left));
    // …and answers as the seed's client did (hookEvent and a client respondedAt included).
    await new Promise((r) => setTimeout(r, 500)); // the poll is really waiting
    const answered = await call<HitlView>('POST', `/events/${id}/respond`, {
      permission: true,
      hookEvent: disHitl('Allow rm -rf /tmp/x?'),
      respondedAt: 1,
      respondedBy: 'ana',
    });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.status, 'responded');

    const got = await polling;
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.ok(
      got.at - answered.at < 1_000,
      `answer reached the agent ${got.at - answered.at} ms later`,
    );
    assert.equal(got.body.status, 'responded');
    assert.equal(got.body.response?.permission, true);
    assert.ok((got.body.response?.respondedAt ?? 0) > 1, 'the server sets respondedAt');
    assert.equal(got.body.response?.respondedBy, 'ana', 'auth off: the display name is kept');

    const again = await call<{ error: string; details: { status: string } }>(
      'POST',
      `/events/${id}/respond`,
      { permission: false },
    );
    assert.equal(again.status, 409);
    assert.equal(again.body.details.status, 'responded');
    // The first answer stands, and a later poll returns it at once.
    const later = await call<HitlView>('GET', `/hitl/requests/${id}/response?wait=10`);
    assert.equal(later.status, 200);
    assert.equal(later.body.response?.permission, true);
    assert.ok(later.at - again.at < 2_000);
    // The event itself is stored as sent (the dashboard reads the status from /hitl/requests).
    const event = await call<{ event_type: string }>('GET', `/events/${id}`);
    assert.equal(event.body.event_type, 'HumanInTheLoop');
  });

  it('POST /hitl/requests then long poll: 202 while pending, 200 with the choice once answered', async () => {
    const created = await call<{ id: string; status: string; expires_at: string }>(
      'POST',
      '/hitl/requests',
      {
        app: 'sdk-app',
        session_id: 'sdk-s1',
        question: 'Deploy where?',
        type: 'choice',
        choices: ['staging', 'production'],
        timeout_s: 120,
        agent_id: 'deployer',
        context: { commit: 'abc123' },
      },
    );
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal(created.body.status, 'pending');
    const id = created.body.id;
    const left = Date.parse(created.body.expires_at) - Date.now();
    assert.ok(left > 110_000 && left <= 120_000);

    const first = await call<{ status: string }>('GET', `/hitl/requests/${id}/response?wait=1`);
    assert.equal(first.status, 202);
    assert.equal(first.body.status, 'pending');

    const polling = call<HitlView>('GET', `/hitl/requests/${id}/response?wait=30`);
    await new Promise((r) => setTimeout(r, 300));
    const answered = await call<HitlView>('POST', `/hitl/requests/${id}/respond`, {
      choice: 'staging',
    });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const got = await polling;
    assert.equal(got.status, 200);
    assert.ok(got.at - answered.at < 1_000);
    assert.equal(got.body.response?.choice, 'staging');

    const one = await call<HitlView & { agent_id: string }>('GET', `/hitl/requests/${id}`);
    assert.equal(one.body.status, 'responded');
    assert.equal(one.body.agent_id, 'deployer');
    assert.deepEqual(one.body.choices, ['staging', 'production']);
    // It went through ingest: stored as an event with its context.
    const event = await call<{ payload: unknown; app: string }>('GET', `/events/${id}`);
    assert.equal(event.body.app, 'sdk-app');
    assert.deepEqual(event.body.payload, {
      question: 'Deploy where?',
      context: { commit: 'abc123' },
    });
  });

  it('refuses answers that do not fit the request, naming the field; 404 for unknown ids', async () => {
    const ask = async (body: Record<string, unknown>) => {
      const r = await call<{ id: string }>('POST', '/hitl/requests', {
        app: 'shapes',
        session_id: 's',
        question: 'q?',
        ...body,
      });
      assert.equal(r.status, 202);
      await waitFor(
        'stored',
        async () => (await call('GET', `/hitl/requests/${r.body.id}`)).status === 200,
      );
      return r.body.id;
    };
    const permission = await ask({ type: 'permission' });
    const choice = await ask({ type: 'choice', choices: ['a', 'b'] });
    const question = await ask({ type: 'question' });
    const cases: [string, unknown, string][] = [
      [permission, { response: 'yes' }, 'permission'],
      [permission, { permission: 'true' }, 'permission'],
      [choice, { choice: 'c' }, 'choice'],
      [choice, {}, 'choice'],
      [question, { response: '   ' }, 'response'],
      [question, { permission: true }, 'response'],
      [question, { response: 42 }, 'response'],
    ];
    for (const [id, body, field] of cases) {
      const r = await call<{ details: { field: string }[] }>(
        'POST',
        `/hitl/requests/${id}/respond`,
        body,
      );
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(
        r.body.details.some((d) => d.field === field),
        JSON.stringify(r.body),
      );
    }
    // Still pending after every refusal; a good answer then goes through.
    const ok = await call<HitlView>('POST', `/events/${question}/respond`, { response: 'fine' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.response?.response, 'fine');

    const bad = await call<{ details: { field: string }[] }>('POST', '/hitl/requests', {
      app: 'x',
      session_id: 's',
      question: 'q',
      type: 'choice',
    });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.details.some((d) => d.field === 'choices'));
    assert.equal((await call('POST', '/events/nope/respond', { permission: true })).status, 404);
    assert.equal((await call('GET', '/hitl/requests/nope')).status, 404);
    const started = Date.now();
    const unknown = await call('GET', '/hitl/requests/nope/response?wait=0');
    assert.equal(unknown.status, 404);
    assert.ok(Date.now() - started >= 2_500, 'an unknown id is given a grace before the 404');
    assert.equal((await call('GET', '/hitl/requests/x/response?wait=61')).status, 400);
  });

  it('times out: the waiting agent gets 410 {status: timeout}; a late answer is 409', async () => {
    const posted = await call<{ id: string }>(
      'POST',
      '/events',
      disHitl('Quick?', 'question', { timeout: 2 }),
    );
    const id = posted.body.id;
    const started = Date.now();
    const got = await call<HitlView>('GET', `/hitl/requests/${id}/response?wait=20`);
    assert.equal(got.status, 410, JSON.stringify(got.body));
    assert.equal(got.body.status, 'timeout');
    assert.ok(Date.now() - started < 5_000, 'returned at the expiry, not at the end of the wait');
    const late = await call<{ details: { status: string } }>('POST', `/events/${id}/respond`, {
      response: 'too late',
    });
    assert.equal(late.status, 409);
    assert.equal(late.body.details.status, 'timeout');
    const listed = await call<HitlView[]>('GET', '/hitl/requests?status=timeout');
    assert.ok(listed.body.some((r) => r.id === id));
    // Cancelling: the agent gave up.
    const other = await call<{ id: string }>('POST', '/hitl/requests', {
      app: 'c',
      session_id: 's',
      question: 'q',
      type: 'question',
    });
    await waitFor(
      'stored',
      async () => (await call('GET', `/hitl/requests/${other.body.id}`)).status === 200,
    );
    assert.equal((await call('POST', `/hitl/requests/${other.body.id}/cancel`)).status, 200);
    const cancelled = await call<HitlView>(
      'GET',
      `/hitl/requests/${other.body.id}/response?wait=5`,
    );
    assert.equal(cancelled.status, 410);
    assert.equal(cancelled.body.status, 'cancelled');
  });

  it('a client that disconnects mid-wait does not keep the server busy', async () => {
    const posted = await call<{ id: string }>('POST', '/events', disHitl('Abandoned?'));
    const ac = new AbortController();
    const polling = call(
      'GET',
      `/hitl/requests/${posted.body.id}/response?wait=60`,
      undefined,
      ac.signal,
    );
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    await assert.rejects(polling);
    // The server still answers promptly and the request is still answerable.
    await waitFor(
      'stored',
      async () => (await call('GET', `/hitl/requests/${posted.body.id}`)).status === 200,
    );
    const r = await call<HitlView>('POST', `/events/${posted.body.id}/respond`, {
      permission: false,
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.response?.permission, false);
  });
});

describe('all-in-one with ENABLE_AUTH: answering needs the respond scope', () => {
  let dataDir: string;
  let api: Proc;
  let base: string;
  const envKey = 'env-key-for-hitl-test';
  let limitedKey: string;
  let responderKey: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'fleetscope-hitl-auth-'));
    const env = { DATA_DIR: dataDir, PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn' };
    const createKey = (name: string, extra: string[]) =>
      (
        JSON.parse(
          execFileSync(
            process.execPath,
            [
              join(ROOT, 'apps/api/dist/main.js'),
              '--all-in-one',
              '--create-api-key',
              name,
              ...extra,
            ],
            { env },
          ).toString(),
        ) as { key: string }
      ).key;
    // Made before the api starts: the embedded database has one process at a time.
    limitedKey = createKey('agent', []);
    responderKey = createKey('person', ['--scopes', 'read,respond']);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startApi(
      {
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        ENABLE_AUTH: 'true',
        OBSERVABILITY_API_KEY: envKey,
      },
      ['--all-in-one'],
    );
    await waitReady(`${base}/ready`, api, 120_000);
  });

  after(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('403 with a key lacking respond, 401 without a key, 200 with the env key', async () => {
    const agent = client(base, limitedKey);
    const posted = await agent<{ id: string }>('POST', '/events', disHitl('Allow push --force?'));
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    const id = posted.body.id;
    await waitFor(
      'stored',
      async () => (await agent('GET', `/hitl/requests/${id}`)).status === 200,
    );
    const polling = agent<HitlView>('GET', `/hitl/requests/${id}/response?wait=30`);

    const denied = await agent<{ error: string }>('POST', `/events/${id}/respond`, {
      permission: true,
    });
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.equal(denied.body.error, 'forbidden');
    assert.equal(
      (await agent('POST', `/hitl/requests/${id}/respond`, { permission: true })).status,
      403,
    );
    assert.equal(
      (await client(base)('POST', `/events/${id}/respond`, { permission: true })).status,
      401,
    );

    const ok = await client(base, envKey)<HitlView>('POST', `/events/${id}/respond`, {
      permission: true,
      respondedBy: 'someone else',
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.responded_by, 'env', 'with auth on, the key answers, not the body');
    const got = await polling;
    assert.equal(got.status, 200);
    assert.equal(got.body.response?.permission, true);

    // A key created with --scopes …,respond may answer too, and is named as the responder.
    const second = await agent<{ id: string }>('POST', '/events', disHitl('Again?'));
    await waitFor(
      'stored',
      async () => (await agent('GET', `/hitl/requests/${second.body.id}`)).status === 200,
    );
    const person = await client(base, responderKey)<HitlView>(
      'POST',
      `/hitl/requests/${second.body.id}/respond`,
      { permission: false },
    );
    assert.equal(person.status, 200, JSON.stringify(person.body));
    assert.ok(person.body.responded_by && person.body.responded_by !== 'env');
  });
});
