/**
 * Table of malformed items. Each one is sent in a batch between two valid events of the same
 * session: the bad item must yield exactly one rejection naming the expected field with a
 * non-empty reason, and both valid events must still come back.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeEvents } from './normalize-events';
import { RECEIVED_AT, disPreToolUse, testContext } from './test-fixtures';

const SESSION = 'sess-1';
const DAY = 24 * 60 * 60 * 1000;

const generic = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  app: 'agent',
  event_type: 'llm_request',
  session_id: SESSION,
  payload: { q: 1 },
  ...over,
});
const without = (obj: Record<string, unknown>, key: string): Record<string, unknown> => {
  const copy = { ...obj };
  delete copy[key];
  return copy;
};
const dis = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...disPreToolUse(),
  session_id: SESSION,
  ...over,
});

const long = (n: number) => 'x'.repeat(n);

const cases: { name: string; item: unknown; field: string }[] = [
  // generic: required fields
  { name: 'missing app', item: without(generic(), 'app'), field: 'app' },
  { name: 'app is a number', item: generic({ app: 42 }), field: 'app' },
  { name: 'app is blank', item: generic({ app: '   ' }), field: 'app' },
  { name: 'app over 256 chars', item: generic({ app: long(257) }), field: 'app' },
  { name: 'missing event_type', item: without(generic(), 'event_type'), field: 'event_type' },
  { name: 'event_type is an array', item: generic({ event_type: ['a'] }), field: 'event_type' },
  {
    name: 'event_type over 256 chars',
    item: generic({ event_type: long(257) }),
    field: 'event_type',
  },
  { name: 'missing payload', item: without(generic(), 'payload'), field: 'payload' },
  { name: 'payload is null', item: generic({ payload: null }), field: 'payload' },
  { name: 'session_id is a number', item: generic({ session_id: 7 }), field: 'session_id' },
  {
    name: 'session_id over 256 chars',
    item: generic({ session_id: long(257) }),
    field: 'session_id',
  },
  // text fields
  { name: 'summary is a number', item: generic({ summary: 1 }), field: 'summary' },
  { name: 'summary over 4096 chars', item: generic({ summary: long(4097) }), field: 'summary' },
  { name: 'trace_id is a number', item: generic({ trace_id: 123 }), field: 'trace_id' },
  { name: 'span_id over 128 chars', item: generic({ span_id: long(129) }), field: 'span_id' },
  { name: 'model is an object', item: generic({ model: { name: 'gpt' } }), field: 'model' },
  { name: 'provider is a number', item: generic({ provider: 1 }), field: 'provider' },
  { name: 'agent_id is a boolean', item: generic({ agent_id: true }), field: 'agent_id' },
  { name: 'tool_name over 256 chars', item: generic({ tool_name: long(257) }), field: 'tool_name' },
  // id
  { name: 'id is a number', item: generic({ id: 5 }), field: 'id' },
  { name: 'id contains whitespace', item: generic({ id: 'a b' }), field: 'id' },
  { name: 'id over 128 chars', item: generic({ id: long(129) }), field: 'id' },
  // timestamps
  { name: 'timestamp is garbage', item: generic({ timestamp: 'yesterday' }), field: 'timestamp' },
  {
    name: 'timestamp is Feb 30',
    item: generic({ timestamp: '2025-02-30T00:00:00Z' }),
    field: 'timestamp',
  },
  {
    name: 'timestamp hour 25',
    item: generic({ timestamp: '2025-07-14T25:00:00Z' }),
    field: 'timestamp',
  },
  {
    name: 'timestamp over a year old',
    item: generic({ timestamp: '2020-01-01T00:00:00Z' }),
    field: 'timestamp',
  },
  {
    name: 'timestamp two days ahead',
    item: generic({ timestamp: new Date(RECEIVED_AT.getTime() + 2 * DAY).toISOString() }),
    field: 'timestamp',
  },
  {
    name: 'timestamp in epoch seconds',
    item: generic({ timestamp: 1752525650 }),
    field: 'timestamp',
  },
  { name: 'timestamp is a boolean', item: generic({ timestamp: true }), field: 'timestamp' },
  {
    name: 'timestamp is Infinity-like',
    item: generic({ timestamp: Number.POSITIVE_INFINITY }),
    field: 'timestamp',
  },
  { name: 'canonical ts invalid', item: generic({ ts: '14/07/2025' }), field: 'ts' },
  // severity / status
  { name: 'severity 0 (seed column default)', item: generic({ severity: 0 }), field: 'severity' },
  { name: 'severity 5', item: generic({ severity: 5 }), field: 'severity' },
  { name: 'severity as a string', item: generic({ severity: '3' }), field: 'severity' },
  { name: 'severity 2.5', item: generic({ severity: 2.5 }), field: 'severity' },
  { name: 'status unknown word', item: generic({ status: 'maybe' }), field: 'status' },
  { name: 'status is a number', item: generic({ status: 200 }), field: 'status' },
  // numbers
  { name: 'duration_ms negative', item: generic({ duration_ms: -1 }), field: 'duration_ms' },
  { name: 'duration_ms as a string', item: generic({ duration_ms: '100' }), field: 'duration_ms' },
  { name: 'input_tokens fractional', item: generic({ input_tokens: 1.5 }), field: 'input_tokens' },
  { name: 'output_tokens negative', item: generic({ output_tokens: -3 }), field: 'output_tokens' },
  {
    name: 'cache_read_tokens as a string',
    item: generic({ cache_read_tokens: '7' }),
    field: 'cache_read_tokens',
  },
  {
    name: 'cache_creation_tokens unsafe integer',
    item: generic({ cache_creation_tokens: 2 ** 60 }),
    field: 'cache_creation_tokens',
  },
  { name: 'cost_usd negative', item: generic({ cost_usd: -0.1 }), field: 'cost_usd' },
  // tags / attributes
  { name: 'tags is a string', item: generic({ tags: 'prod' }), field: 'tags' },
  {
    name: 'tag value is an object',
    item: generic({ tags: { env: { name: 'prod' } } }),
    field: 'tags.env',
  },
  { name: 'tag value is null', item: generic({ tags: { env: null } }), field: 'tags.env' },
  { name: 'tag array holds a number', item: generic({ tags: ['ok', 3] }), field: 'tags.1' },
  {
    name: '65 tags',
    item: generic({
      tags: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])),
    }),
    field: 'tags',
  },
  {
    name: 'tag value over 1024 chars',
    item: generic({ tags: { note: long(1025) } }),
    field: 'tags.note',
  },
  { name: 'tag key over 128 chars', item: generic({ tags: { [long(129)]: 'v' } }), field: 'tags' },
  { name: 'tag key blank', item: generic({ tags: { ' ': 'v' } }), field: 'tags' },
  { name: 'attributes is an array', item: generic({ attributes: [1] }), field: 'attributes' },
  // Claude Code hook dialect
  { name: 'DIS missing session_id', item: without(dis(), 'session_id'), field: 'session_id' },
  { name: 'DIS missing payload', item: without(dis(), 'payload'), field: 'payload' },
  { name: 'DIS payload is a number', item: dis({ payload: 5 }), field: 'payload' },
  { name: 'DIS payload is an array', item: dis({ payload: [] }), field: 'payload' },
  {
    name: 'DIS hook_event_type blank',
    item: dis({ hook_event_type: '' }),
    field: 'hook_event_type',
  },
  {
    name: 'DIS missing hook_event_type',
    item: without(dis(), 'hook_event_type'),
    field: 'hook_event_type',
  },
  { name: 'DIS source_app is a number', item: dis({ source_app: 1 }), field: 'source_app' },
  {
    name: 'DIS timestamp as a numeric string',
    item: dis({ timestamp: '1739030000123' }),
    field: 'timestamp',
  },
  { name: 'DIS model_name is a number', item: dis({ model_name: 4 }), field: 'model_name' },
  // structural
  { name: 'item is a string', item: 'event', field: '(item)' },
  { name: 'item is an array', item: [generic()], field: '(item)' },
  { name: 'item is null', item: null, field: '(item)' },
  {
    name: 'item is over the size limit',
    item: generic({ payload: { blob: long(1_100_000) } }),
    field: '(event)',
  },
];

describe('normalizeEvents: malformed inputs', () => {
  it('has at least 30 distinct cases', () => {
    assert.ok(cases.length >= 30, `only ${cases.length}`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  });

  for (const { name, item, field } of cases) {
    it(`${name} → rejection on "${field}", neighbours survive`, () => {
      const before = generic({ id: 'ok-before', event_type: 'before' });
      const after = dis({ id: 'ok-after' });
      const r = normalizeEvents([before, item, after], testContext());

      assert.equal(r.rejected.length, 1, JSON.stringify(r.rejected));
      const rej = r.rejected[0]!;
      assert.equal(rej.index, 1);
      assert.equal(rej.field, field);
      assert.equal(typeof rej.reason, 'string');
      assert.ok(rej.reason.trim().length > 0, 'reason must not be empty');

      assert.deepEqual(
        r.events.map((e) => [e.id, e.session_id]),
        [
          ['ok-before', SESSION],
          ['ok-after', SESSION],
        ],
      );
    });
  }
});
