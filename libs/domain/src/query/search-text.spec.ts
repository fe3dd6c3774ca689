import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SEARCH_LIMITS, payloadText, searchTextOf } from './search-text';

const base = {
  summary: null,
  app: 'checkout',
  agent_id: null,
  agent_type: null,
  session_id: 's1',
  event_type: 'PreToolUse',
  tool_name: null,
  model: null,
  provider: null,
  status: null,
  tags: {},
  payload: {},
};

describe('searchTextOf', () => {
  it('holds the summary, the names and the tag values, not the keys', () => {
    const text = searchTextOf({
      ...base,
      summary: 'database connection refused',
      agent_id: 'planner-1',
      tool_name: 'Bash',
      model: 'claude-sonnet-4-5',
      tags: { env: 'prod' },
    });
    for (const w of ['database', 'checkout', 's1', 'PreToolUse', 'planner-1', 'Bash', 'prod']) {
      assert.ok(text.includes(w), `${w} in ${text}`);
    }
    assert.ok(!text.includes('env'), 'tag keys are not words');
  });

  it('takes payload strings breadth first, so short top fields beat deep blobs', () => {
    const blob = 'word '.repeat(2000);
    const text = payloadText({
      tool_response: { stdout: blob, nested: { deeper: 'buried' } },
      tool_input: { command: 'rm -rf build', file_path: '/repo/src/main.ts' },
      cwd: '/repo',
      exit_code: 137,
    });
    assert.ok(text.startsWith('/repo'), 'the top-level string first');
    assert.ok(text.includes('rm -rf build'));
    assert.ok(text.includes('/repo/src/main.ts'));
    assert.ok(!text.includes('137'), 'numbers are not searched');
    assert.ok(text.length <= SEARCH_LIMITS.payloadChars + 10, `bounded: ${text.length}`);
  });

  it('cuts each value and the whole payload text to the budget', () => {
    const long = 'a'.repeat(10_000);
    assert.equal(payloadText({ a: long }).length, SEARCH_LIMITS.payloadValueChars);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, long]));
    const text = payloadText(many);
    assert.ok(text.length <= SEARCH_LIMITS.payloadChars + 50, `${text.length}`);
    assert.ok(text.length >= SEARCH_LIMITS.payloadChars - SEARCH_LIMITS.payloadValueChars);
  });

  it('stops after a bounded number of nodes, even for huge arrays', () => {
    const huge = Array.from({ length: 200_000 }, (_, i) => (i === 199_999 ? 'needle' : i));
    const text = payloadText({ rows: huge });
    assert.ok(!text.includes('needle'), 'the last of 200,000 values is past the node budget');
    assert.equal(payloadText({ rows: ['x', ['y', { z: 'found' }]] }), 'x y found');
  });

  it('handles payloads that are not objects', () => {
    assert.equal(payloadText(null), '');
    assert.equal(payloadText('just text'), 'just text');
    assert.equal(payloadText([1, true, 'x']), 'x');
    assert.equal(searchTextOf({ ...base, app: 'a', session_id: 's', event_type: 't' }), 'a s t');
  });
});
