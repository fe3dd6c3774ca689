import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as domain from './index';

describe('package index', () => {
  it('exports the contract other packages code against', () => {
    const fns = [
      'normalizeEvents',
      'normalizeNdjson',
      'deriveSeverity',
      'resolveDurationMs',
      'eventByteSize',
      'matchesFilter',
      'eventMessageKey',
      'encodeEventMessage',
      'decodeEventMessage',
      'parseWsClientMessage',
      'zodIssuesToFieldErrors',
      'encodeCursor',
      'decodeCursor',
      'FleetscopeError',
      'ValidationError',
      'PayloadTooLargeError',
      'UnsupportedMediaTypeError',
      'NotFoundError',
      'UnauthorizedError',
      'BackpressureError',
      'UnavailableError',
    ] as const;
    for (const name of fns) assert.equal(typeof domain[name], 'function', name);
    for (const name of [
      'eventEnvelopeSchema',
      'eventFilterSchema',
      'wsClientMessageSchema',
    ] as const) {
      assert.equal(typeof domain[name].safeParse, 'function', name);
    }
    assert.equal(domain.EVENT_SCHEMA_VERSION, 1);
    assert.equal(domain.TOPICS.events, 'fleetscope.events.v1');
    assert.equal(domain.KAFKA_HEADERS.contentType, 'content-type');
    assert.equal(typeof domain.TIMESTAMP_MAX_PAST_MS, 'number');
    assert.equal(typeof domain.TIMESTAMP_MAX_FUTURE_MS, 'number');
    assert.ok(domain.EVENT_SOURCES.includes('claude_code'));
  });
});
