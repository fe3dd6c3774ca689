import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEnvelope } from '../envelope/test-fixtures';
import { normalizeEvents } from '../ingest/normalize-events';
import { disHitl, testContext } from '../ingest/test-fixtures';
import {
  checkHitlAnswer,
  hitlCreateSchema,
  hitlEventOf,
  hitlRequestOf,
  hitlTimeoutSeconds,
} from './hitl.schema';

describe('hitlRequestOf', () => {
  it('reads the DIS hook body through the normaliser: expiry from the server receive time', () => {
    const e = normalizeEvents(disHitl(), testContext()).events[0]!;
    const r = hitlRequestOf(e);
    assert.ok(r);
    assert.equal(r.id, e.id);
    assert.equal(r.project_id, 'proj-1');
    assert.equal(r.type, 'permission');
    assert.equal(r.question, 'Allow rm -rf /tmp/test_data?');
    assert.equal(r.choices, null);
    assert.equal(r.app, 'hitl_example');
    assert.equal(r.session_id, 'example_session_456');
    assert.equal(r.created_at, '2025-07-15T00:00:00.000Z');
    // 300 s after RECEIVED_AT, not after the client's (months older) timestamp.
    assert.equal(r.expires_at, '2025-07-15T00:05:00.000Z');
  });

  it('is null without humanInTheLoop, or with an unusable one', () => {
    assert.equal(hitlRequestOf(sampleEnvelope()), null);
    const bad = [
      { type: 'permission' },
      { question: '', type: 'permission' },
      { question: 'q', type: 'vote' },
      { question: 'q', type: 'choice', choices: [] },
      'yes',
    ];
    for (const h of bad) {
      assert.equal(hitlRequestOf(sampleEnvelope({ attributes: { humanInTheLoop: h } })), null);
    }
  });

  it('clamps the timeout to [1 s, 1 day] with 300 s by default', () => {
    assert.equal(hitlTimeoutSeconds(undefined), 300);
    assert.equal(hitlTimeoutSeconds(null), 300);
    assert.equal(hitlTimeoutSeconds(0.2), 1);
    assert.equal(hitlTimeoutSeconds(10), 10);
    assert.equal(hitlTimeoutSeconds(1e9), 86_400);
  });
});

describe('POST /hitl/requests body', () => {
  it('becomes an ingestible event that the worker turns into the same request', () => {
    const c = hitlCreateSchema.parse({
      app: 'sdk',
      session_id: 's1',
      question: 'Which?',
      type: 'choice',
      choices: ['a', 'b'],
      timeout_s: 5,
      agent_id: 'agent-7',
      context: { diff: '+x' },
    });
    const [e] = normalizeEvents(hitlEventOf('req-1', c), testContext()).events;
    assert.ok(e);
    const r = hitlRequestOf(e);
    assert.ok(r);
    assert.equal(r.id, 'req-1');
    assert.equal(r.agent_id, 'agent-7');
    assert.deepEqual(r.choices, ['a', 'b']);
    assert.equal(Date.parse(r.expires_at) - Date.parse(r.created_at), 5000);
    assert.deepEqual(e.payload, { question: 'Which?', context: { diff: '+x' } });
  });

  it('requires choices for a choice and names unknown keys', () => {
    const noChoices = hitlCreateSchema.safeParse({
      app: 'a',
      session_id: 's',
      question: 'q',
      type: 'choice',
    });
    assert.equal(noChoices.success, false);
    assert.deepEqual(noChoices.error?.issues[0]?.path, ['choices']);
    const extra = hitlCreateSchema.safeParse({
      app: 'a',
      session_id: 's',
      question: 'q',
      type: 'question',
      colour: 'red',
    });
    assert.equal(extra.success, false);
  });
});

describe('checkHitlAnswer', () => {
  it('a permission needs a boolean permission', () => {
    assert.deepEqual(checkHitlAnswer('permission', null, { permission: false }), {
      ok: true,
      answer: { permission: false },
    });
    const bad = checkHitlAnswer('permission', null, { response: 'yes' });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.field, 'permission');
  });

  it('a choice must be one of the choices', () => {
    assert.deepEqual(checkHitlAnswer('choice', ['a', 'b'], { choice: 'b' }), {
      ok: true,
      answer: { choice: 'b' },
    });
    const bad = checkHitlAnswer('choice', ['a', 'b'], { choice: 'c' });
    assert.equal(!bad.ok && bad.error.field, 'choice');
  });

  it('a question needs a non-empty response, and only that field is kept', () => {
    assert.deepEqual(checkHitlAnswer('question', null, { response: 'ok', permission: true }), {
      ok: true,
      answer: { response: 'ok' },
    });
    const bad = checkHitlAnswer('question', null, { response: '  ' });
    assert.equal(!bad.ok && bad.error.field, 'response');
  });
});
