import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cursorOf, decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  it('round-trips', () => {
    const c = { ts: '2026-01-02T03:04:05.678Z', id: '0f8fad5b-d9cb-469f-a165-70867728950e' };
    const s = encodeCursor(c);
    assert.match(s, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
    assert.deepEqual(decodeCursor(s), c);
    assert.equal(cursorOf({ ...c, extra: 1 } as typeof c), s);
  });

  it('round-trips ids that produce + and / in plain base64', () => {
    for (const id of ['>>>???', '~~~~', 'a?b>c']) {
      const c = { ts: '2026-01-02T03:04:05.678Z', id };
      assert.deepEqual(decodeCursor(encodeCursor(c)), c);
    }
  });

  it('is deterministic', () => {
    assert.equal(
      encodeCursor({ ts: '2026-01-02T03:04:05.678Z', id: 'x' }),
      encodeCursor({ id: 'x', ts: '2026-01-02T03:04:05.678Z' }),
    );
  });

  const b64url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const garbage: [string, string][] = [
    ['empty', ''],
    ['not base64', 'not a cursor!'],
    ['bad length', 'abcde'],
    ['not JSON', b64url('hello')],
    ['JSON array', b64url('["2026-01-02T03:04:05.678Z","x"]')],
    ['missing id', b64url('{"ts":"2026-01-02T03:04:05.678Z"}')],
    ['bad ts', b64url('{"ts":"yesterday","id":"x"}')],
    ['numeric id', b64url('{"ts":"2026-01-02T03:04:05.678Z","id":5}')],
    ['invalid UTF-8', b64url('\xff\xfe')],
    ['too long', 'A'.repeat(2000)],
  ];
  for (const [name, s] of garbage) {
    it(`decodes ${name} to null`, () => assert.equal(decodeCursor(s), null));
  }
});
