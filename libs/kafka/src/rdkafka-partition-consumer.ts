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

export interface PartitionBatchHandler {
  /**
   * Handles one partition's batch durably. The handler stores the partition's next offset
   * itself, in the same transaction as its side effects.
   */
  handle(topic: string, partition: number, messages: ConsumedMessage[]): Promise<void>;
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
   * Partition batches handled at the same time (each in its own transaction). Partitions are
   * independent (each has its own offset row), so this only overlaps database round trips.
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
  private readonly stopSignal: { stop: boolean } = { stop: false };
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
      // At most `concurrency` partition batches in flight, and the next consume only once this
      // one is done: bounded memory, natural backpressure (librdkafka's prefetch queue fills
      // and fetching pauses while the database is slow).
      const queue = [...byPartition];
      const lane = async (): Promise<void> => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await this.handleWithRetry(next[0], next[1]);
          if (!this.running && this.stopSignal.stop) return;
        }
      };
      const lanes = Math.max(1, Math.min(this.options.concurrency ?? 1, queue.length));
      await Promise.all(Array.from({ length: lanes }, lane));
    }
  }

  private async handleWithRetry(partition: number, batch: ConsumedMessage[]): Promise<void> {
    let delay = 200;
    for (;;) {
      if (!this.assigned.has(partition)) return; // revoked meanwhile: the new owner replays it
      try {
        await this.handler.handle(this.options.topic, partition, batch);
        this.batchesHandled += 1;
        this.messagesHandled += batch.length;
        this.lastBatchAt = Date.now();
        const last = batch[batch.length - 1];
        if (last) {
          try {
            this.consumer.commit({ topic: this.options.topic, partition, offset: last.offset + 1 });
          } catch {
            // Kafka-side commits are informational only.
          }
        }
        return;
      } catch (err) {
        this.options.log('batch failed; retrying', {
          partition,
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
    this.stopSignal.stop = true;
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
