import type { EventEnvelope } from '@fleetscope/domain';

/**
 * Where accepted events go. `publish` resolves only once the events are durable: acked by
 * Kafka with acks=all (cluster mode) or committed to the embedded database (all-in-one).
 * It rejects with a BackpressureError when the bus is saturated: callers answer 429.
 */
export interface EventBus {
  publish(events: readonly EventEnvelope[]): Promise<void>;
  readonly ready: boolean;
  close(): Promise<void>;
}

/** Live fan-out source: delivers events as they are accepted, in arrival order per source. */
export type LiveListener = (events: readonly EventEnvelope[]) => void;

export interface LiveFeed {
  subscribe(listener: LiveListener): () => void;
}

/** A minimal in-process fan-out hub; both modes feed it, the WebSocket gateway reads it. */
export class LiveHub implements LiveFeed {
  private readonly listeners = new Set<LiveListener>();

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(events: readonly EventEnvelope[]): void {
    if (events.length === 0) return;
    for (const l of this.listeners) {
      try {
        l(events);
      } catch {
        // A listener's bug must never break ingest or the other listeners.
      }
    }
  }
}
