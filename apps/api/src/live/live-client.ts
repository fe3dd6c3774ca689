import type { WebSocket } from 'ws';
import {
  matchesFilter,
  type EventEnvelope,
  type EventFilter,
  type LiveChannel,
  type LiveUpdate,
  type SeriesRef,
} from '@fleetscope/domain';
import type { Principal } from '../auth/principal';

/**
 * One WebSocket client: its subscriptions and its bounded send buffer.
 *
 * NOTE: a slow client must never slow ingest or other clients. When the socket's buffered
 * bytes exceed the bound, events for it are dropped and counted; once the buffer drains, the
 * client gets ONE `lagged` message with the count and the time to resync from (GET /events).
 */
export class LiveClient {
  readonly subscriptions = new Map<string, Subscription>();
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
      for (const [id, { filter, channels }] of this.subscriptions) {
        if (!channels.has('events') || !matchesFilter(filter, e)) continue;
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

  /**
   * Stats and anomaly updates for the subscriptions that asked for them. Stats are superseded
   * every second, so a client whose buffer is full simply misses one (no `lagged`).
   */
  deliverUpdate(update: LiveUpdate): void {
    if (!this.principal || update.project_id !== this.principal.projectId) return;
    for (const [id, { filter, channels }] of this.subscriptions) {
      if (update.type === 'stats') {
        if (!channels.has('stats')) continue;
        const series = update.series.filter((s) => seriesMatches(filter, s.series));
        if (series.length === 0 || this.socket.bufferedAmount > this.maxBufferedBytes) continue;
        const { source, at, watermark, late_events, project_id } = update;
        this.send({
          type: 'stats',
          subscription: id,
          data: { project_id, source, at, watermark, late_events, series },
        });
      } else if (update.type === 'alert') {
        if (!channels.has('alerts')) continue;
        const a = update.alert;
        // Alerts carry their group: an app or agent filter narrows on it when it has one.
        const ref: SeriesRef = {
          level: 'project',
          project_id: a.project_id,
          ...(a.group.app !== undefined ? { app: a.group.app } : {}),
          ...(a.group.agent !== undefined ? { agent_id: a.group.agent } : {}),
          ...(a.group.session !== undefined ? { session_id: a.group.session } : {}),
        };
        if (!alertMatches(filter, ref)) continue;
        this.send({ type: 'alert', subscription: id, action: update.action, data: a });
      } else {
        if (!channels.has('anomalies')) continue;
        const a = update.anomaly;
        const ref: SeriesRef = {
          level: a.level as SeriesRef['level'],
          project_id: a.project_id,
          ...(a.app !== null ? { app: a.app } : {}),
          ...(a.agent_id !== null ? { agent_id: a.agent_id } : {}),
          ...(a.session_id !== null ? { session_id: a.session_id } : {}),
        };
        if (!seriesMatches(filter, ref, true)) continue;
        this.send({ type: 'anomaly', subscription: id, action: update.action, data: a });
      }
    }
  }
}

export interface Subscription {
  filter: EventFilter;
  channels: Set<LiveChannel>;
}

const oneOf = (expected: string | string[] | undefined, actual: string | undefined): boolean =>
  expected === undefined ||
  (actual !== undefined &&
    (typeof expected === 'string' ? expected === actual : expected.includes(actual)));

/** An alert matches unless the filter names an app, agent or session its group contradicts. */
function alertMatches(filter: EventFilter, s: SeriesRef): boolean {
  if (filter.app !== undefined && s.app !== undefined && !oneOf(filter.app, s.app)) return false;
  if (filter.agent_id !== undefined && s.agent_id !== undefined && filter.agent_id !== s.agent_id)
    return false;
  if (
    filter.session_id !== undefined &&
    s.session_id !== undefined &&
    filter.session_id !== s.session_id
  )
    return false;
  return true;
}

/**
 * Whether a series belongs to what a subscription filters on. Coarser series than the filter
 * (the project total under an app filter) are left out; session series only when a session
 * is asked for (a fleet has too many to stream every second) unless `anyLevel`.
 */
function seriesMatches(filter: EventFilter, s: SeriesRef, anyLevel = false): boolean {
  if (filter.project_id !== undefined && filter.project_id !== s.project_id) return false;
  if (s.level === 'session' && !anyLevel && filter.session_id === undefined) return false;
  if (filter.session_id !== undefined) return s.session_id === filter.session_id;
  if (filter.agent_id !== undefined)
    return s.agent_id === filter.agent_id && oneOf(filter.app, s.app);
  if (filter.app !== undefined) return oneOf(filter.app, s.app);
  return true;
}
