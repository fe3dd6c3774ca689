import type { SqlExecutor } from './sql-client';

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
   * Locks the partitions' rows for this transaction (creating them at 0) and returns their
   * stored next offsets. This is the fence: a zombie consumer still holding a revoked
   * partition waits here and then sees that its batch was already applied. Rows are locked in
   * ascending partition order, so two transactions over overlapping sets cannot deadlock.
   */
  async lockAll(
    tx: SqlExecutor,
    groupId: string,
    topic: string,
    partitions: readonly number[],
  ): Promise<Map<number, number>> {
    const sorted = [...new Set(partitions)].sort((a, b) => a - b);
    await tx.query(
      `INSERT INTO consumer_offsets (group_id, topic, partition, next_offset)
       SELECT $1, $2, p, 0 FROM unnest($3::int[]) AS p
       ON CONFLICT (group_id, topic, partition) DO NOTHING`,
      [groupId, topic, sorted],
    );
    const r = await tx.query<{ partition: number; next_offset: string | number }>(
      `SELECT partition, next_offset FROM consumer_offsets
        WHERE group_id = $1 AND topic = $2 AND partition = ANY($3::int[])
        ORDER BY partition FOR UPDATE`,
      [groupId, topic, sorted],
    );
    return new Map(r.rows.map((row) => [Number(row.partition), Number(row.next_offset)]));
  }

  /** Stores the partitions' next offsets, in one statement. */
  async storeAll(
    tx: SqlExecutor,
    groupId: string,
    topic: string,
    next: ReadonlyMap<number, number>,
  ): Promise<void> {
    if (next.size === 0) return;
    await tx.query(
      `UPDATE consumer_offsets AS o SET next_offset = n.next_offset, updated_at = now()
         FROM unnest($3::int[], $4::bigint[]) AS n(partition, next_offset)
        WHERE o.group_id = $1 AND o.topic = $2 AND o.partition = n.partition`,
      [groupId, topic, [...next.keys()], [...next.values()]],
    );
  }
}
