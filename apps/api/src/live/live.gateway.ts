import type { IncomingMessage } from 'node:http';
import { Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { parseWsClientMessage, WS_ERROR_CODES } from '@fleetscope/domain';
import { ApiKeyAuthenticator, keyFromHeaders } from '../auth/api-key-authenticator';
import { RUNTIME, type Runtime } from '../runtime/runtime';
import { LiveClient } from './live-client';

/** Most subscriptions one connection may hold. */
const MAX_SUBSCRIPTIONS = 32;
/** Interval of protocol-level pings that find dead connections. */
const HEARTBEAT_MS = 30_000;

/**
 * Live WebSocket at /ws. Protocol (JSON, `type` discriminates):
 *   client → subscribe {id, filter, channels?}, unsubscribe {id}, ping
 *   server → subscribed, unsubscribed, event {subscription, data}, stats, anomaly, lagged,
 *            pong, error
 * Auth (when on): `?api_key=` (browsers cannot set headers on a WebSocket) or the headers.
 */
@WebSocketGateway({ path: '/ws' })
export class LiveGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy
{
  private readonly clients = new Map<WebSocket, LiveClient>();
  private unsubscribeFeed: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {}

  onModuleInit(): void {
    const offEvents = this.runtime.live.subscribe((events) => {
      for (const client of this.clients.values()) client.deliver(events);
    });
    const offUpdates = this.runtime.live.subscribeUpdates((update) => {
      for (const client of this.clients.values()) client.deliverUpdate(update);
    });
    this.unsubscribeFeed = () => {
      offEvents();
      offUpdates();
    };
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

  onModuleDestroy(): void {
    this.unsubscribeFeed?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const c of this.clients.values()) c.socket.close(1001, 'server shutting down');
  }

  get connectionCount(): number {
    return this.clients.size;
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const client = new LiveClient(socket, this.runtime.config.ws.clientBufferBytes);
    this.clients.set(socket, client);
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
      case 'subscribe':
        if (!client.subscriptions.has(msg.id) && client.subscriptions.size >= MAX_SUBSCRIPTIONS) {
          client.send({
            type: 'error',
            code: 'too_many_subscriptions',
            id: msg.id,
            message: `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`,
          });
          return;
        }
        client.subscriptions.set(msg.id, {
          filter: msg.filter ?? {},
          channels: new Set(msg.channels ?? ['events']),
        });
        client.send({ type: 'subscribed', id: msg.id });
        return;
      case 'unsubscribe':
        client.subscriptions.delete(msg.id);
        client.send({ type: 'unsubscribed', id: msg.id });
        return;
      case 'query':
        // The SQL console (read-only transaction, row cap, project scoping) is its own work.
        client.send({
          type: 'error',
          code: WS_ERROR_CODES.queryForbidden,
          id: msg.queryId,
          message: 'query is not available on this server yet',
        });
        return;
    }
  }
}
