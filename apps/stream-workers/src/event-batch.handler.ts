import { decodeEventMessage, KAFKA_HEADERS, type EventEnvelope } from '@fleetscope/domain';
import { ConsumerOffsetsRepository, type SqlClient, type SqlExecutor } from '@fleetscope/db';
import type {
  ConsumedMessage,
  OutgoingMessage,
  PartitionBatch,
  PartitionBatchHandler,
} from '@fleetscope/kafka';
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
 * Handles the batches of a consume's partitions of fleetscope.events.v1 in ONE transaction:
 *   1. lock the partitions' offset rows (the fence against a zombie owner) and skip messages
 *      below each stored offset (already applied);
 *   2. decode; undecodable messages are poison;
 *   3. run the pipeline (insert events idempotently, …); if the database refuses some
 *      event's data, isolate it with savepoints and treat it as poison too;
 *   4. send poison to the DLQ with the reason, and wait for Kafka's ack;
 *   5. store each partition's next offset; commit.
 * A crash anywhere before 5 commits nothing, so the batches replay whole; nothing is lost
 * and nothing counts twice. One transaction for all partitions, not one each: a consume at a
 * steady rate brings a few messages of every partition, and a dozen small commits cost more
 * than the rows.
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

  async handle(topic: string, batches: PartitionBatch[]): Promise<void> {
    const withMessages = batches.filter((b) => b.messages.length > 0);
    if (withMessages.length === 0) return;
    const outcome = await this.db.transaction(async (tx) => {
      const stored = await this.offsets.lockAll(
        tx,
        this.groupId,
        topic,
        withMessages.map((b) => b.partition),
      );
      const result: BatchOutcome = {
        consumed: 0,
        skipped: 0,
        inserted: 0,
        deadLettered: 0,
        fresh: [],
      };
      const fresh: ConsumedMessage[] = [];
      const next = new Map<number, number>();
      for (const b of withMessages) {
        const from = stored.get(b.partition);
        const unapplied =
          from === undefined ? b.messages : b.messages.filter((m) => m.offset >= from);
        result.consumed += b.messages.length;
        result.skipped += b.messages.length - unapplied.length;
        fresh.push(...unapplied);
        if (unapplied.length > 0)
          next.set(b.partition, b.messages[b.messages.length - 1]!.offset + 1);
      }
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
      await this.offsets.storeAll(tx, this.groupId, topic, next);
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
