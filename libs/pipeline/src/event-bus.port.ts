import type { EventEnvelope, LiveUpdate } from '@fleetscope/domain';

/**
 * Where accepted events go. `publish` resolves only once the events are durable: acked by
 * Kafka with acks=all (cluster mode) or committed to the embedded database (all-in-one).
 * It rejects with a BackpressureError when the bus is saturated: callers answer 429.
 */
export interface EventBus {
  /** `json[i]`, when given, is `events[i]` already serialised (the ingest path measured it). */
  publish(events: readonly EventEnvelope[], json?: readonly string[]): Promise<void>;
  readonly ready: boolean;
  close(): Promise<void>;
}

/** Live fan-out source: delivers events as they are accepted, in arrival order per source. */
export type LiveListener = (events: readonly EventEnvelope[]) => void;

export type LiveUpdateListener = (update: LiveUpdate) => void;

export interface LiveFeed {
  subscribe(listener: LiveListener): () => void;
  subscribeUpdates(listener: LiveUpdateListener): () => void;
}

/** A minimal in-process fan-out hub; both modes feed it, the WebSocket gateway reads it. */
export class LiveHub implements LiveFeed {
  private readonly listeners = new Set<LiveListener>();
  private readonly updateListeners = new Set<LiveUpdateListener>();

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Whether anyone listens to events. Cluster mode's live tail skips decoding (the envelope's
   * zod validation is its largest cost) while nobody does.
   */
  get hasEventListeners(): boolean {
    return this.listeners.size > 0;
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

  subscribeUpdates(listener: LiveUpdateListener): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  /** Window stats and anomaly transitions (derived updates, not events). */
  emitUpdate(update: LiveUpdate): void {
    for (const l of this.updateListeners) {
      try {
        l(update);
      } catch {
        // Same rule as emit: one listener's bug stays its own.
      }
    }
  }
}
