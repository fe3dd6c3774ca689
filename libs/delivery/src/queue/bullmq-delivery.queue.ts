import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { DELIVERY_QUEUE, type DeliveryJob, deliveryJobSchema } from '@fleetscope/domain';
import { type DeliveryHandler, nextRunAt } from '../delivery.processor';
import type { DeliveryQueue } from './delivery-queue.port';

export interface BullMqQueueOptions {
  redisUrl: string;
  /** Key namespace in Redis (REDIS_PREFIX), so deployments and test runs can share one. */
  prefix: string;
  concurrency: number;
  /** The processor: set in the process that delivers; absent in one that only enqueues. */
  handler?: DeliveryHandler | undefined;
  /** How long an enqueue may wait for Redis before giving up (the relay covers it). */
  enqueueTimeoutMs?: number;
}

export interface BullMqQueueLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * The BullMQ adapter. Design (see docs/adr/0007-delivery-outbox-and-ssrf-guard.md):
 *
 * - job id = delivery id, so enqueuing an id that is already waiting or delayed collapses
 *   into the existing job (the relay and the evaluator can both enqueue it);
 * - ONE retry layer: BullMQ's own `attempts`/`backoff` are not used (attempts: 1). When the
 *   processor's retry policy says "again at T", the worker moves the SAME job to the delayed
 *   set (`job.moveToDelayed(T)` + `DelayedError`), which keeps its id and costs no BullMQ
 *   attempt. The attempt count and the schedule live in the database row;
 * - finished jobs are removed (removeOnComplete/removeOnFail), so a redelivery can add the id
 *   again;
 * - a worker killed mid-attempt: BullMQ's stalled-job check moves the job back to wait, and
 *   the row's lease lapses, so the next worker retries it; a job lost with Redis is re-added
 *   by the outbox relay from the row.
 */
export class BullMqDeliveryQueue implements DeliveryQueue {
  private readonly queue: Queue<DeliveryJob>;
  private worker: Worker<DeliveryJob> | undefined;
  private connected = false;

  constructor(
    private readonly options: BullMqQueueOptions,
    private readonly log: BullMqQueueLog,
  ) {
    this.queue = new Queue<DeliveryJob>(DELIVERY_QUEUE, {
      connection: { url: options.redisUrl, maxRetriesPerRequest: null },
      prefix: options.prefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
    });
    // NOTE: an EventEmitter without an 'error' listener throws; Redis going away is logged.
    this.queue.on('error', (err) => this.onError('queue', err));
    void this.queue.waitUntilReady().then(
      () => {
        this.connected = true;
      },
      () => undefined,
    );
  }

  get ready(): boolean {
    return (
      this.connected && (this.options.handler === undefined || this.worker?.isRunning() === true)
    );
  }

  async enqueue(deliveryId: string, delayMs = 0): Promise<void> {
    const data = deliveryJobSchema.parse({ deliveryId });
    const add = this.queue.add('deliver', data, {
      jobId: deliveryId,
      delay: Math.max(0, Math.round(delayMs)),
    });
    const timeoutMs = this.options.enqueueTimeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        add,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis did not answer in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async start(): Promise<void> {
    const handler = this.options.handler;
    if (!handler || this.worker) return;
    this.worker = new Worker<DeliveryJob>(
      DELIVERY_QUEUE,
      async (job: Job<DeliveryJob>, token?: string) => {
        const parsed = deliveryJobSchema.safeParse(job.data);
        if (!parsed.success) {
          // Not ours to retry: nothing in it names a row.
          this.log.warn('delivery job without a delivery id dropped', { jobId: job.id });
          return;
        }
        const result = await handler(parsed.data.deliveryId);
        const at = nextRunAt(result);
        if (at) {
          await job.moveToDelayed(at.getTime(), token);
          throw new DelayedError();
        }
      },
      {
        connection: { url: this.options.redisUrl, maxRetriesPerRequest: null },
        prefix: this.options.prefix,
        concurrency: this.options.concurrency,
        // An attempt takes at most WEBHOOK_TIMEOUT_MS; the lock is renewed while it runs.
        lockDuration: 30_000,
        maxStalledCount: 2,
      },
    );
    this.worker.on('error', (err) => this.onError('worker', err));
    this.worker.on('failed', (job, err) =>
      this.log.warn('delivery job failed', { jobId: job?.id, error: err.message }),
    );
    await this.worker.waitUntilReady();
    this.log.info('delivery worker running', {
      queue: DELIVERY_QUEUE,
      prefix: this.options.prefix,
    });
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
    await this.queue.close();
  }

  private lastErrorLogMs = 0;
  private onError(where: string, err: Error): void {
    // Reconnect loops emit an error per try: one line every 10 s is enough.
    const now = Date.now();
    if (now - this.lastErrorLogMs < 10_000) return;
    this.lastErrorLogMs = now;
    this.log.warn('redis error in the delivery queue', { where, error: err.message });
  }
}
