/**
 * The delivery queue port. Two adapters: BullMQ on Redis (cluster mode) and an in-process
 * timer queue (all-in-one, or a cluster without Redis). Either way the queue only says WHEN
 * to look at a delivery; the row in `webhook_deliveries` says WHAT to do, so duplicates and
 * lost jobs are harmless (the processor's claim is idempotent; the outbox relay re-enqueues).
 */
export interface DeliveryQueue {
  /** Runs the delivery after `delayMs` (default now). A second enqueue of a queued id is a no-op. */
  enqueue(deliveryId: string, delayMs?: number): Promise<void>;
  /** Starts consuming (adapters that only produce do nothing). */
  start(): Promise<void>;
  /** Stops consuming after in-flight deliveries finish; closes connections. */
  stop(): Promise<void>;
  /** For readiness checks. */
  readonly ready: boolean;
}

/** A queue that schedules nothing: the api of a cluster without Redis (the relay delivers). */
export class NoopDeliveryQueue implements DeliveryQueue {
  readonly ready = true;
  async enqueue(): Promise<void> {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
