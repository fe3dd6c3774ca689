import Kafka from 'node-rdkafka';
import { kafkaError } from './kafka-error';

export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number | undefined;
}

/** The messages of one partition, in offset order. */
export interface PartitionBatch {
  partition: number;
  messages: ConsumedMessage[];
}

export interface PartitionBatchHandler {
  /**
   * Handles the batches of several partitions durably, all or nothing. The handler stores
   * each partition's next offset itself, in the same transaction as its side effects.
   */
  handle(topic: string, batches: PartitionBatch[]): Promise<void>;
  /** Next offsets stored for these partitions (absent → start from the group default). */
  loadOffsets(topic: string, partitions: number[]): Promise<Map<number, number>>;
}

export interface PartitionConsumerOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  topic: string;
  batchSize: number;
  /**
   * Transactions in flight at the same time: a consume's partitions are split over this many
   * groups, each handled as one batch (one transaction). Partitions are independent (each has
   * its own offset row), so more only overlaps database round trips.
   */
  concurrency?: number;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * The consumer infrastructure: group membership, assignment from database offsets, a
 * bounded consume → handle loop, retries with backoff and graceful shutdown. Handlers stay
 * pure of Kafka mechanics.
 *
 * NOTE: offsets are owned by the database (effectively-once). Kafka commits are made only
 * after the database commit, for lag tools; they are never read back.
 */
export class RdkafkaPartitionConsumer {
  private readonly consumer: Kafka.KafkaConsumer;
  private running = false;
  private loop: Promise<void> | undefined;
  private generation = 0;
  private assigned = new Set<number>();
  lastBatchAt = 0;
  batchesHandled = 0;
  messagesHandled = 0;

  constructor(
    private readonly options: PartitionConsumerOptions,
    private readonly handler: PartitionBatchHandler,
  ) {
    this.consumer = new Kafka.KafkaConsumer(
      {
        'metadata.broker.list': options.brokers.join(','),
        'client.id': options.clientId,
        'group.id': options.groupId,
        // The database holds the truth; librdkafka must not move offsets on its own.
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        // Bound what librdkafka prefetches per partition, so memory stays flat under lag.
        'queued.max.messages.kbytes': 65_536,
        'fetch.wait.max.ms': 50,
        // consume(n) waits up to the consume timeout for EACH message until it has n, so a
        // steady trickle (a message at least every 200 ms) held a batch until it was full:
        // 2 s of lag at 1,000 events/s. With EOF events, a partition that is caught up ends
        // the batch with what is ready; under a backlog batches stay full.
        'enable.partition.eof': true,
        'session.timeout.ms': 10_000,
        'heartbeat.interval.ms': 1_000,
        'socket.keepalive.enable': true,
        rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) => {
          this.onRebalance(err, assignment);
        },
      },
      { 'auto.offset.reset': 'earliest' },
    );
  }

  get assignedPartitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  get isConnected(): boolean {
    return this.consumer.isConnected();
  }

  private onRebalance(err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]): void {
    const gen = ++this.generation;
    if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
      const partitions = assignment.map((a) => a.partition);
      // Seek to the database's offsets. The lookup is async: the assignment is applied when
      // it completes, unless another rebalance happened in between (generation check).
      this.handler
        .loadOffsets(this.options.topic, partitions)
        .then((offsets) => {
          if (gen !== this.generation) return;
          const withOffsets = assignment.map((a) => {
            // No stored offset means nothing of this partition was applied: start at the
            // beginning (-2, RD_KAFKA_OFFSET_BEGINNING), never at Kafka's committed offset.
            return { ...a, offset: offsets.get(a.partition) ?? -2 };
          });
          this.consumer.assign(withOffsets);
          this.assigned = new Set(partitions);
          this.options.log('partitions assigned', {
            partitions,
            offsets: Object.fromEntries(offsets),
          });
        })
        .catch((e: unknown) => {
          // Without offsets we cannot consume safely; leave the partitions unassigned and let
          // the group rebalance again (the session times out if this persists).
          this.options.log('could not load offsets; assigning nothing', { error: String(e) });
          if (gen === this.generation) this.consumer.assign([]);
        });
    } else if (err.code === Kafka.CODES.ERRORS.ERR__REVOKE_PARTITIONS) {
      this.assigned.clear();
      this.consumer.unassign();
      this.options.log('partitions revoked', { partitions: assignment.map((a) => a.partition) });
    } else {
      this.options.log('rebalance error', { error: err.message });
    }
  }

  async start(timeoutMs = 30_000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.consumer.connect({ timeout: timeoutMs }, (err) =>
        err ? reject(kafkaError(err)) : resolve(),
      );
    });
    this.consumer.subscribe([this.options.topic]);
    this.consumer.setDefaultConsumeTimeout(200);
    this.running = true;
    this.loop = this.run();
  }

  private consumeBatch(): Promise<Kafka.Message[]> {
    return new Promise((resolve, reject) => {
      this.consumer.consume(this.options.batchSize, (err, messages) =>
        err ? reject(kafkaError(err)) : resolve(messages),
      );
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let messages: Kafka.Message[];
      try {
        messages = await this.consumeBatch();
      } catch (err) {
        this.options.log('consume failed', { error: String(err) });
        await sleep(500);
        continue;
      }
      if (messages.length === 0) continue;
      const byPartition = new Map<number, ConsumedMessage[]>();
      for (const m of messages) {
        const list = byPartition.get(m.partition) ?? [];
        list.push(toConsumed(m));
        byPartition.set(m.partition, list);
      }
      // The partitions are split over `concurrency` groups, each handled as one batch (one
      // transaction: a consume of a dozen partitions is not a dozen small commits). The next
      // consume starts once all are done: bounded memory, natural backpressure (librdkafka's
      // prefetch queue fills and fetching pauses while the database is slow).
      const all = [...byPartition].map(([partition, list]) => ({ partition, messages: list }));
      const lanes = Math.max(1, Math.min(this.options.concurrency ?? 1, all.length));
      const groups = Array.from({ length: lanes }, (_, i) => all.filter((_, j) => j % lanes === i));
      await Promise.all(groups.map((group) => this.handleWithRetry(group)));
    }
  }

  private async handleWithRetry(batches: PartitionBatch[]): Promise<void> {
    let delay = 200;
    for (;;) {
      // Revoked meanwhile: the new owner replays those partitions.
      const owned = batches.filter((b) => this.assigned.has(b.partition));
      if (owned.length === 0) return;
      try {
        await this.handler.handle(this.options.topic, owned);
        this.batchesHandled += 1;
        for (const b of owned) this.messagesHandled += b.messages.length;
        this.lastBatchAt = Date.now();
        const offsets = owned.flatMap((b) => {
          const last = b.messages[b.messages.length - 1];
          return last
            ? [{ topic: this.options.topic, partition: b.partition, offset: last.offset + 1 }]
            : [];
        });
        try {
          if (offsets.length > 0) this.consumer.commit(offsets);
        } catch {
          // Kafka-side commits are informational only.
        }
        return;
      } catch (err) {
        this.options.log('batch failed; retrying', {
          partitions: owned.map((b) => b.partition),
          error: String(err),
          delayMs: delay,
        });
        if (!this.running) return;
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** Stops consuming, lets the in-flight batch finish, leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop;
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
  }
}

function toConsumed(m: Kafka.Message): ConsumedMessage {
  const headers: Record<string, string> = {};
  for (const h of m.headers ?? []) {
    for (const [k, v] of Object.entries(h))
      headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
  }
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : m.key.toString(),
    value: m.value ?? null,
    headers,
    timestamp: m.timestamp,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
