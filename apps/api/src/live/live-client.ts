import type { WebSocket } from 'ws';
import { matchesFilter, type EventEnvelope, type EventFilter } from '@fleetscope/domain';
import type { Principal } from '../auth/principal';

/**
 * One WebSocket client: its subscriptions and its bounded send buffer.
 *
 * NOTE: a slow client must never slow ingest or other clients. When the socket's buffered
 * bytes exceed the bound, events for it are dropped and counted; once the buffer drains, the
 * client gets ONE `lagged` message with the count and the time to resync from (GET /events).
 */
export class LiveClient {
  readonly subscriptions = new Map<string, EventFilter>();
  principal: Principal | null = null;
  dropped = 0;
  private lastDeliveredTs: string | null = null;
  alive = true;

  constructor(
    readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
  ) {}

  send(message: unknown): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  deliver(events: readonly EventEnvelope[]): void {
    if (!this.principal || this.subscriptions.size === 0) return;
    for (const e of events) {
      if (e.project_id !== this.principal.projectId) continue;
      for (const [id, filter] of this.subscriptions) {
        if (!matchesFilter(filter, e)) continue;
        if (this.socket.bufferedAmount > this.maxBufferedBytes) {
          this.dropped += 1;
          continue;
        }
        if (this.dropped > 0) {
          this.send({
            type: 'lagged',
            subscription: id,
            dropped: this.dropped,
            resume_from: this.lastDeliveredTs,
          });
          this.dropped = 0;
        }
        this.send({ type: 'event', subscription: id, data: e });
        this.lastDeliveredTs = e.ts;
      }
    }
  }
}
