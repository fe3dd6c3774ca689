import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventEnvelopeSchema, type EventEnvelope } from '../envelope/event-envelope.schema';
import { eventByteSize } from './event-size';
import {
  DEFAULT_MAX_BATCH_EVENTS,
  detectDialect,
  normalizeEvents,
  normalizeNdjson,
} from './normalize-events';
import {
  RECEIVED_AT,
  disHitl,
  disPreToolUse,
  disStopWithChat,
  ezLlmResponse,
  ezPreToolUse,
  testContext,
} from './test-fixtures';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Normalise one object and insist it was accepted; also checks the output against the schema. */
function one(
  body: Record<string, unknown>,
  overrides: Parameters<typeof testContext>[0] = {},
): EventEnvelope {
  const r = normalizeEvents(body, testContext(overrides));
  assert.deepEqual(r.rejected, []);
  assert.equal(r.events.length, 1);
  const e = r.events[0]!;
  const check = eventEnvelopeSchema.safeParse(e);
  assert.ok(check.success, check.success ? '' : JSON.stringify(check.error.issues));
  return e;
}

function rejectionsOf(body: unknown, overrides: Parameters<typeof testContext>[0] = {}) {
  const r = normalizeEvents(body, testContext(overrides));
  assert.equal(r.events.length, 0);
  return r.rejected;
}

describe('normalizeEvents: Claude Code hook dialect (DIS)', () => {
  it('maps the PreToolUse sample onto the envelope', () => {
    const e = one(disPreToolUse());
    assert.equal(e.source, 'claude_code');
    assert.equal(e.project_id, 'proj-1');
    assert.equal(e.app, 'my-api-server');
    assert.equal(e.session_id, '4c1f9a2e-7d3b-4b8e-9a11-0f2d5c6e7a88');
    assert.equal(e.event_type, 'PreToolUse');
    assert.equal(e.ts, '2025-02-08T15:53:20.123Z');
    assert.equal(e.received_at, '2025-07-15T00:00:00.000Z');
    assert.equal(e.model, 'claude-sonnet-4-5-20250929');
    assert.equal(e.provider, 'anthropic');
    assert.equal(e.tool_name, 'Bash');
    assert.equal(e.summary, 'Runs npm test to execute the project test suite');
    assert.equal(e.severity, 1);
    assert.equal(e.status, null);
    assert.match(e.id, UUID_RE);
    assert.deepEqual(e.payload, disPreToolUse()['payload']);
    // tool_use_id is not an envelope field: it must survive in attributes.
    assert.deepEqual(e.attributes, { tool_use_id: 'toolu_01AbC' });
  });

  it('keeps humanInTheLoop in attributes and accepts an empty payload object', () => {
    const e = one(disHitl());
    assert.equal(e.event_type, 'HumanInTheLoop');
    assert.deepEqual(e.payload, {});
    assert.deepEqual(e.attributes, { humanInTheLoop: disHitl()['humanInTheLoop'] });
  });

  it('keeps chat and stop_hook_active in attributes', () => {
    const e = one(disStopWithChat());
    assert.deepEqual(e.attributes, { stop_hook_active: false, chat: disStopWithChat()['chat'] });
    assert.equal(e.model, 'claude-opus-4-1-20250805');
  });

  it('preserves every DIS extra top-level field', () => {
    const extras = {
      tool_use_id: 'toolu_9',
      error: 'Command failed with exit code 1',
      is_interrupt: false,
      permission_suggestions: [{ type: 'addRules' }],
      notification_type: 'permission_prompt',
      stop_hook_active: true,
      source: 'startup',
      reason: 'clear',
      agent_transcript_path: '/t.jsonl',
      custom_instructions: 'be brief',
      humanInTheLoopStatus: { status: 'pending' },
      something_new: { nested: [1, 2] },
    };
    const e = one({ ...disPreToolUse(), ...extras });
    assert.deepEqual(e.attributes, extras);
    // NOTE: the DIS hook `source` must not be confused with the envelope source.
    assert.equal(e.source, 'claude_code');
  });

  it('PostToolUseFailure is severity 3 with status error', () => {
    const e = one({
      ...disPreToolUse(),
      hook_event_type: 'PostToolUseFailure',
      error: 'boom',
      is_interrupt: false,
    });
    assert.equal(e.severity, 3);
    assert.equal(e.status, 'error');
  });

  it('takes tool_name, agent_id, agent_type from the payload when absent at the top level', () => {
    const body = {
      source_app: 'app',
      session_id: 's1',
      hook_event_type: 'SubagentStop',
      payload: {
        tool_name: 'Task',
        agent_id: 'agent-7',
        agent_type: 'code-reviewer',
        stop_hook_active: false,
      },
    };
    const e = one(body);
    assert.equal(e.tool_name, 'Task');
    assert.equal(e.agent_id, 'agent-7');
    assert.equal(e.agent_type, 'code-reviewer');
  });

  it('top-level agent_id wins over the payload one', () => {
    const e = one({ ...disPreToolUse(), agent_id: 'top', payload: { agent_id: 'inner' } });
    assert.equal(e.agent_id, 'top');
  });

  it('accepts a string payload', () => {
    const e = one({
      source_app: 'a',
      session_id: 's',
      hook_event_type: 'Notification',
      payload: 'raw text',
    });
    assert.equal(e.payload, 'raw text');
  });

  it('uses received_at when the timestamp is absent', () => {
    const body = disPreToolUse();
    delete body['timestamp'];
    assert.equal(one(body).ts, RECEIVED_AT.toISOString());
  });

  it('is detected by hook_event_type alone (and then requires source_app)', () => {
    assert.equal(detectDialect({ hook_event_type: 'Stop' }), 'claude_code');
    assert.equal(detectDialect({ app: 'a', event_type: 'e' }), 'generic');
    const rej = rejectionsOf({ hook_event_type: 'Stop', session_id: 's', payload: {} });
    assert.deepEqual(
      rej.map((x) => x.field),
      ['source_app'],
    );
  });

  it('SessionStart payload.model gives the model and provider', () => {
    const e = one({
      source_app: 'a',
      session_id: 's',
      hook_event_type: 'SessionStart',
      payload: { source: 'startup', model: 'claude-haiku-4-5-20251001' },
    });
    assert.equal(e.model, 'claude-haiku-4-5-20251001');
    assert.equal(e.provider, 'anthropic');
  });
});

describe('normalizeEvents: generic (EzAigents) + canonical dialect', () => {
  it('maps the SDK llm_response sample (microsecond + offset timestamp, duration in seconds)', () => {
    const e = one(ezLlmResponse());
    assert.equal(e.source, 'generic');
    assert.equal(e.app, 'MyGPT-Agent');
    assert.equal(e.session_id, 'MyGPT-Agent-1752525649');
    assert.equal(e.ts, '2025-07-14T20:40:50.735Z');
    assert.equal(e.duration_ms, 1230);
    assert.equal(e.model, 'gpt-4');
    assert.equal(e.provider, 'openai');
    // payload.agent_type is the seed SDK's client library, not an agent type.
    assert.equal(e.agent_type, null);
    assert.equal(e.attributes, null);
    assert.equal(e.severity, 1);
  });

  it('maps the EZ Claude hook sample, ignoring the bogus payload.tool "unknown"', () => {
    const e = one(ezPreToolUse());
    assert.equal(e.event_type, 'pre_tool_use');
    assert.equal(e.session_id, 'default');
    assert.equal(e.tool_name, null);
    assert.equal(e.summary, null);
  });

  it('uses payload.tool from the seed tool_use event', () => {
    const e = one({
      app: 'a',
      event_type: 'tool_use',
      payload: { tool: 'web_search', parameters: { q: 'x' } },
    });
    assert.equal(e.tool_name, 'web_search');
  });

  it('defaults session_id to "default" and generates a UUID id', () => {
    const e = one({ app: 'a', event_type: 'test', payload: { x: 1 } });
    assert.equal(e.session_id, 'default');
    assert.match(e.id, UUID_RE);
    assert.notEqual(e.id, one({ app: 'a', event_type: 'test', payload: 1 }).id);
  });

  it('accepts any non-null JSON payload, including a string, 0 and false', () => {
    assert.equal(one({ app: 'a', event_type: 't', payload: 'hello' }).payload, 'hello');
    assert.equal(one({ app: 'a', event_type: 't', payload: 0 }).payload, 0);
    assert.equal(one({ app: 'a', event_type: 't', payload: false }).payload, false);
    assert.deepEqual(one({ app: 'a', event_type: 't', payload: [1, 2] }).payload, [1, 2]);
  });

  it('keeps a client id (idempotency key)', () => {
    assert.equal(
      one({ id: 'evt_01HXYZ-abc', app: 'a', event_type: 't', payload: {} }).id,
      'evt_01HXYZ-abc',
    );
  });

  it('trims app, event_type and session_id', () => {
    const e = one({ app: '  a ', event_type: ' t\n', session_id: ' s ', payload: {} });
    assert.deepEqual([e.app, e.event_type, e.session_id], ['a', 't', 's']);
  });

  it('accepts canonical field names', () => {
    const e = one({
      id: 'c-1',
      app: 'svc',
      event_type: 'chat',
      ts: '2025-07-14T10:00:00.000Z',
      payload: {},
      agent_id: 'agent-1',
      agent_type: 'planner',
      model: 'gemini-2.5-pro',
      input_tokens: 10,
      output_tokens: 20,
      cache_read_tokens: 3,
      cache_creation_tokens: 4,
      cost_usd: 0.0123,
      tool_name: 'search',
      status: 'success',
      duration_ms: 250.5,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      parent_span_id: '00f067aa0ba902b6',
      attributes: { 'http.route': '/v1' },
    });
    assert.equal(e.id, 'c-1');
    assert.equal(e.ts, '2025-07-14T10:00:00.000Z');
    assert.equal(e.agent_id, 'agent-1');
    assert.equal(e.agent_type, 'planner');
    assert.equal(e.provider, 'google');
    assert.deepEqual(
      [e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_creation_tokens],
      [10, 20, 3, 4],
    );
    assert.equal(e.cost_usd, 0.0123);
    assert.equal(e.status, 'ok');
    assert.equal(e.duration_ms, 250.5);
    assert.equal(e.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(e.parent_span_id, '00f067aa0ba902b6');
    assert.deepEqual(e.attributes, { 'http.route': '/v1' });
  });

  it('canonical names win over aliases; the losing alias is kept in attributes', () => {
    const e = one({
      app: 'a',
      event_type: 't',
      payload: {},
      ts: '2025-07-14T10:00:00.000Z',
      timestamp: 'not even a date',
      model: 'gpt-4o',
      model_name: 'claude-3',
    });
    assert.equal(e.ts, '2025-07-14T10:00:00.000Z');
    assert.equal(e.model, 'gpt-4o');
    assert.equal(e.provider, 'openai');
    assert.deepEqual(e.attributes, { timestamp: 'not even a date', model_name: 'claude-3' });
  });

  it('model_name is accepted in the generic dialect too', () => {
    assert.equal(
      one({ app: 'a', event_type: 't', payload: {}, model_name: 'mistral-large' }).provider,
      'mistral',
    );
  });

  it('an explicit provider wins over inference and over payload.provider', () => {
    const e = one({
      app: 'a',
      event_type: 't',
      payload: { provider: 'x' },
      model: 'claude-3',
      provider: 'aws.bedrock',
    });
    assert.equal(e.provider, 'aws.bedrock');
    assert.equal(
      one({ app: 'a', event_type: 't', payload: { provider: 'azure', model: 'gpt-4' } }).provider,
      'azure',
    );
  });

  it('unknown top-level keys and seed row columns go to attributes; explicit attributes win on clashes', () => {
    const e = one({
      app: 'a',
      event_type: 't',
      payload: {},
      created_at: '2025-07-14 20:40:50',
      env: 'prod',
      attributes: { env: 'staging', extra: true },
    });
    assert.deepEqual(e.attributes, {
      created_at: '2025-07-14 20:40:50',
      env: 'staging',
      extra: true,
    });
  });

  it('ignores client project_id and received_at (server-owned)', () => {
    const e = one({
      app: 'a',
      event_type: 't',
      payload: {},
      project_id: 'other-tenant',
      received_at: 'x',
    });
    assert.equal(e.project_id, 'proj-1');
    assert.equal(e.received_at, RECEIVED_AT.toISOString());
    assert.equal(e.attributes, null);
  });

  it('keeps a "__proto__" key as data instead of replacing the prototype', () => {
    const body = JSON.parse(
      '{"app":"a","event_type":"t","payload":{},"__proto__":{"polluted":true}}',
    ) as Record<string, unknown>;
    const e = one(body);
    assert.ok(e.attributes !== null);
    assert.equal(Object.getPrototypeOf(e.attributes), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(e.attributes, '__proto__')?.value, {
      polluted: true,
    });
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('null optional fields are treated as absent', () => {
    const e = one({
      app: 'a',
      event_type: 't',
      payload: {},
      session_id: null,
      timestamp: null,
      summary: null,
      trace_id: null,
      severity: null,
      tags: null,
      model: null,
      duration_ms: null,
    });
    assert.equal(e.session_id, 'default');
    assert.equal(e.ts, RECEIVED_AT.toISOString());
    assert.equal(e.attributes, null);
  });

  it('blank optional strings become null', () => {
    const e = one({
      app: 'a',
      event_type: 't',
      payload: {},
      summary: '  ',
      trace_id: '',
      agent_id: ' ',
    });
    assert.deepEqual([e.summary, e.trace_id, e.agent_id], [null, null, null]);
  });

  it('ctx.source overrides the dialect default', () => {
    assert.equal(one(disPreToolUse(), { source: 'sdk' }).source, 'sdk');
  });
});

describe('normalizeEvents: severity and status', () => {
  const cases: [string, 1 | 2 | 3 | 4][] = [
    ['error', 3],
    ['function_call_error', 3],
    ['warning', 2],
    ['fatal', 4],
    ['llm_response', 1],
  ];
  for (const [eventType, severity] of cases) {
    it(`${eventType} → severity ${severity}`, () => {
      const e = one({ app: 'a', event_type: eventType, payload: {} });
      assert.equal(e.severity, severity);
      assert.equal(e.status, severity >= 3 ? 'error' : null);
    });
  }

  it('a given severity wins over derivation', () => {
    const e = one({ app: 'a', event_type: 'error', payload: {}, severity: 2 });
    assert.equal(e.severity, 2);
    assert.equal(e.status, null);
  });

  it('status error raises the derived severity to 3', () => {
    const e = one({ app: 'a', event_type: 'tool_call', payload: {}, status: 'failed' });
    assert.equal(e.status, 'error');
    assert.equal(e.severity, 3);
  });

  it('status unset is kept', () => {
    assert.equal(one({ app: 'a', event_type: 'x', payload: {}, status: 'UNSET' }).status, 'unset');
  });
});

describe('normalizeEvents: tokens, cost and duration', () => {
  it('reads Anthropic usage from the payload', () => {
    const e = one({
      app: 'a',
      event_type: 'llm_response',
      payload: {
        model: 'claude-sonnet-4-5',
        usage: {
          input_tokens: 100,
          output_tokens: 50,
          cache_read_input_tokens: 7,
          cache_creation_input_tokens: 9,
        },
      },
    });
    assert.deepEqual(
      [e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_creation_tokens],
      [100, 50, 7, 9],
    );
  });

  it('reads OpenAI usage and the seed token_usage event', () => {
    const openai = one({
      app: 'a',
      event_type: 'x',
      payload: { usage: { prompt_tokens: 11, completion_tokens: 22 } },
    });
    assert.deepEqual([openai.input_tokens, openai.output_tokens], [11, 22]);
    const seed = one({
      app: 'a',
      event_type: 'token_usage',
      payload: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11, model: 'gpt-4' },
    });
    assert.deepEqual([seed.input_tokens, seed.output_tokens, seed.provider], [5, 6, 'openai']);
  });

  it('top-level token fields win over the payload', () => {
    const e = one({
      app: 'a',
      event_type: 'x',
      input_tokens: 1,
      payload: { usage: { input_tokens: 999, output_tokens: 2 } },
    });
    assert.deepEqual([e.input_tokens, e.output_tokens], [1, 2]);
  });

  it('ignores invalid token counts inside the payload', () => {
    const e = one({
      app: 'a',
      event_type: 'x',
      payload: { usage: { input_tokens: -1, output_tokens: 1.5 }, prompt_tokens: '3' },
    });
    assert.deepEqual([e.input_tokens, e.output_tokens], [null, null]);
  });

  it('reads payload.cost_usd when no top-level cost', () => {
    assert.equal(one({ app: 'a', event_type: 'x', payload: { cost_usd: 0.5 } }).cost_usd, 0.5);
    assert.equal(one({ app: 'a', event_type: 'x', payload: { cost_usd: -1 } }).cost_usd, null);
  });

  it('applies the duration rule', () => {
    assert.equal(
      one({ app: 'a', event_type: 'x', duration_ms: 5, payload: { duration_ms: 6, duration: 7 } })
        .duration_ms,
      5,
    );
    assert.equal(
      one({ app: 'a', event_type: 'x', payload: { duration_ms: 6, duration: 7 } }).duration_ms,
      6,
    );
    assert.equal(one({ app: 'a', event_type: 'x', payload: { duration: 0.5 } }).duration_ms, 500);
    assert.equal(
      one({ app: 'a', event_type: 'x', payload: { duration: 'slow' } }).duration_ms,
      null,
    );
    assert.equal(
      one({ app: 'a', event_type: 'x', payload: { session_duration: 12 } }).duration_ms,
      null,
    );
  });
});

describe('normalizeEvents: tags', () => {
  it('stringifies object values', () => {
    const e = one({
      app: 'a',
      event_type: 'x',
      payload: {},
      tags: { env: 'prod', shard: 3, canary: true },
    });
    assert.deepEqual(e.tags, { env: 'prod', shard: '3', canary: 'true' });
  });

  it('turns a string array into flags', () => {
    assert.deepEqual(one({ app: 'a', event_type: 'x', payload: {}, tags: ['beta', 'eu'] }).tags, {
      beta: 'true',
      eu: 'true',
    });
  });

  it('empty tags become null', () => {
    assert.equal(one({ app: 'a', event_type: 'x', payload: {}, tags: {} }).tags, null);
  });

  it('accepts exactly 64 tags', () => {
    const tags = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v']));
    assert.equal(
      Object.keys(one({ app: 'a', event_type: 'x', payload: {}, tags }).tags ?? {}).length,
      64,
    );
  });
});

describe('normalizeEvents: timestamps', () => {
  const at = (timestamp: unknown) => one({ app: 'a', event_type: 'x', payload: {}, timestamp }).ts;

  it('parses ISO with microseconds and an offset', () => {
    assert.equal(at('2025-07-14T20:40:50.735788+00:00'), '2025-07-14T20:40:50.735Z');
    assert.equal(at('2025-07-14T22:40:50.999999+02:00'), '2025-07-14T20:40:50.999Z');
  });

  it('parses epoch ms in the generic dialect too', () => {
    assert.equal(at(1752525650735), '2025-07-14T20:40:50.735Z');
  });

  it('reads an ISO string without an offset as UTC', () => {
    assert.equal(at('2025-07-14T20:40:50'), '2025-07-14T20:40:50.000Z');
  });

  it('accepts an ISO string in the DIS dialect', () => {
    const e = one({ ...disPreToolUse(), timestamp: '2025-02-08T15:53:20.123Z' });
    assert.equal(e.ts, '2025-02-08T15:53:20.123Z');
  });

  it('accepts the window edges exactly', () => {
    assert.equal(at(RECEIVED_AT.getTime() + 24 * 3600 * 1000), '2025-07-16T00:00:00.000Z');
    assert.equal(at(RECEIVED_AT.getTime() - 365 * 24 * 3600 * 1000), '2024-07-15T00:00:00.000Z');
  });
});

describe('normalizeEvents: batches', () => {
  it('returns valid items and rejects invalid ones independently, with their index', () => {
    const r = normalizeEvents(
      [
        ezLlmResponse(),
        { app: 'a', event_type: 'x' },
        disPreToolUse(),
        'nope',
        { app: 'a', event_type: 'y', payload: 1 },
      ],
      testContext(),
    );
    assert.deepEqual(
      r.events.map((e) => e.event_type),
      ['llm_response', 'PreToolUse', 'y'],
    );
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.field]),
      [
        [1, 'payload'],
        [3, '(item)'],
      ],
    );
  });

  it('reports several problems of one item separately', () => {
    const r = normalizeEvents({ event_type: 5, payload: null, severity: 9 }, testContext());
    assert.deepEqual(r.rejected.map((x) => x.field).sort(), [
      'app',
      'event_type',
      'payload',
      'severity',
    ]);
    assert.ok(r.rejected.every((x) => x.index === 0 && x.reason.length > 0));
  });

  it('rejects an empty batch', () => {
    const rej = rejectionsOf([]);
    assert.deepEqual(
      rej.map((x) => [x.index, x.field]),
      [[-1, '(body)']],
    );
    assert.match(rej[0]!.reason, /empty batch/);
  });

  it('rejects a batch over maxBatchEvents as a whole', () => {
    const item = { app: 'a', event_type: 'x', payload: {} };
    const rej = rejectionsOf([item, item, item], { maxBatchEvents: 2 });
    assert.deepEqual(
      rej.map((x) => [x.index, x.field]),
      [[-1, '(body)']],
    );
    assert.match(rej[0]!.reason, /3 events, over the limit of 2/);
    assert.equal(
      normalizeEvents([item, item], testContext({ maxBatchEvents: 2 })).events.length,
      2,
    );
  });

  it('defaults maxBatchEvents to 10 000', () => {
    assert.equal(DEFAULT_MAX_BATCH_EVENTS, 10_000);
    const item = { app: 'a', event_type: 'x', payload: {} };
    const rej = rejectionsOf(new Array<unknown>(10_001).fill(item));
    assert.equal(rej[0]?.field, '(body)');
  });

  it('rejects non-object bodies', () => {
    for (const body of [null, undefined, 'text', 42, true]) {
      const rej = rejectionsOf(body);
      assert.deepEqual(
        rej.map((x) => [x.index, x.field]),
        [[-1, '(body)']],
        String(body),
      );
    }
  });

  it('throws on a programming error in the context', () => {
    assert.throws(() => normalizeEvents({}, testContext({ receivedAt: new Date('x') })), TypeError);
  });
});

describe('normalizeEvents: size limit', () => {
  it('rejects an event over maxEventBytes, naming sizes', () => {
    const body = { app: 'a', event_type: 'x', payload: { blob: 'x'.repeat(2000) } };
    const rej = rejectionsOf(body, { maxEventBytes: 1000 });
    assert.equal(rej.length, 1);
    assert.equal(rej[0]!.field, '(event)');
    assert.match(rej[0]!.reason, /^event is \d+ bytes, over the limit of 1000 bytes$/);
  });

  it('the limit is inclusive and counts UTF-8 bytes', () => {
    const e = one({ id: 'fixed', app: 'a', event_type: 'x', payload: { s: 'é😀' } });
    const size = eventByteSize(e);
    assert.equal(size, new TextEncoder().encode(JSON.stringify(e)).length);
    assert.ok(size > JSON.stringify(e).length, 'multi-byte characters count as bytes');
    const body = { id: 'fixed', app: 'a', event_type: 'x', payload: { s: 'é😀' } };
    assert.equal(normalizeEvents(body, testContext({ maxEventBytes: size })).events.length, 1);
    assert.equal(
      normalizeEvents(body, testContext({ maxEventBytes: size - 1 })).rejected[0]?.field,
      '(event)',
    );
  });

  it('one oversize item does not sink the batch', () => {
    const r = normalizeEvents(
      [disStopWithChat(), { ...disStopWithChat(), chat: ['x'.repeat(5000)] }],
      testContext({ maxEventBytes: 4000 }),
    );
    assert.equal(r.events.length, 1);
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.field]),
      [[1, '(event)']],
    );
  });
});

describe('normalizeEvents: generateTracing', () => {
  it('generates W3C ids when trace_id is absent', () => {
    const e = one({ app: 'a', event_type: 'x', payload: {} }, { generateTracing: true });
    assert.match(e.trace_id ?? '', /^[0-9a-f]{32}$/);
    assert.match(e.span_id ?? '', /^[0-9a-f]{16}$/);
  });

  it('keeps a client trace_id and generates nothing', () => {
    const e = one(
      { app: 'a', event_type: 'x', payload: {}, trace_id: 'abc' },
      { generateTracing: true },
    );
    assert.equal(e.trace_id, 'abc');
    assert.equal(e.span_id, null);
  });

  it('is off by default', () => {
    assert.equal(one({ app: 'a', event_type: 'x', payload: {} }).trace_id, null);
  });
});

describe('normalizeNdjson', () => {
  it('normalises each line, skipping blank lines and the trailing newline; CRLF is fine', () => {
    const text = [
      JSON.stringify(ezLlmResponse()),
      '',
      JSON.stringify(disPreToolUse()) + '\r',
      '   ',
      '',
    ].join('\n');
    const r = normalizeNdjson(text, testContext());
    assert.deepEqual(r.rejected, []);
    assert.deepEqual(
      r.events.map((e) => e.source),
      ['generic', 'claude_code'],
    );
  });

  it('reports invalid JSON lines by physical line index and keeps the others', () => {
    const text = [
      JSON.stringify({ app: 'a', event_type: 'x', payload: {} }),
      '',
      '{"app": "a", "event_type":',
      JSON.stringify({ app: 'a', event_type: 'x' }),
      '[1,2]',
      JSON.stringify({ app: 'a', event_type: 'y', payload: {} }),
    ].join('\n');
    const r = normalizeNdjson(text, testContext());
    assert.equal(r.events.length, 2);
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.field]),
      [
        [2, '(line)'],
        [3, 'payload'],
        [4, '(item)'],
      ],
    );
    assert.match(r.rejected[0]!.reason, /^invalid JSON: /);
  });

  it('strips a UTF-8 BOM', () => {
    const r = normalizeNdjson(
      '\uFEFF' + JSON.stringify({ app: 'a', event_type: 'x', payload: {} }) + '\n',
      testContext(),
    );
    assert.equal(r.events.length, 1);
  });

  it('rejects empty input and too many lines as a whole', () => {
    assert.equal(normalizeNdjson('\n \n', testContext()).rejected[0]?.field, '(body)');
    const line = JSON.stringify({ app: 'a', event_type: 'x', payload: {} });
    const r = normalizeNdjson([line, line, line].join('\n'), testContext({ maxBatchEvents: 2 }));
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.field]),
      [[-1, '(body)']],
    );
    assert.equal(r.events.length, 0);
  });
});
