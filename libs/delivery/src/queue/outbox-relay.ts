import { DeliveriesRepository, type SqlClient } from '@fleetscope/db';
import type { DeliveryQueue } from './delivery-queue.port';

export interface OutboxRelayOptions {
  /** How often due rows are swept (WEBHOOK_RELAY_INTERVAL_MS). */
  intervalMs: number;
  /** Most rows per sweep. */
  batch?: number;
  /** Final rows older than this many days are deleted (RETENTION_DAYS). */
  retentionDays?: number;
}

export interface OutboxRelayLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** How often old final rows are purged. */
const PURGE_EVERY_MS = 3_600_000;

/**
 * The outbox relay: the database is the source of truth, the queue only a wake-up list. On
 * start and every `intervalMs` it hands the queue every row that is due before the next
 * sweep (pending), or whose attempt's lease has lapsed (its worker died). That covers a crash
 * between the evaluator's commit and its enqueue, a flushed Redis, and the in-process
 * queue's timers after a restart. Enqueuing a row that is already queued is a no-op.
 */
export class OutboxRelay {
  private readonly deliveries = new DeliveriesRepository();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;
  private lastPurgeMs = 0;

  constructor(
    private readonly db: SqlClient,
    private readonly queue: Pick<DeliveryQueue, 'enqueue'>,
    private readonly options: OutboxRelayOptions,
    private readonly log: OutboxRelayLog,
    private readonly clock: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    await this.sweep().catch((err) => this.log.warn('outbox sweep failed', { error: String(err) }));
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      void this.sweep().catch((err) =>
        this.log.warn('outbox sweep failed', { error: String(err) }),
      );
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => undefined);
  }

  /** One sweep; returns how many rows were handed to the queue. */
  sweep(): Promise<number> {
    this.sweeping ??= this.doSweep().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async doSweep(): Promise<number> {
    const now = this.clock();
    const due = await this.deliveries.due(
      this.db,
      new Date(now),
      this.options.intervalMs,
      this.options.batch ?? 1000,
    );
    for (const row of due) {
      try {
        await this.queue.enqueue(row.id, Math.max(0, row.next_attempt_at.getTime() - now));
      } catch (err) {
        this.log.warn('outbox relay could not enqueue', { deliveryId: row.id, error: String(err) });
        break;
      }
    }
    if (this.options.retentionDays && now - this.lastPurgeMs >= PURGE_EVERY_MS) {
      this.lastPurgeMs = now;
      const purged = await this.deliveries.purgeFinal(
        this.db,
        new Date(now - this.options.retentionDays * 86_400_000),
        5000,
      );
      if (purged > 0) this.log.info('old deliveries purged', { rows: purged });
    }
    return due.length;
  }
}
