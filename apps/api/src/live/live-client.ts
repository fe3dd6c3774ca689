import type { WebSocket } from 'ws';
import {
  LivePosition,
  matchesFilter,
  type EventEnvelope,
  type EventFilter,
  type LiveChannel,
  type LiveCursor,
  type LiveUpdate,
  type SeriesRef,
  type WsEventMessage,
  type WsLaggedMessage,
} from '@fleetscope/domain';
import type { Principal } from '../auth/principal';

/** Live events held for a subscription while its resume replays; beyond, it pauses. */
export const MAX_HELD_EVENTS = 10_000;

/**
 * One WebSocket client: its subscriptions and its bounded send buffer.
 *
 * NOTE: a slow client must never slow ingest or other clients. When the socket's buffered
 * bytes exceed the bound, events for a subscription are dropped and counted; once the buffer
 * drains, the subscription's next event is preceded by ONE `lagged` message with the count
 * and the cursor to resume from (the position before the first dropped event).
 */
export class LiveClient {
  readonly subscriptions = new Map<string, Subscription>();
  principal: Principal | null = null;
  alive = true;
  /** SQL console statements of this connection still running. */
  queriesInFlight = 0;

  constructor(
    readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
  ) {}

  send(message: unknown): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Adds (or replaces) subscription `id`. With `resumeFrom`, live events are held until
   * {@link replay} and {@link goLive} (or {@link pause}) have run: the gateway replays what
   * was stored after the cursor first.
   */
  subscribe(
    id: string,
    filter: EventFilter,
    channels: Set<LiveChannel>,
    resumeFrom?: LiveCursor,
  ): Subscription {
    const sub: Subscription = {
      filter,
      channels,
      position: new LivePosition(resumeFrom),
      dropped: 0,
      gapFrom: null,
      held: resumeFrom ? [] : null,
      heldOverflow: 0,
      paused: false,
    };
    this.subscriptions.set(id, sub);
    return sub;
  }

  /** Live events, each batch in stream order (`compareStreamKeys`). */
  deliver(events: readonly EventEnvelope[]): void {
    if (!this.principal || this.subscriptions.size === 0) return;
    for (const e of events) {
      if (e.project_id !== this.principal.projectId) continue;
      for (const [id, sub] of this.subscriptions) {
        if (sub.paused || !sub.channels.has('events') || !matchesFilter(sub.filter, e)) continue;
        if (sub.held) {
          if (sub.held.length < MAX_HELD_EVENTS) sub.held.push(e);
          else sub.heldOverflow += 1;
          continue;
        }
        this.deliverLive(id, sub, e);
      }
    }
  }

  /** Sends stored events after the resume cursor (`replay: true`); returns their ids. */
  replay(id: string, sub: Subscription, events: readonly EventEnvelope[]): Set<string> {
    const sent = new Set<string>();
    for (const e of events) {
      if (!matchesFilter(sub.filter, e)) continue;
      this.sendEvent(id, sub, e, true);
      sent.add(e.id);
    }
    return sent;
  }

  /**
   * Ends a resume: sends the live events held meanwhile, except those the replay sent (an
   * event committed before the replay read but fanned out after it is in both), then the
   * subscription is live.
   */
  goLive(id: string, sub: Subscription, replayed: ReadonlySet<string>): void {
    const held = sub.held ?? [];
    sub.held = null;
    for (const e of held) if (!replayed.has(e.id)) this.sendEvent(id, sub, e, false);
  }

  /**
   * Ends a resume that could not catch up (more to replay than one replay sends, or too many
   * live events held): the subscription stops until the client subscribes again with the
   * cursor of the `lagged` message, which is where the replay stopped.
   */
  pause(id: string, sub: Subscription, dropped: number): void {
    sub.held = null;
    sub.paused = true;
    const lagged: WsLaggedMessage = {
      type: 'lagged',
      subscription: id,
      dropped,
      resume_from: sub.position.cursor(),
      reason: 'replay_limit',
    };
    this.send(lagged);
  }

  private deliverLive(id: string, sub: Subscription, e: EventEnvelope): void {
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      if (sub.dropped === 0) sub.gapFrom = sub.position.cursor();
      sub.dropped += 1;
      return;
    }
    if (sub.dropped > 0) {
      const lagged: WsLaggedMessage = {
        type: 'lagged',
        subscription: id,
        dropped: sub.dropped,
        resume_from: sub.gapFrom,
        reason: 'slow_client',
      };
      this.send(lagged);
      sub.dropped = 0;
      sub.gapFrom = null;
    }
    this.sendEvent(id, sub, e, false);
  }

  private sendEvent(id: string, sub: Subscription, e: EventEnvelope, replay: boolean): void {
    sub.position.advance(e);
    const msg: WsEventMessage = {
      type: 'event',
      subscription: id,
      data: e,
      cursor: sub.position.cursor()!,
      ...(replay ? { replay: true as const } : {}),
    };
    this.send(msg);
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
  /** Where the subscription's event stream stands: the `cursor` of each event sent. */
  position: LivePosition;
  /** Events dropped while the socket was backed up, and the cursor before the first. */
  dropped: number;
  gapFrom: string | null;
  /** While a resume replays: the live events that arrived meanwhile. Null when live. */
  held: EventEnvelope[] | null;
  /** Live events not held because {@link MAX_HELD_EVENTS} were. */
  heldOverflow: number;
  /** A resume could not catch up: nothing is sent until the client subscribes again. */
  paused: boolean;
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
