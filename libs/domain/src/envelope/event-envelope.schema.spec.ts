import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVENT_SCHEMA_VERSION,
  EVENT_SOURCES,
  eventEnvelopeSchema,
  parseEventEnvelope,
} from './event-envelope.schema';
import { sampleEnvelope } from './test-fixtures';

describe('eventEnvelopeSchema', () => {
  it('exports the schema version and sources', () => {
    assert.equal(EVENT_SCHEMA_VERSION, 1);
    assert.deepEqual([...EVENT_SOURCES], ['generic', 'claude_code', 'otlp', 'sdk', 'kafka']);
  });

  it('accepts a full envelope unchanged', () => {
    const e = sampleEnvelope({
      tags: { env: 'prod' },
      attributes: { x: [1] },
      input_tokens: 3,
      status: 'ok',
    });
    assert.deepEqual(parseEventEnvelope(e), e);
  });

  it('defaults a missing payload to {}', () => {
    const rest: Partial<ReturnType<typeof sampleEnvelope>> = sampleEnvelope();
    delete rest.payload;
    assert.deepEqual(parseEventEnvelope(rest).payload, {});
  });

  it('keeps a null payload (a JSON value) as null', () => {
    assert.equal(parseEventEnvelope(sampleEnvelope({ payload: null })).payload, null);
  });

  const bad: [string, Record<string, unknown>][] = [
    ['ts without ms', { ts: '2026-01-02T03:04:05Z' }],
    ['ts with offset', { ts: '2026-01-02T03:04:05.678+00:00' }],
    ['ts on Feb 30', { ts: '2026-02-30T03:04:05.678Z' }],
    ['severity 0', { severity: 0 }],
    ['unknown source', { source: 'webhook' }],
    ['negative tokens', { input_tokens: -1 }],
    ['fractional tokens', { output_tokens: 1.5 }],
    ['negative duration', { duration_ms: -1 }],
    ['status word', { status: 'success' }],
    ['empty app', { app: '' }],
    ['id with space', { id: 'a b' }],
    ['non-string tag value', { tags: { a: 1 } }],
    ['unknown key (strict)', { extra: 1 }],
  ];
  for (const [name, over] of bad) {
    it(`rejects ${name}`, () => {
      assert.equal(eventEnvelopeSchema.safeParse({ ...sampleEnvelope(), ...over }).success, false);
    });
  }

  it('rejects more than 64 tags', () => {
    const tags = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    assert.equal(eventEnvelopeSchema.safeParse(sampleEnvelope({ tags })).success, false);
  });
});
