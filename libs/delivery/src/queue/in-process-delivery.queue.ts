import type { DeliveryHandler } from '../delivery.processor';
import { nextRunAt } from '../delivery.processor';
import type { DeliveryQueue } from './delivery-queue.port';

export interface InProcessQueueLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** setTimeout's largest delay (about 24.8 days); later runs are re-armed by the relay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The in-process adapter: one timer per delivery, at most `concurrency` deliveries in
 * flight. Timers are memory only, and that is fine: every delivery's schedule is persisted
 * in its row (`next_attempt_at`), and the outbox relay, on start and every few seconds,
 * hands due rows back to this queue. A restart therefore loses nothing.
 */
export class InProcessDeliveryQueue implements DeliveryQueue {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly ready_: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  /** Enqueued while running: looked at again once the run ends. */
  private readonly again = new Set<string>();
  private stopped = false;

  constructor(
    private readonly handler: DeliveryHandler,
    private readonly options: { concurrency: number },
    private readonly log: InProcessQueueLog,
    private readonly clock: () => number = Date.now,
  ) {}

  get ready(): boolean {
    return !this.stopped;
  }

  get size(): number {
    return this.timers.size + this.ready_.length + this.running.size;
  }

  async enqueue(deliveryId: string, delayMs = 0): Promise<void> {
    if (this.stopped) return;
    if (this.running.has(deliveryId)) {
      this.again.add(deliveryId);
      return;
    }
    if (this.queued.has(deliveryId)) return;
    const at = this.clock() + Math.max(0, delayMs);
    const existing = this.timers.get(deliveryId);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    if (delayMs <= 0) {
      this.timers.delete(deliveryId);
      this.push(deliveryId);
      return;
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(deliveryId);
        this.push(deliveryId);
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(deliveryId, { at, timer });
  }

  async start(): Promise<void> {
    this.stopped = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ready_.length = 0;
    this.queued.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  private push(id: string): void {
    if (this.stopped || this.queued.has(id)) return;
    this.queued.add(id);
    this.ready_.push(id);
    this.pump();
  }

  private pump(): void {
    while (
      !this.stopped &&
      this.running.size < this.options.concurrency &&
      this.ready_.length > 0
    ) {
      const id = this.ready_.shift()!;
      this.queued.delete(id);
      if (this.running.has(id)) {
        this.again.add(id);
        continue;
      }
      const run = this.run(id).finally(() => {
        this.running.delete(id);
        if (this.again.delete(id)) void this.enqueue(id);
        this.pump();
      });
      this.running.set(id, run);
    }
  }

  private async run(id: string): Promise<void> {
    try {
      const result = await this.handler(id);
      const at = nextRunAt(result);
      if (at) await this.enqueue(id, at.getTime() - this.clock());
    } catch (err) {
      // The row keeps its schedule (the processor released it); the relay brings it back.
      this.log.warn('delivery failed to process', { deliveryId: id, error: String(err) });
    }
  }
}
