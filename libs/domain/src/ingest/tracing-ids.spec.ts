import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSpanId, generateTraceId } from './tracing-ids';

describe('tracing ids', () => {
  it('are W3C-shaped and unique', () => {
    const traces = new Set(Array.from({ length: 200 }, generateTraceId));
    assert.equal(traces.size, 200);
    for (const t of traces) assert.match(t, /^[0-9a-f]{32}$/);
    assert.match(generateSpanId(), /^[0-9a-f]{16}$/);
    assert.notEqual(generateSpanId(), '0000000000000000');
  });
});
