import type { EventEnvelope } from '@fleetscope/domain';
import { EventsRepository, type SqlExecutor } from '@fleetscope/db';

export interface PipelineResult {
  inserted: number;
}

/**
 * The batch processors every accepted event goes through, inside ONE transaction owned by
 * the caller (the Kafka worker adds its offset to the same transaction). Shared by the
 * stream workers and the all-in-one process, so both modes compute the same thing.
 *
 * Today: persist events idempotently. Sessions, traces, windows and alerts join here.
 */
export class EventPipeline {
  constructor(private readonly events = new EventsRepository()) {}

  async process(tx: SqlExecutor, batch: readonly EventEnvelope[]): Promise<PipelineResult> {
    const inserted = await this.events.insertBatch(tx, batch);
    return { inserted };
  }
}
