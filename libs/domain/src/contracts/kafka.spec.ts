import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEnvelope } from '../envelope/test-fixtures';
import { disPreToolUse, ezLlmResponse } from '../ingest/test-fixtures';
import {
  KAFKA_HEADERS,
  TOPICS,
  decodeEventMessage,
  encodeEventMessage,
  eventMessageHeaders,
  eventMessageKey,
  readKafkaHeader,
} from './kafka';

const NOW = new Date('2025-07-15T00:00:00.000Z');
const enc = (s: string) => new TextEncoder().encode(s);

describe('kafka contract constants', () => {
  it('names topics and headers', () => {
    assert.deepEqual(TOPICS, {
      events: 'fleetscope.events.v1',
      eventsDlq: 'fleetscope.events.dlq.v1',
      live: 'fleetscope.live.v1',
    });
    assert.equal(KAFKA_HEADERS.dlqError, 'x-fleetscope-error');
    assert.equal(KAFKA_HEADERS.dlqSourceOffset, 'x-fleetscope-source-offset');
    assert.deepEqual(eventMessageHeaders(), {
      'content-type': 'application/json',
      'schema-version': '1',
    });
  });

  it('keys by project and session', () => {
    assert.equal(eventMessageKey(sampleEnvelope({ project_id: 'p', session_id: 's' })), 'p:s');
  });
});

describe('decodeEventMessage', () => {
  it('round-trips a canonical envelope (string and bytes)', () => {
    const e = sampleEnvelope({
      tags: { env: 'prod' },
      attributes: { chat: [] },
      severity: 3,
      status: 'error',
    });
    assert.deepEqual(decodeEventMessage(encodeEventMessage(e)), { ok: true, event: e });
    assert.deepEqual(decodeEventMessage(enc(encodeEventMessage(e)), eventMessageHeaders()), {
      ok: true,
      event: e,
    });
  });

  it('rejects an invalid canonical envelope with the field named', () => {
    const r = decodeEventMessage(JSON.stringify({ ...sampleEnvelope(), severity: 9 }));
    assert.ok(!r.ok);
    assert.match(r.error, /^invalid envelope: .*severity/);
  });

  it('rejects a canonical envelope with unknown fields (strict)', () => {
    const r = decodeEventMessage(JSON.stringify({ ...sampleEnvelope(), surprise: 1 }));
    assert.ok(!r.ok);
    assert.match(r.error, /surprise: unknown field/);
  });

  it('normalises a raw generic event with source kafka and the message project_id', () => {
    const r = decodeEventMessage(
      JSON.stringify({ ...ezLlmResponse(), project_id: 'team-a' }),
      undefined,
      { now: NOW },
    );
    assert.ok(r.ok);
    assert.equal(r.event.source, 'kafka');
    assert.equal(r.event.project_id, 'team-a');
    assert.equal(r.event.duration_ms, 1230);
    assert.equal(r.event.received_at, NOW.toISOString());
    assert.equal(r.event.attributes, null);
  });

  it('normalises a raw DIS event into project "default"', () => {
    const r = decodeEventMessage(enc(JSON.stringify(disPreToolUse())), {}, { now: NOW });
    assert.ok(r.ok);
    assert.equal(r.event.project_id, 'default');
    assert.equal(r.event.source, 'kafka');
    assert.equal(r.event.app, 'my-api-server');
    assert.deepEqual(r.event.attributes, { tool_use_id: 'toolu_01AbC' });
  });

  it('uses fallbackId for a raw event without id, but keeps a client id', () => {
    const a = decodeEventMessage(JSON.stringify(ezLlmResponse()), undefined, {
      now: NOW,
      fallbackId: 'events:3:42',
    });
    assert.ok(a.ok);
    assert.equal(a.event.id, 'events:3:42');
    const b = decodeEventMessage(
      JSON.stringify({ ...ezLlmResponse(), id: 'client-1' }),
      undefined,
      { now: NOW, fallbackId: 'events:3:43' },
    );
    assert.ok(b.ok);
    assert.equal(b.event.id, 'client-1');
  });

  const poison: [
    string,
    string | Uint8Array | null,
    RegExp,
    Record<string, string | Uint8Array>?,
  ][] = [
    ['a tombstone', null, /tombstone/],
    ['non-JSON text', 'hello', /^invalid JSON/],
    ['truncated JSON', '{"app":', /^invalid JSON/],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe, 0x7b]), /UTF-8/],
    ['a JSON array', '[]', /one event per message/],
    ['a JSON number', '42', /must be a JSON object/],
    [
      'a raw event missing app',
      JSON.stringify({ event_type: 'x', payload: {} }),
      /^invalid event: app: is required/,
    ],
    [
      'a raw event with a bad project_id',
      JSON.stringify({ ...ezLlmResponse(), project_id: 5 }),
      /project_id/,
    ],
    [
      'a newer schema version',
      encodeEventMessage(sampleEnvelope()),
      /unsupported schema-version "2"/,
      { 'schema-version': enc('2') },
    ],
  ];
  for (const [name, value, pattern, headers] of poison) {
    it(`sends ${name} to the DLQ with a reason`, () => {
      const r = decodeEventMessage(value, headers, { now: NOW });
      assert.ok(!r.ok);
      assert.match(r.error, pattern);
    });
  }

  it('raw events too large for maxEventBytes are rejected', () => {
    const r = decodeEventMessage(
      JSON.stringify({ ...ezLlmResponse(), payload: 'x'.repeat(5000) }),
      undefined,
      { now: NOW, maxEventBytes: 1000 },
    );
    assert.ok(!r.ok);
    assert.match(r.error, /\(event\): event is \d+ bytes, over the limit of 1000 bytes/);
  });
});

describe('readKafkaHeader', () => {
  it('reads strings, bytes, arrays, any case', () => {
    assert.equal(readKafkaHeader({ 'schema-version': '1' }, 'schema-version'), '1');
    assert.equal(readKafkaHeader({ 'Schema-Version': enc('1') }, 'schema-version'), '1');
    assert.equal(readKafkaHeader({ 'schema-version': [enc('3'), '4'] }, 'schema-version'), '3');
    assert.equal(readKafkaHeader({}, 'schema-version'), undefined);
    assert.equal(readKafkaHeader(undefined, 'schema-version'), undefined);
  });
});
