import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEnvelope } from '../envelope/test-fixtures';
import { eventFilterSchema, matchesFilter } from './event-filter.schema';

const e = sampleEnvelope({
  app: 'billing',
  event_type: 'llm_response',
  agent_id: 'agent-1',
  session_id: 's-1',
  severity: 2,
  trace_id: 't-1',
  tags: { env: 'prod', region: 'eu' },
});

describe('eventFilterSchema', () => {
  it('accepts every field', () => {
    const f = {
      app: ['a', 'b'],
      agent_id: 'x',
      session_id: 's',
      event_type: 'e',
      severity: 3,
      trace_id: 't',
      project_id: 'p',
      tags: { a: 'b' },
    };
    assert.deepEqual(eventFilterSchema.parse(f), f);
  });
  it('rejects unknown keys, bad severity and empty lists', () => {
    assert.equal(eventFilterSchema.safeParse({ apps: 'x' }).success, false);
    assert.equal(eventFilterSchema.safeParse({ severity: 5 }).success, false);
    assert.equal(eventFilterSchema.safeParse({ severity: 0 }).success, false);
    assert.equal(eventFilterSchema.safeParse({ severity: 1.5 }).success, false);
    assert.equal(eventFilterSchema.safeParse({ app: [] }).success, false);
    assert.equal(eventFilterSchema.safeParse({ tags: { a: 1 } }).success, false);
  });
});

describe('matchesFilter', () => {
  const table: [string, Parameters<typeof matchesFilter>[0], boolean][] = [
    ['empty filter', {}, true],
    ['app equal', { app: 'billing' }, true],
    ['app different', { app: 'search' }, false],
    ['app list hit', { app: ['search', 'billing'] }, true],
    ['app list miss', { app: ['search'] }, false],
    ['event_type list', { event_type: ['llm_request', 'llm_response'] }, true],
    ['event_type miss', { event_type: 'error' }, false],
    ['agent_id', { agent_id: 'agent-1' }, true],
    ['agent_id miss', { agent_id: 'agent-2' }, false],
    ['session_id miss', { session_id: 's-2' }, false],
    ['trace_id', { trace_id: 't-1' }, true],
    ['project_id miss', { project_id: 'other' }, false],
    ['severity minimum met', { severity: 2 }, true],
    ['severity minimum lower', { severity: 1 }, true],
    ['severity minimum not met', { severity: 3 }, false],
    ['tags subset', { tags: { env: 'prod' } }, true],
    ['tags value differs', { tags: { env: 'dev' } }, false],
    ['tags key absent', { tags: { team: 'x' } }, false],
    [
      'tag named like a prototype member',
      { tags: { constructor: 'function Object() { [native code] }' } },
      false,
    ],
    [
      'all combined',
      { app: 'billing', severity: 2, tags: { region: 'eu' }, session_id: 's-1' },
      true,
    ],
    ['combined with one miss', { app: 'billing', severity: 4 }, false],
  ];
  for (const [name, filter, expected] of table) {
    it(name, () => assert.equal(matchesFilter(filter, e), expected));
  }
  it('tags filter never matches an event without tags', () => {
    assert.equal(matchesFilter({ tags: { env: 'prod' } }, sampleEnvelope({ tags: null })), false);
  });
  it('agent_id filter does not match a null agent', () => {
    assert.equal(matchesFilter({ agent_id: 'agent-1' }, sampleEnvelope()), false);
  });
});
