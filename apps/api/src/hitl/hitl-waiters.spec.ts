import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HitlWaiters } from './hitl-waiters';

describe('HitlWaiters', () => {
  it('wakes the waiters of one request at once, not the others', async () => {
    const w = new HitlWaiters();
    const started = Date.now();
    const a = w.next('p', 'r1', 5_000);
    const b = w.next('p', 'r1', 5_000);
    const other = w.next('p', 'r2', 50);
    const otherProject = w.next('q', 'r1', 50);
    assert.equal(w.waiting('p', 'r1'), 2);
    w.notify('p', 'r1');
    assert.deepEqual(await Promise.all([a, b, other, otherProject]), [true, true, false, false]);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(w.waiting('p', 'r1'), 0);
    assert.equal(w.waiting('p', 'r2'), 0);
  });

  it('times out, and an abort ends the wait at once and removes the listener', async () => {
    const w = new HitlWaiters();
    assert.equal(await w.next('p', 'r', 10), false);
    const ac = new AbortController();
    const started = Date.now();
    const waiting = w.next('p', 'r', 60_000, ac.signal);
    assert.equal(w.waiting('p', 'r'), 1);
    ac.abort();
    assert.equal(await waiting, false);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(w.waiting('p', 'r'), 0);
    assert.equal(await w.next('p', 'r', 60_000, ac.signal), false, 'already aborted');
    assert.equal(w.waiting('p', 'r'), 0);
  });
});
