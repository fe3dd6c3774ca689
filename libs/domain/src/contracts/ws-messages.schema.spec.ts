import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseWsClientMessage } from './ws-messages.schema';

const parse = (v: unknown) => parseWsClientMessage(typeof v === 'string' ? v : JSON.stringify(v));

describe('parseWsClientMessage', () => {
  it('parses subscribe with filter and cursor', () => {
    const r = parse({
      type: 'subscribe',
      id: 'sub-1',
      filter: { app: ['a', 'b'], severity: 3 },
      cursor: 'abc',
    });
    assert.deepEqual(r, {
      ok: true,
      msg: {
        type: 'subscribe',
        id: 'sub-1',
        filter: { app: ['a', 'b'], severity: 3 },
        cursor: 'abc',
      },
    });
  });

  it('parses subscribe with channels (stats and anomalies besides events)', () => {
    const r = parse({ type: 'subscribe', id: 's', channels: ['stats', 'anomalies'] });
    assert.deepEqual(r, {
      ok: true,
      msg: { type: 'subscribe', id: 's', channels: ['stats', 'anomalies'] },
    });
  });

  it('parses unsubscribe, ping (extra keys dropped) and query (seed shape)', () => {
    assert.deepEqual(parse({ type: 'unsubscribe', id: 'sub-1' }), {
      ok: true,
      msg: { type: 'unsubscribe', id: 'sub-1' },
    });
    assert.deepEqual(parse({ type: 'ping', t: 1 }), { ok: true, msg: { type: 'ping' } });
    assert.deepEqual(parse({ type: 'query', sql: 'select 1', queryId: 'q1', params: [1, 'a'] }), {
      ok: true,
      msg: { type: 'query', sql: 'select 1', queryId: 'q1', params: [1, 'a'] },
    });
  });

  const errors: [string, unknown, RegExp][] = [
    ['invalid JSON', '{type:', /^invalid JSON/],
    ['a JSON array', [], /must be a JSON object, got array/],
    ['a JSON string', '"ping"', /must be a JSON object, got string/],
    ['no type', { id: 'x' }, /missing field 'type'/],
    [
      'unknown type',
      { type: 'set_filters', filters: {} },
      /unknown message type "set_filters" \(expected one of subscribe, unsubscribe, ping, query\)/,
    ],
    ['numeric type', { type: 3 }, /unknown message type 3/],
    ['subscribe without id', { type: 'subscribe' }, /^invalid subscribe message: id: /],
    ['subscribe id too long', { type: 'subscribe', id: 'x'.repeat(65) }, /id: /],
    [
      'subscribe to an unknown channel',
      { type: 'subscribe', id: 'a', channels: ['events', 'analytics'] },
      /channels\.1: /,
    ],
    [
      'bad filter severity',
      { type: 'subscribe', id: 'a', filter: { severity: 7 } },
      /filter\.severity: /,
    ],
    [
      'unknown filter key',
      { type: 'subscribe', id: 'a', filter: { apps: 'x' } },
      /filter\.apps: unknown field/,
    ],
    ['unsubscribe without id', { type: 'unsubscribe' }, /^invalid unsubscribe message: id: /],
    ['query without sql', { type: 'query', queryId: 'q' }, /^invalid query message: sql: /],
    ['query params not an array', { type: 'query', sql: 'select 1', params: 'x' }, /params: /],
    [
      'query params that are not JSON scalars',
      { type: 'query', sql: 'select $1', params: [{ a: 1 }] },
      /params\.0: /,
    ],
    ['query of blanks only', { type: 'query', sql: '  \n ' }, /sql: must not be empty/],
  ];
  for (const [name, input, pattern] of errors) {
    it(`rejects ${name}`, () => {
      const r = parse(input);
      assert.ok(!r.ok);
      assert.match(r.error, pattern);
    });
  }
});
