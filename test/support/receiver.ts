import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, and what it answered (null: it never answered). */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  answered: number | null;
}

/** What to answer: a status (with headers and body), or `hang` to never answer. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * A real local HTTP receiver (node:http on 127.0.0.1) for delivery tests: it records every
 * request and answers what `script` says for it. `n` counts the requests carrying the same
 * `webhook-id` (1 for the first), so one receiver can fail each delivery a few times.
 */
export class Receiver {
  readonly requests: Received[] = [];
  private server!: Server;
  base = '';

  constructor(public script: (req: Received, n: number) => Reply = () => ({ status: 200 })) {}

  static async start(script?: (req: Received, n: number) => Reply): Promise<Receiver> {
    const r = new Receiver(script);
    r.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const got: Received = {
          path: req.url ?? '/',
          headers: req.headers,
          body,
          at: Date.now(),
          answered: null,
        };
        r.requests.push(got);
        const id = String(req.headers['webhook-id'] ?? '');
        const n = r.requests.filter((x) => String(x.headers['webhook-id'] ?? '') === id).length;
        const reply = r.script(got, n);
        if (reply === 'hang') return;
        got.answered = reply.status;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body ?? '{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.base = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  /** Requests of one webhook-id (a delivery), in arrival order. */
  of(webhookId: string): Received[] {
    return this.requests.filter((x) => x.headers['webhook-id'] === webhookId);
  }

  /** How many 2xx answers a delivery got: must be exactly one. */
  accepted(webhookId: string): number {
    return this.of(webhookId).filter((x) => x.answered !== null && x.answered < 300).length;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
