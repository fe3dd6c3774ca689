import type { IncomingMessage } from 'node:http';
import { Inject, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import {
  compareStreamKeys,
  decodeLiveCursor,
  FleetscopeError,
  parseWsClientMessage,
  WS_ERROR_CODES,
  type EventEnvelope,
  type LiveChannel,
  type LiveCursor,
  type WsErrorMessage,
  type WsQueryMessage,
  type WsQueryResultMessage,
} from '@fleetscope/domain';
import { ApiKeyAuthenticator, keyFromHeaders } from '../auth/api-key-authenticator';
import { QueryService } from '../query/query.service';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { LiveClient, type Subscription } from './live-client';

/** Most subscriptions one connection may hold. */
const MAX_SUBSCRIPTIONS = 32;
/** Interval of protocol-level pings that find dead connections. */
const HEARTBEAT_MS = 30_000;
/** Most events one resume replays; beyond, the client gets `lagged` and subscribes again. */
export const REPLAY_LIMIT = 5_000;
/** `lagged.dropped` after a capped replay counts the events left up to this. */
const REPLAY_COUNT_MAX = 100_000;
/** SQL console statements one connection may have running at once. */
const MAX_QUERIES_IN_FLIGHT = 4;

/**
 * Live WebSocket at /ws. Protocol (JSON, `type` discriminates):
 *   client → subscribe {id, filter, channels?, cursor?}, unsubscribe {id}, ping,
 *            query {queryId, sql, params?}
 *   server → subscribed, unsubscribed, event {subscription, data, cursor, replay?}, stats,
 *            anomaly, alert, lagged, query_result, pong, error
 * Auth (when on): `?api_key=` (browsers cannot set headers on a WebSocket) or the headers.
 *
 * Resume: `subscribe` with the cursor of the last event received registers the subscription
 * at once but holds its live events, replays the stored events after the cursor (in stream
 * order, at most REPLAY_LIMIT), then sends the held ones the replay did not, and goes live.
 * In all-in-one mode an event is fanned out only after its commit and commits follow receive
 * order, so replay + held events are exactly the missed ones.
 * NOTE: in cluster mode the live feed is the api's tail of the Kafka topic, which runs ahead
 * of the workers: an event that reached the tail before the resubscribe (so it is not held)
 * but is stored only after the replay's read is missed by the resume, and events of
 * different partitions reach the tail out of receive order. The window is the workers'
 * consumer lag (normally well under a second); docs/api.md states it.
 */
@WebSocketGateway({ path: '/ws' })
export class LiveGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy
{
  private readonly clients = new Map<WebSocket, LiveClient>();
  private readonly log = new Logger(LiveGateway.name);
  private unsubscribeUpdates: (() => void) | undefined;
  /** Set while at least one client is connected (see {@link followEvents}). */
  private unsubscribeEvents: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly queries: QueryService,
  ) {}

  onModuleInit(): void {
    this.unsubscribeUpdates = this.runtime.live.subscribeUpdates((update) => {
      for (const client of this.clients.values()) client.deliverUpdate(update);
    });
    this.heartbeat = setInterval(() => {
      for (const c of this.clients.values()) {
        if (!c.alive) {
          c.socket.terminate();
          continue;
        }
        c.alive = false;
        c.socket.ping();
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Listens to the live events only while a client is connected, so the hub knows when
   * nobody reads them (cluster mode's Kafka tail then skips decoding). A client connects
   * before it can subscribe, so no subscription misses an event it could have had.
   */
  private followEvents(follow: boolean): void {
    if (follow && !this.unsubscribeEvents) {
      this.unsubscribeEvents = this.runtime.live.subscribe((events) => {
        // One order for live events and replays: a cursor names a prefix of the stream.
        const ordered = isOrdered(events) ? events : [...events].sort(compareStreamKeys);
        for (const client of this.clients.values()) client.deliver(ordered);
      });
    } else if (!follow && this.unsubscribeEvents) {
      this.unsubscribeEvents();
      this.unsubscribeEvents = undefined;
    }
  }

  onModuleDestroy(): void {
    this.unsubscribeUpdates?.();
    this.followEvents(false);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients.values()) c.socket.close(1001, 'server shutting down');
  }

  get connectionCount(): number {
    return this.clients.size;
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const client = new LiveClient(socket, this.runtime.config.ws.clientBufferBytes);
    this.clients.set(socket, client);
    this.followEvents(true);
    socket.on('pong', () => {
      client.alive = true;
    });
    const pending: string[] = [];
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      if (client.principal) this.onMessage(client, text);
      else pending.push(text);
    });
    const url = new URL(request.url ?? '/ws', 'http://localhost');
    const key =
      url.searchParams.get('api_key') ??
      url.searchParams.get('token') ??
      keyFromHeaders(request.headers);
    const principal = await this.authenticator.authenticate(key ?? undefined).catch(() => null);
    if (!principal) {
      client.send({
        type: 'error',
        code: 'unauthorized',
        message: 'a valid API key is required (?api_key=)',
      });
      socket.close(1008, 'unauthorized');
      return;
    }
    client.principal = principal;
    for (const text of pending.splice(0)) this.onMessage(client, text);
  }

  handleDisconnect(socket: WebSocket): void {
    this.clients.delete(socket);
    if (this.clients.size === 0) this.followEvents(false);
  }

  private onMessage(client: LiveClient, text: string): void {
    const parsed = parseWsClientMessage(text);
    if (!parsed.ok) {
      client.send({ type: 'error', code: 'invalid_message', message: parsed.error });
      return;
    }
    const msg = parsed.msg;
    switch (msg.type) {
      case 'ping':
        client.send({ type: 'pong', timestamp: new Date().toISOString() });
        return;
      case 'subscribe': {
        if (!client.subscriptions.has(msg.id) && client.subscriptions.size >= MAX_SUBSCRIPTIONS) {
          client.send({
            type: 'error',
            code: 'too_many_subscriptions',
            id: msg.id,
            message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`,
          });
          return;
        }
        let cursor: LiveCursor | undefined;
        if (msg.cursor !== undefined) {
          const decoded = decodeLiveCursor(msg.cursor);
          if (!decoded) {
            client.send({
              type: 'error',
              code: WS_ERROR_CODES.invalidCursor,
              id: msg.id,
              message:
                'cursor: not a cursor issued by this server (send the `cursor` of an event message, or subscribe without one)',
            });
            return;
          }
          cursor = decoded;
        }
        const channels = new Set<LiveChannel>(msg.channels ?? ['events']);
        // Only the events channel has anything to replay.
        const resumeFrom = channels.has('events') ? cursor : undefined;
        const sub = client.subscribe(msg.id, msg.filter ?? {}, channels, resumeFrom);
        if (resumeFrom) void this.resume(client, msg.id, sub, resumeFrom);
        else client.send({ type: 'subscribed', id: msg.id });
        return;
      }
      case 'unsubscribe':
        client.subscriptions.delete(msg.id);
        client.send({ type: 'unsubscribed', id: msg.id });
        return;
      case 'query':
        void this.runQuery(client, msg);
        return;
    }
  }

  /** Replays what a resuming subscription missed, then lets its held live events through. */
  private async resume(
    client: LiveClient,
    id: string,
    sub: Subscription,
    cursor: LiveCursor,
  ): Promise<void> {
    const { db, events } = this.runtime;
    const projectId = client.principal!.projectId;
    try {
      const stored = await events.listAfterCursor(
        db,
        projectId,
        sub.filter,
        cursor,
        REPLAY_LIMIT + 1,
      );
      // Replaced or unsubscribed while reading: the newer subscription has its own resume.
      if (client.subscriptions.get(id) !== sub) return;
      const replayed = client.replay(id, sub, stored.slice(0, REPLAY_LIMIT));
      if (stored.length > REPLAY_LIMIT) {
        const left = await events.countAfterCursor(
          db,
          projectId,
          sub.filter,
          sub.position.value!,
          REPLAY_COUNT_MAX,
        );
        if (client.subscriptions.get(id) === sub) client.pause(id, sub, left);
        return;
      }
      if (sub.heldOverflow > 0) {
        client.pause(id, sub, (sub.held?.length ?? 0) + sub.heldOverflow);
        return;
      }
      client.send({ type: 'subscribed', id, resumed: replayed.size });
      client.goLive(id, sub, replayed);
    } catch (err) {
      this.log.error(`resume of subscription ${id} failed: ${String(err)}`);
      if (client.subscriptions.get(id) === sub) client.subscriptions.delete(id);
      client.send({
        type: 'error',
        code: WS_ERROR_CODES.internal,
        id,
        message: 'could not read the events after the cursor; subscribe again',
      });
    }
  }

  /** The SQL console: one statement, answered with `query_result` or an `error` naming it. */
  private async runQuery(client: LiveClient, msg: WsQueryMessage): Promise<void> {
    const queryId = msg.queryId ?? null;
    const fail = (code: string, message: string, position?: number) => {
      const error: WsErrorMessage = {
        type: 'error',
        code,
        message,
        ...(queryId !== null ? { id: queryId } : {}),
        ...(position !== undefined ? { position } : {}),
      };
      client.send(error);
    };
    if (client.queriesInFlight >= MAX_QUERIES_IN_FLIGHT) {
      fail(
        WS_ERROR_CODES.queryFailed,
        `at most ${MAX_QUERIES_IN_FLIGHT} queries may run at once on a connection`,
      );
      return;
    }
    client.queriesInFlight += 1;
    try {
      const r = await this.queries.run(client.principal!, msg.sql, msg.params ?? []);
      const result: WsQueryResultMessage = { type: 'query_result', queryId, ...r };
      client.send(result);
    } catch (err) {
      if (err instanceof FleetscopeError) {
        const position = (err.details as { position?: number } | undefined)?.position;
        fail(err.code, err.message, position);
      } else {
        this.log.error(`query failed unexpectedly: ${String(err)}`);
        fail(WS_ERROR_CODES.internal, 'the query could not run (internal error)');
      }
    } finally {
      client.queriesInFlight -= 1;
    }
  }
}

function isOrdered(events: readonly EventEnvelope[]): boolean {
  for (let i = 1; i < events.length; i++)
    if (compareStreamKeys(events[i - 1]!, events[i]!) > 0) return false;
  return true;
}
