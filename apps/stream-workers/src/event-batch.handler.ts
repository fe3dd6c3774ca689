import { decodeEventMessage, KAFKA_HEADERS, type EventEnvelope } from '@fleetscope/domain';
import { ConsumerOffsetsRepository, type SqlClient, type SqlExecutor } from '@fleetscope/db';
import type { ConsumedMessage, OutgoingMessage, PartitionBatchHandler } from '@fleetscope/kafka';
import type { EventPipeline } from '@fleetscope/pipeline';

export interface DeadLetterSink {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

export interface BatchOutcome {
  consumed: number;
  skipped: number;
  inserted: number;
  deadLettered: number;
  /** The events this batch really added (not replays), for the in-memory analytics. */
  fresh: EventEnvelope[];
}

/** SQLSTATE classes that mean "this data cannot be stored", as opposed to "try again". */
const DATA_ERROR = /^(22|23|54)/;

/**
 * Handles one partition's batch of fleetscope.events.v1 in ONE transaction:
 *   1. lock the partition's offset row (the fence against a zombie owner) and skip messages
 *      below the stored offset (already applied);
 *   2. decode; undecodable messages are poison;
 *   3. run the pipeline (insert events idempotently, …); if the database refuses some
 *      event's data, isolate it with savepoints and treat it as poison too;
 *   4. send poison to the DLQ with the reason, and wait for Kafka's ack;
 *   5. store the next offset; commit.
 * A crash anywhere before 5 commits nothing, so the batch replays whole; nothing is lost
 * and nothing counts twice.
 */
export class EventBatchHandler implements PartitionBatchHandler {
  private readonly offsets = new ConsumerOffsetsRepository();
  lastOutcome: BatchOutcome | undefined;

  constructor(
    private readonly db: SqlClient,
    private readonly pipeline: EventPipeline,
    private readonly dlq: DeadLetterSink,
    private readonly groupId: string,
    private readonly dlqTopic: string,
    private readonly maxEventBytes: number,
    private readonly onOutcome: (o: BatchOutcome) => void = () => undefined,
    /** Runs before consumption of a new assignment starts (window state rebuild). */
    private readonly onAssign: (partitions: number[]) => Promise<void> = async () => undefined,
  ) {}

  async loadOffsets(topic: string, partitions: number[]): Promise<Map<number, number>> {
    const all = await this.offsets.load(this.db, this.groupId, topic);
    await this.onAssign(partitions);
    return new Map([...all].filter(([p]) => partitions.includes(p)));
  }

  async handle(topic: string, partition: number, messages: ConsumedMessage[]): Promise<void> {
    const last = messages[messages.length - 1];
    if (!last) return;
    const ref = { groupId: this.groupId, topic, partition };
    const outcome = await this.db.transaction(async (tx) => {
      const stored = await this.offsets.lock(tx, ref);
      const fresh = stored === null ? messages : messages.filter((m) => m.offset >= stored);
      const result: BatchOutcome = {
        consumed: messages.length,
        skipped: messages.length - fresh.length,
        inserted: 0,
        deadLettered: 0,
        fresh: [],
      };
      if (fresh.length === 0) return result;

      const decoded: { m: ConsumedMessage; e: EventEnvelope }[] = [];
      const poison: { m: ConsumedMessage; error: string }[] = [];
      for (const m of fresh) {
        // A raw event without an id gets a stable one from its position: replays dedupe.
        const d = decodeEventMessage(m.value, m.headers, {
          fallbackId: `${m.topic}:${m.partition}:${m.offset}`,
          // The append time, not the worker's clock: a replay must derive the same ts too.
          now: m.timestamp ? new Date(m.timestamp) : undefined,
          maxEventBytes: this.maxEventBytes,
        });
        if (d.ok) decoded.push({ m, e: d.event });
        else poison.push({ m, error: d.error });
      }
      const added = await this.persist(tx, decoded, poison);
      result.inserted = added.length;
      result.fresh = added;
      if (poison.length > 0) {
        await this.dlq.send(poison.map((p) => toDeadLetter(this.dlqTopic, p.m, p.error)));
        result.deadLettered = poison.length;
      }
      await this.offsets.store(tx, ref, last.offset + 1);
      return result;
    });
    this.lastOutcome = outcome;
    this.onOutcome(outcome);
  }

  private async persist(
    tx: SqlExecutor,
    decoded: { m: ConsumedMessage; e: EventEnvelope }[],
    poison: { m: ConsumedMessage; error: string }[],
  ): Promise<EventEnvelope[]> {
    if (decoded.length === 0) return [];
    await tx.query('SAVEPOINT batch');
    try {
      const r = await this.pipeline.process(
        tx,
        decoded.map((d) => d.e),
      );
      await tx.query('RELEASE SAVEPOINT batch');
      return r.fresh;
    } catch (err) {
      if (!DATA_ERROR.test(sqlState(err))) throw err; // connection or server trouble: retry
      await tx.query('ROLLBACK TO SAVEPOINT batch');
    }
    // Rare path: some event's data is refused. Store one by one to find the culprits.
    const inserted: EventEnvelope[] = [];
    for (const d of decoded) {
      await tx.query('SAVEPOINT one');
      try {
        inserted.push(...(await this.pipeline.process(tx, [d.e])).fresh);
        await tx.query('RELEASE SAVEPOINT one');
      } catch (err) {
        if (!DATA_ERROR.test(sqlState(err))) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT one');
        poison.push({ m: d.m, error: `database refused the event: ${(err as Error).message}` });
      }
    }
    return inserted;
  }
}

function sqlState(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function toDeadLetter(topic: string, m: ConsumedMessage, error: string): OutgoingMessage {
  return {
    topic,
    key: m.key ?? `${m.partition}:${m.offset}`,
    value: m.value ?? Buffer.alloc(0),
    headers: {
      ...m.headers,
      [KAFKA_HEADERS.dlqError]: error.slice(0, 4000),
      [KAFKA_HEADERS.dlqSourceTopic]: m.topic,
      [KAFKA_HEADERS.dlqSourcePartition]: String(m.partition),
      [KAFKA_HEADERS.dlqSourceOffset]: String(m.offset),
    },
  };
}
