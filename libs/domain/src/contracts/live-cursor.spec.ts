import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareStreamKeys,
  decodeLiveCursor,
  encodeLiveCursor,
  LIVE_CURSOR_MAX_LENGTH,
  LivePosition,
  type StreamKey,
} from './live-cursor';

const R = '2026-01-02T03:04:05.678Z';
const key = (received_at: string, ts: string, id: string): StreamKey => ({ received_at, ts, id });

describe('live cursor tokens', () => {
  it('round-trips both forms', () => {
    for (const c of [
      { r: R, t: R, i: 'e1' },
      { r: R, t: R, i: 'e2', s: ['e2', 'e1'] },
      { r: R, t: R, i: 'ünï-ćødé', s: ['ünï-ćødé'] },
    ]) {
      const token = encodeLiveCursor(c);
      assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodeLiveCursor(token), c);
    }
  });

  it('refuses anything it did not make', () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      '',
      'not base64!',
      'x'.repeat(LIVE_CURSOR_MAX_LENGTH + 1),
      b64([1]),
      b64({ r: 'yesterday', t: R, i: 'e' }),
      b64({ r: R, t: R, i: '' }),
      b64({ r: R, t: R }),
      b64({ r: R, t: R, i: 'e', s: [] }),
      b64({ r: R, t: R, i: 'e', s: [3] }),
      // The keyset cursor of GET /events is not a live cursor.
      b64({ ts: R, id: 'e' }),
    ]) {
      assert.equal(decodeLiveCursor(bad), null, bad);
    }
  });
});

describe('LivePosition', () => {
  it('has no cursor before the first event, then names the last position', () => {
    const p = new LivePosition();
    assert.equal(p.cursor(), null);
    p.advance(key(R, R, 'b'));
    assert.deepEqual(p.value, { r: R, t: R, i: 'b', s: ['b'] });
    p.advance(key(R, R, 'a'));
    assert.deepEqual(p.value, { r: R, t: R, i: 'b', s: ['b', 'a'] }, 'i stays the greatest key');
    const later = '2026-01-02T03:04:05.679Z';
    p.advance(key(later, R, 'c'));
    assert.deepEqual(p.value, { r: later, t: R, i: 'c', s: ['c'] });
    p.advance(key(R, R, 'late'));
    assert.deepEqual(p.value, { r: later, t: R, i: 'c', s: ['c'] }, 'older events are covered');
  });

  it('switches to the prefix form when one millisecond holds many events', () => {
    const p = new LivePosition();
    const ids = Array.from({ length: 40 }, (_, n) => `0000000${n}`.slice(-3) + '-'.repeat(33));
    for (const id of ids) p.advance(key(R, R, id));
    const v = p.value!;
    assert.equal(v.s, undefined);
    assert.equal(v.i, ids.at(-1));
    assert.ok(p.cursor()!.length <= LIVE_CURSOR_MAX_LENGTH);
  });

  it('keeps every cursor it makes within the subscribe bound, even with 128-char ids', () => {
    const p = new LivePosition();
    for (let n = 0; n < 20; n++) {
      p.advance(key(R, R, `${n}`.padStart(128, 'x')));
      assert.ok(p.cursor()!.length <= LIVE_CURSOR_MAX_LENGTH, `after ${n + 1}`);
    }
  });

  it('resumes from a decoded cursor', () => {
    const p = new LivePosition({ r: R, t: R, i: 'b', s: ['b'] });
    p.advance(key(R, R, 'a'));
    assert.deepEqual(p.value?.s, ['b', 'a']);
  });

  it('orders by received_at, then ts, then id', () => {
    const keys = [
      key('2026-01-02T00:00:00.002Z', '2026-01-01T00:00:00.000Z', 'a'),
      key('2026-01-02T00:00:00.001Z', '2026-01-01T00:00:00.009Z', 'b'),
      key('2026-01-02T00:00:00.001Z', '2026-01-01T00:00:00.009Z', 'a'),
      key('2026-01-02T00:00:00.001Z', '2026-01-01T00:00:00.001Z', 'z'),
    ];
    assert.deepEqual(
      [...keys].sort(compareStreamKeys).map((k) => k.id),
      ['z', 'a', 'b', 'a'],
    );
  });
});
