import { Inject, Injectable } from '@nestjs/common';
import {
  normalizeEvents,
  normalizeNdjson,
  ValidationError,
  type IngestRejection,
  type NormalizeContext,
} from '@fleetscope/domain';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import type { Principal } from '../auth/principal';

export interface IngestOutcome {
  ids: string[];
  traceIds: (string | null)[];
  rejected: IngestRejection[];
}

/**
 * Accepts a body of events in any supported dialect, normalises it to envelopes and hands
 * the valid ones to the event bus. Resolves after the bus says they are durable.
 * Invalid items are reported by index, field and reason; they never cost the valid ones.
 */
@Injectable()
export class IngestEventsUseCase {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  async execute(
    principal: Principal,
    body: unknown,
    kind: 'json' | 'ndjson',
  ): Promise<IngestOutcome> {
    const { limits } = this.runtime.config;
    const ctx: NormalizeContext = {
      projectId: principal.projectId,
      receivedAt: new Date(),
      maxEventBytes: limits.maxEventBytes,
      maxBatchEvents: limits.maxBatchEvents,
      // NOTE: the seed generated a trace id per uncorrelated event, which made every event
      // its own one-span trace. Traces here are what clients correlate; none are invented.
      generateTracing: false,
    };
    const result =
      kind === 'ndjson' ? normalizeNdjson(String(body), ctx) : normalizeEvents(body, ctx);
    if (result.events.length === 0) {
      throw new ValidationError(
        result.rejected.length === 1
          ? describe(result.rejected[0]!)
          : `${new Set(result.rejected.map((r) => r.index)).size} event(s) rejected: ${result.rejected.slice(0, 3).map(describe).join('; ')}`,
        result.rejected,
      );
    }
    await this.runtime.bus.publish(result.events, result.json);
    return {
      ids: result.events.map((e) => e.id),
      traceIds: result.events.map((e) => e.trace_id),
      rejected: result.rejected,
    };
  }
}

function describe(r: IngestRejection): string {
  return `${r.field}: ${r.reason}`;
}
