import type { SqlExecutor } from './sql-client';

export interface PartitionRef {
  groupId: string;
  topic: string;
  partition: number;
}

/**
 * Kafka positions kept in the database, next to the data they describe. A batch's rows and
 * its partition's next offset commit in ONE transaction, so a crash anywhere replays from
 * exactly the last committed batch.
 */
export class ConsumerOffsetsRepository {
  /** Next offsets for the given partitions; partitions never seen are absent. */
  async load(db: SqlExecutor, groupId: string, topic: string): Promise<Map<number, number>> {
    const r = await db.query<{ partition: number; next_offset: string | number }>(
      'SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2',
      [groupId, topic],
    );
    return new Map(r.rows.map((row) => [Number(row.partition), Number(row.next_offset)]));
  }

  /**
   * Locks the partition's row for this transaction and returns its stored next offset
   * (or null). This is the fence: a zombie consumer still holding a revoked partition
   * waits here and then sees that its batch was already applied.
   */
  async lock(tx: SqlExecutor, ref: PartitionRef): Promise<number | null> {
    await tx.query(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
       VALUES ($1, $2, $3, 0) ON CONFLICT (group_id, topic, partition) DO NOTHING`,
      [ref.groupId, ref.topic, ref.partition],
    );
    const r = await tx.query<{ next_offset: string | number }>(
      `SELECT next_offset FROM consumer_offsets
        WHERE group_id = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      [ref.groupId, ref.topic, ref.partition],
    );
    const v = r.rows[0]?.next_offset;
    return v === undefined ? null : Number(v);
  }

  async store(tx: SqlExecutor, ref: PartitionRef, nextOffset: number): Promise<void> {
    await tx.query(
      `UPDATE consumer_offsets SET next_offset = $4, updated_at = now()
        WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [ref.groupId, ref.topic, ref.partition, nextOffset],
    );
  }
}
