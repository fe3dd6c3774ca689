/**
 * The live connection: one WebSocket per page, shared by every view.
 *
 * - Subscriptions are registered here and re-sent after every reconnect.
 * - Reconnects back off exponentially with full jitter (0.5 s doubling to 15 s), so a
 *   restarted server is not hit by every open tab at the same instant.
 * - Each `event` carries a cursor; after a reconnect a subscription resumes from the last
 *   cursor it saw, and the server replays what was missed. Ids already delivered are
 *   skipped, so a replay that overlaps the live stream never shows an event twice.
 * - `query` sends the SQL console's statements and resolves with their result.
 */
import type { EventEnvelope, EventFilter, LiveChannel, WsServerMessage } from '../lib/types';
import { apiKey } from './http';

export type LiveStatus = 'connecting' | 'open' | 'closed';

export interface LiveEvent {
  event: EventEnvelope;
  /** True when the server replayed it after a reconnect. */
  replay: boolean;
}

export interface SubscriptionHandlers {
  onEvents?: (events: LiveEvent[]) => void;
  onMessage?: (msg: WsServerMessage) => void;
  /** The server skipped events for this subscription (the client fell behind). */
  onLagged?: (dropped: number) => void;
}

export interface SubscriptionSpec {
  filter?: EventFilter;
  channels?: LiveChannel[];
}

interface Sub {
  spec: SubscriptionSpec;
  handlers: SubscriptionHandlers;
  cursor: string | undefined;
  seen: RecentIds;
  pending: LiveEvent[];
}

export interface QueryColumn {
  name: string;
  type?: string;
}

export interface QueryResult {
  queryId: string | null;
  columns?: QueryColumn[];
  rows: Record<string, unknown>[];
  rowCount?: number;
  truncated?: boolean;
  elapsed_ms?: number;
}

/** The last N ids seen, for de-duplication in constant memory. */
class RecentIds {
  private readonly set = new Set<string>();
  constructor(private readonly max = 5_000) {}
  has(id: string): boolean {
    return this.set.has(id);
  }
  add(id: string): void {
    this.set.add(id);
    if (this.set.size > this.max) {
      const oldest = this.set.values().next().value;
      if (oldest !== undefined) this.set.delete(oldest);
    }
  }
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const PING_MS = 25_000;

export class LiveConnection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private readonly subs = new Map<string, Sub>();
  private readonly queries = new Map<
    string,
    { resolve: (r: QueryResult) => void; reject: (e: Error) => void }
  >();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  private nextId = 1;
  private flushScheduled = false;
  private stopped = false;
  status: LiveStatus = 'connecting';
  /** Counts of what arrived, for the header and for measurements. */
  readonly counters = { events: 0, replayed: 0, duplicates: 0, reconnects: 0, lagged: 0 };
  /**
   * Delivery lag of the latest live events (ms from the server receiving an event to this
   * page receiving it), for the header and for the dashboard benchmark.
   */
  readonly lagMs: number[] = [];

  constructor(private readonly url: () => string = defaultUrl) {}

  start(): void {
    this.stopped = false;
    if (!this.ws) this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.ws?.close(1000, 'bye');
    this.ws = null;
  }

  /** Closes and reopens at once (a new API key, the page back in the foreground). */
  reconnectNow(): void {
    this.attempt = 0;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(4000, 'reconnect');
    else this.connect();
  }

  onStatus(listener: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  subscribe(spec: SubscriptionSpec, handlers: SubscriptionHandlers): () => void {
    const id = `s${this.nextId++}`;
    this.subs.set(id, { spec, handlers, cursor: undefined, seen: new RecentIds(), pending: [] });
    this.sendSubscribe(id);
    return () => {
      this.subs.delete(id);
      this.send({ type: 'unsubscribe', id });
    };
  }

  query(sql: string, params?: unknown[]): Promise<QueryResult> {
    const queryId = `q${this.nextId++}`;
    return new Promise<QueryResult>((resolve, reject) => {
      if (!this.send({ type: 'query', queryId, sql, ...(params ? { params } : {}) })) {
        reject(new Error('not connected: the live connection is down, retrying'));
        return;
      }
      this.queries.set(queryId, { resolve, reject });
    });
  }

  private setStatus(s: LiveStatus): void {
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }

  private send(msg: unknown): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private sendSubscribe(id: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.send({
      type: 'subscribe',
      id,
      ...(sub.spec.filter && Object.keys(sub.spec.filter).length
        ? { filter: sub.spec.filter }
        : {}),
      ...(sub.spec.channels ? { channels: sub.spec.channels } : {}),
      ...(sub.cursor ? { cursor: sub.cursor } : {}),
    });
  }

  private connect(): void {
    this.setStatus('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      for (const id of this.subs.keys()) this.sendSubscribe(id);
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ type: 'ping' }), PING_MS);
    };
    ws.onmessage = (m: MessageEvent<string>) => this.onMessage(m.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pinger);
      for (const q of this.queries.values()) q.reject(new Error('connection closed'));
      this.queries.clear();
      this.setStatus('closed');
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.counters.reconnects += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), BACKOFF_MIN_MS / 2 + Math.random() * cap);
  }

  private onMessage(raw: string): void {
    let msg: WsServerMessage & { cursor?: string; replay?: boolean; queryId?: string | null };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'event': {
        const sub = this.subs.get(msg.subscription);
        if (!sub) return;
        if (msg.cursor) sub.cursor = msg.cursor;
        if (sub.seen.has(msg.data.id)) {
          this.counters.duplicates += 1;
          return;
        }
        sub.seen.add(msg.data.id);
        this.counters.events += 1;
        if (msg.replay) this.counters.replayed += 1;
        else {
          this.lagMs.push(Date.now() - Date.parse(msg.data.received_at));
          if (this.lagMs.length > 10_000) this.lagMs.splice(0, 5_000);
        }
        sub.pending.push({ event: msg.data, replay: msg.replay === true });
        this.scheduleFlush();
        return;
      }
      case 'query_result': {
        const q = msg.queryId ? this.queries.get(msg.queryId) : undefined;
        if (q && msg.queryId) {
          this.queries.delete(msg.queryId);
          q.resolve(msg);
        }
        return;
      }
      case 'error': {
        const q = msg.id ? this.queries.get(msg.id) : undefined;
        if (q && msg.id) {
          this.queries.delete(msg.id);
          const position = (msg as { position?: unknown }).position;
          q.reject(
            Object.assign(new Error(msg.message), {
              code: msg.code,
              ...(typeof position === 'number' ? { position } : {}),
            }),
          );
          return;
        }
        if (msg.code === 'invalid_cursor' && msg.id) {
          // The cursor is too old or foreign: start over from now.
          const sub = this.subs.get(msg.id);
          if (sub) {
            sub.cursor = undefined;
            this.sendSubscribe(msg.id);
          }
        }
        break;
      }
      case 'lagged': {
        this.counters.lagged += msg.dropped;
        const sub = msg.subscription ? this.subs.get(msg.subscription) : undefined;
        sub?.handlers.onLagged?.(msg.dropped);
        if (sub && msg.subscription && msg.resume_from) {
          sub.cursor = msg.resume_from;
          this.sendSubscribe(msg.subscription);
        }
        return;
      }
      default:
        break;
    }
    const subId = (msg as { subscription?: string }).subscription;
    if (subId) this.subs.get(subId)?.handlers.onMessage?.(msg);
    else for (const s of this.subs.values()) s.handlers.onMessage?.(msg);
  }

  /** Events are handed to views in batches, at most once per animation frame. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const run = () => {
      this.flushScheduled = false;
      for (const sub of this.subs.values()) {
        if (sub.pending.length === 0) continue;
        const batch = sub.pending;
        sub.pending = [];
        sub.handlers.onEvents?.(batch);
      }
    };
    // Hidden tabs get no animation frames; a timer keeps the buffers from growing.
    if (document.visibilityState === 'visible') requestAnimationFrame(run);
    else setTimeout(run, 250);
  }
}

function defaultUrl(): string {
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const key = apiKey();
  if (key) url.searchParams.set('api_key', key);
  return url.toString();
}

/** The page's one connection. */
export const live = new LiveConnection();
