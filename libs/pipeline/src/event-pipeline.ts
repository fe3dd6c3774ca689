import {
  hitlRequestOf,
  sessionContributionOf,
  traceContributionOf,
  type EventEnvelope,
  type HitlRequestWrite,
  type TraceContribution,
} from '@fleetscope/domain';
import {
  EventsRepository,
  HitlRequestsRepository,
  SessionsRepository,
  TracesRepository,
  type SqlExecutor,
} from '@fleetscope/db';

export interface PipelineResult {
  /** How many events of the batch were new (`fresh.length`). */
  inserted: number;
  /** The events this batch really stored, in batch order: not the replays, not the retries. */
  fresh: EventEnvelope[];
}

/**
 * The batch processors every accepted event goes through, inside ONE transaction owned by
 * the caller (the Kafka worker adds its offset to the same transaction). Shared by the
 * stream workers and the all-in-one process, so both modes compute the same thing.
 *
 * 1. persist events idempotently, learning which ones are new;
 * 2. merge the new ones into the `sessions` and `traces` summaries (one statement per table);
 * 3. open a `hitl_requests` row for each new event that asks a person (`humanInTheLoop`).
 * Only new events are summarised, so a replayed batch (Kafka redelivery, a client retry)
 * changes nothing; the merges are order-independent, so batches arriving out of order give
 * the same summaries.
 */
export class EventPipeline {
  constructor(
    private readonly events = new EventsRepository(),
    private readonly sessions = new SessionsRepository(),
    private readonly traces = new TracesRepository(),
    private readonly hitl = new HitlRequestsRepository(),
  ) {}

  async process(tx: SqlExecutor, batch: readonly EventEnvelope[]): Promise<PipelineResult> {
    const fresh = await this.events.insertFresh(tx, batch);
    if (fresh.length > 0) {
      await this.sessions.upsert(tx, fresh.map(sessionContributionOf));
      await this.traces.upsert(
        tx,
        fresh.map(traceContributionOf).filter((c): c is TraceContribution => c !== null),
      );
      await this.hitl.insertMany(
        tx,
        fresh.map(hitlRequestOf).filter((r): r is HitlRequestWrite => r !== null),
      );
    }
    return { inserted: fresh.length, fresh };
  }
}
