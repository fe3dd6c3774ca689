import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TIMESTAMP_MAX_FUTURE_MS,
  TIMESTAMP_MAX_PAST_MS,
  parseEventTimestamp,
  parseIsoTimestamp,
} from './timestamp';

const NOW = new Date('2025-07-15T00:00:00.000Z');
const iso = (s: string) => parseIsoTimestamp(s)?.toISOString() ?? null;

describe('parseIsoTimestamp', () => {
  it('parses the seed formats', () => {
    assert.equal(iso('2025-07-14T20:40:50.735788+00:00'), '2025-07-14T20:40:50.735Z');
    assert.equal(iso('2025-07-14T20:40:50.735Z'), '2025-07-14T20:40:50.735Z');
    assert.equal(iso('2025-07-14 20:40:50'), '2025-07-14T20:40:50.000Z');
  });

  it('applies offsets in all spellings', () => {
    assert.equal(iso('2025-07-14T20:40:50+05:30'), '2025-07-14T15:10:50.000Z');
    assert.equal(iso('2025-07-14T20:40:50+0530'), '2025-07-14T15:10:50.000Z');
    assert.equal(iso('2025-07-14T20:40:50-07'), '2025-07-15T03:40:50.000Z');
  });

  it('truncates fractions rather than rounding', () => {
    assert.equal(iso('2025-07-14T23:59:59.9999999Z'), '2025-07-14T23:59:59.999Z');
    assert.equal(iso('2025-07-14T20:40:50.7Z'), '2025-07-14T20:40:50.700Z');
  });

  it('reads a missing offset as UTC and a bare date as midnight UTC', () => {
    assert.equal(iso('2025-07-14T20:40'), '2025-07-14T20:40:00.000Z');
    assert.equal(iso('2025-07-14'), '2025-07-14T00:00:00.000Z');
  });

  it('rejects impossible or non-ISO values', () => {
    for (const s of [
      '2025-02-30T00:00:00Z',
      '2025-13-01',
      '2025-07-14T24:00:00Z',
      '2025-07-14T20:60:00Z',
      'July 14 2025',
      '1752525650735',
      '',
      '2025-07-14T20:40:50+25:00',
    ]) {
      assert.equal(parseIsoTimestamp(s), null, s);
    }
  });

  it('accepts Feb 29 only in leap years', () => {
    assert.equal(iso('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00.000Z');
    assert.equal(iso('2025-02-29T00:00:00Z'), null);
  });
});

describe('parseEventTimestamp', () => {
  it('accepts epoch ms and truncates fractions', () => {
    const r = parseEventTimestamp(1752525650735.9, NOW);
    assert.ok(r.ok);
    assert.equal(r.date.toISOString(), '2025-07-14T20:40:50.735Z');
  });

  it('enforces the window with exported bounds', () => {
    assert.equal(TIMESTAMP_MAX_PAST_MS, 365 * 86_400_000);
    assert.equal(TIMESTAMP_MAX_FUTURE_MS, 86_400_000);
    assert.ok(parseEventTimestamp(NOW.getTime() - TIMESTAMP_MAX_PAST_MS, NOW).ok);
    assert.ok(parseEventTimestamp(NOW.getTime() + TIMESTAMP_MAX_FUTURE_MS, NOW).ok);
    const past = parseEventTimestamp(NOW.getTime() - TIMESTAMP_MAX_PAST_MS - 1, NOW);
    const future = parseEventTimestamp(NOW.getTime() + TIMESTAMP_MAX_FUTURE_MS + 1, NOW);
    assert.ok(!past.ok && /365 days in the past and 1 day in the future/.test(past.reason));
    assert.ok(!future.ok && /outside the accepted window/.test(future.reason));
  });

  it('hints at epoch seconds', () => {
    const r = parseEventTimestamp(1752525650, NOW);
    assert.ok(!r.ok);
    assert.match(r.reason, /epoch seconds/);
  });

  it('rejects non-finite numbers and other types with a reason', () => {
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, true, {}, [], 8.64e15 + 1]) {
      const r = parseEventTimestamp(v, NOW);
      assert.ok(!r.ok, JSON.stringify(v));
      assert.ok(r.reason.length > 0);
    }
  });
});
