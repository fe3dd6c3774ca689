import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Kafka from 'node-rdkafka';
import { kafkaError } from './kafka-error';

export interface LiveTailOptions {
  brokers: string[];
  clientId: string;
  topic: string;
  log: (msg: string, extra?: Record<string, unknown>) => void;
  /**
   * False while nobody listens: messages are then dropped before their headers are copied
   * or `onMessage` runs. Default: always true.
   */
  active?: () => boolean;
}

/**
 * Tails a topic from its end for live fan-out. Each api replica uses its own consumer group
 * (never committed), so every replica sees every message.
 */
export class RdkafkaLiveTail {
  private readonly consumer: Kafka.KafkaConsumer;
  private assignedOnce = false;

  constructor(
    private readonly options: LiveTailOptions,
    private readonly onMessage: (
      value: Buffer,
      headers: Record<string, string>,
      position: { topic: string; partition: number; offset: number; timestamp?: number },
    ) => void,
  ) {
    this.consumer = new Kafka.KafkaConsumer(
      {
        'metadata.broker.list': options.brokers.join(','),
        'client.id': `${options.clientId}-live`,
        'group.id': `fleetscope-live-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
        'enable.auto.commit': false,
        'fetch.wait.max.ms': 10,
        'fetch.error.backoff.ms': 50,
        'session.timeout.ms': 10_000,
        rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) => {
          if (err.code === Kafka.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
            this.consumer.assign(assignment);
            this.assignedOnce = true;
          } else {
            this.consumer.unassign();
          }
        },
      },
      // Live view: start at the end; history comes from the database.
      { 'auto.offset.reset': 'latest' },
    );
    this.consumer.on('data', (m) => {
      if (!m.value || this.options.active?.() === false) return;
      const headers: Record<string, string> = {};
      for (const h of m.headers ?? []) {
        for (const [k, v] of Object.entries(h))
          headers[k] = Buffer.isBuffer(v) ? v.toString() : String(v);
      }
      this.onMessage(m.value, headers, {
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        timestamp: m.timestamp,
      });
    });
  }

  get ready(): boolean {
    return this.assignedOnce;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.consumer.connect({ timeout: timeoutMs }, (err) =>
        err ? reject(kafkaError(err)) : resolve(),
      );
    });
    this.consumer.subscribe([this.options.topic]);
    this.consumer.setDefaultConsumeTimeout(100);
    this.consumer.consume(); // flowing mode: 'data' per message
  }

  /** Waits until the group assigned partitions (the tail is live), up to `timeoutMs`. */
  async waitAssigned(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.assignedOnce && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.assignedOnce;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
  }
}
