import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryResult } from '../delivery.processor';
import { InProcessDeliveryQueue } from './in-process-delivery.queue';

const log = { warn: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('InProcessDeliveryQueue', () => {
  it('runs now, runs later, and collapses duplicate enqueues', async () => {
    const runs: string[] = [];
    const q = new InProcessDeliveryQueue(
      async (id) => {
        runs.push(id);
        return { kind: 'delivered', deliveryId: id, status: 200, attempt: 1 };
      },
      { concurrency: 2 },
      log,
    );
    await q.enqueue('a');
    await q.enqueue('b', 60);
    await q.enqueue('b', 80);
    await q.enqueue('b', 70);
    await sleep(20);
    assert.deepEqual(runs, ['a']);
    await sleep(100);
    assert.deepEqual(runs, ['a', 'b']);
    await q.stop();
  });

  it('an earlier enqueue replaces a later timer', async () => {
    const runs: number[] = [];
    const t0 = Date.now();
    const q = new InProcessDeliveryQueue(
      async (id) => {
        runs.push(Date.now() - t0);
        return { kind: 'final', deliveryId: id, status: 'delivered' };
      },
      { concurrency: 1 },
      log,
    );
    await q.enqueue('x', 10_000);
    await q.enqueue('x', 30);
    await sleep(120);
    assert.equal(runs.length, 1);
    assert.ok(runs[0]! < 100);
    await q.stop();
  });

  it('schedules what the processor asks (retry at T) and stops cleanly', async () => {
    let calls = 0;
    const q = new InProcessDeliveryQueue(
      async (id): Promise<DeliveryResult> => {
        calls++;
        return calls < 3
          ? {
              kind: 'retry',
              deliveryId: id,
              at: new Date(Date.now() + 20),
              attempt: calls,
              reason: 'HTTP 500',
            }
          : { kind: 'delivered', deliveryId: id, status: 200, attempt: calls };
      },
      { concurrency: 1 },
      log,
    );
    await q.enqueue('r');
    await sleep(200);
    assert.equal(calls, 3);
    assert.equal(q.size, 0);
    await q.stop();
    await q.enqueue('r');
    await sleep(30);
    assert.equal(calls, 3, 'a stopped queue runs nothing');
  });

  it('never runs more than `concurrency` at once; a handler error does not stop the queue', async () => {
    let active = 0;
    let peak = 0;
    let n = 0;
    const q = new InProcessDeliveryQueue(
      async (id): Promise<DeliveryResult> => {
        active++;
        peak = Math.max(peak, active);
        await sleep(10);
        active--;
        if (++n === 1) throw new Error('database down');
        return { kind: 'delivered', deliveryId: id, status: 200, attempt: 1 };
      },
      { concurrency: 3 },
      log,
    );
    for (let i = 0; i < 10; i++) await q.enqueue(`d${i}`);
    await sleep(150);
    assert.equal(n, 10);
    assert.equal(peak, 3);
    await q.stop();
  });
});
