import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { utf8ByteLength } from './event-size';
import { normalizeEvents } from './normalize-events';
import { testContext } from './test-fixtures';

describe('utf8ByteLength', () => {
  it('counts UTF-8 bytes like TextEncoder, ASCII or not', () => {
    const bytes = (s: string) => new TextEncoder().encode(s).length;
    for (const s of ['', 'plain ascii {"a":1}', 'é', '€', '😀', 'mixed é€😀 text', '\u007f\u0080'])
      assert.equal(utf8ByteLength(s), bytes(s), s);
  });
});

describe('normalizeEvents: json', () => {
  it('gives the JSON of each accepted event at its index, for the Kafka value', () => {
    const r = normalizeEvents(
      [
        { app: 'a', event_type: 'x', payload: { s: 'é😀' } },
        { app: '', event_type: 'x' },
        { app: 'b', event_type: 'y', payload: {} },
      ],
      testContext(),
    );
    assert.equal(r.events.length, 2);
    assert.deepEqual(
      r.json,
      r.events.map((e) => JSON.stringify(e)),
    );
  });
});
