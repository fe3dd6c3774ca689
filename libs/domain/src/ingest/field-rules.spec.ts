import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  deriveSeverity,
  inferProvider,
  normalizeStatus,
  normalizeTags,
  resolveDurationMs,
  tokensFromPayload,
} from './field-rules';

describe('deriveSeverity', () => {
  const table: [string, string | null, number][] = [
    ['error', null, 3],
    ['ERROR', null, 3],
    ['function_call_error', null, 3],
    ['ToolError', null, 3],
    ['failure', null, 3],
    ['PostToolUseFailure', null, 3],
    ['task_failed', null, 3],
    ['fatal', null, 4],
    ['crash', null, 4],
    ['panic', null, 4],
    ['worker_crash', null, 4],
    ['warning', null, 2],
    ['warn', null, 2],
    ['rate_limit_warning', null, 2],
    ['llm_response', null, 1],
    ['PreToolUse', null, 1],
    ['errors_cleared_summary', null, 1],
    ['tool_call', 'error', 3],
    ['fatal', 'error', 4],
    ['tool_call', 'ok', 1],
  ];
  for (const [type, status, expected] of table) {
    it(`${type} / ${String(status)} → ${expected}`, () =>
      assert.equal(deriveSeverity(type, status), expected));
  }
});

describe('normalizeStatus', () => {
  it('maps aliases', () => {
    assert.equal(normalizeStatus('ok'), 'ok');
    assert.equal(normalizeStatus('Success'), 'ok');
    assert.equal(normalizeStatus('failed'), 'error');
    assert.equal(normalizeStatus('failure'), 'error');
    assert.equal(normalizeStatus('error'), 'error');
    assert.equal(normalizeStatus('unset'), 'unset');
    assert.equal(normalizeStatus('done'), undefined);
    assert.equal(normalizeStatus(1), undefined);
  });
});

describe('resolveDurationMs', () => {
  it('top-level duration_ms wins', () =>
    assert.equal(resolveDurationMs(12, { duration_ms: 1, duration: 1 }), 12));
  it('then payload.duration_ms', () =>
    assert.equal(resolveDurationMs(undefined, { duration_ms: 7, duration: 1 }), 7));
  it('then payload.duration in seconds', () =>
    assert.equal(resolveDurationMs(undefined, { duration: 1.23 }), 1230));
  it('keeps sub-ms precision without float noise', () =>
    assert.equal(resolveDurationMs(null, { duration: 0.0001234 }), 0.123));
  it('0 is a valid duration', () => assert.equal(resolveDurationMs(0, { duration: 5 }), 0));
  it('skips an invalid top-level value', () =>
    assert.equal(resolveDurationMs(-5, { duration_ms: 3 }), 3));
  it('ignores invalid payload values', () => {
    assert.equal(resolveDurationMs(undefined, { duration_ms: -1, duration: 'x' }), null);
    assert.equal(resolveDurationMs(undefined, { duration: -2 }), null);
    assert.equal(resolveDurationMs(undefined, 'text'), null);
    assert.equal(resolveDurationMs(undefined, [1]), null);
    assert.equal(resolveDurationMs(undefined, { duration: Number.NaN }), null);
  });
});

describe('tokensFromPayload', () => {
  it('prefers usage over flat fields', () => {
    assert.deepEqual(
      tokensFromPayload({ usage: { input_tokens: 1 }, input_tokens: 2, output_tokens: 3 }),
      {
        input_tokens: 1,
        output_tokens: 3,
        cache_read_tokens: null,
        cache_creation_tokens: null,
      },
    );
  });
  it('falls through invalid values to the next candidate', () => {
    assert.equal(
      tokensFromPayload({ usage: { input_tokens: 'x', prompt_tokens: 4 } }).input_tokens,
      4,
    );
  });
  it('reads flat cache fields', () => {
    const t = tokensFromPayload({ cache_read_tokens: 5, cache_creation_tokens: 6 });
    assert.deepEqual([t.cache_read_tokens, t.cache_creation_tokens], [5, 6]);
  });
  it('returns nulls for non-objects', () =>
    assert.equal(tokensFromPayload('x').output_tokens, null));
});

describe('inferProvider', () => {
  const table: [string | null, string | null][] = [
    ['claude-sonnet-4-5-20250929', 'anthropic'],
    ['Claude-3-Opus', 'anthropic'],
    ['gpt-4o', 'openai'],
    ['o1', 'openai'],
    ['o3-mini', 'openai'],
    ['o4-mini', 'openai'],
    ['gemini-2.5-pro', 'google'],
    ['mistral-large-latest', 'mistral'],
    ['mixtral-8x7b', 'mistral'],
    ['command-r-plus', 'cohere'],
    ['deepseek-chat', 'deepseek'],
    ['anthropic/claude-3-5-haiku', 'anthropic'],
    ['llama-3.1-70b', null],
    ['omni-model', null],
    ['gpt4all', null],
    [null, null],
    ['', null],
  ];
  for (const [model, provider] of table) {
    it(`${String(model)} → ${String(provider)}`, () =>
      assert.equal(inferProvider(model), provider));
  }
});

describe('normalizeTags', () => {
  it('stringifies scalar values and trims keys', () => {
    assert.deepEqual(normalizeTags({ ' env ': 'prod', n: 1.5, b: false }), {
      ok: true,
      tags: { env: 'prod', n: '1.5', b: 'false' },
    });
  });
  it('turns string arrays into flags', () => {
    assert.deepEqual(normalizeTags(['a', 'b']), { ok: true, tags: { a: 'true', b: 'true' } });
  });
  it('null and empty → null', () => {
    assert.deepEqual(normalizeTags(null), { ok: true, tags: null });
    assert.deepEqual(normalizeTags([]), { ok: true, tags: null });
  });
  it('rejects bad shapes with the field path', () => {
    const r = normalizeTags({ env: [1] });
    assert.ok(!r.ok);
    assert.equal(r.field, 'tags.env');
    const n = normalizeTags(5);
    assert.ok(!n.ok);
    assert.equal(n.field, 'tags');
  });
  it('keeps a "__proto__" tag as data', () => {
    const r = normalizeTags(JSON.parse('{"__proto__":"x"}'));
    assert.ok(r.ok && r.tags !== null);
    assert.equal(Object.getPrototypeOf(r.tags), Object.prototype);
    assert.deepEqual(Object.keys(r.tags), ['__proto__']);
  });
});
