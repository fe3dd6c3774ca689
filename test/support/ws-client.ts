import WebSocket from 'ws';

/** A WebSocket test client that records every message and waits on predicates. */
export class WsProbe {
  readonly messages: Record<string, unknown>[] = [];
  /** Resolves with the close code, whenever the socket closes. */
  readonly closed: Promise<number>;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (d: Buffer) =>
      this.messages.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>),
    );
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  static async connect(url: string): Promise<WsProbe> {
    const socket = new WebSocket(url);
    const probe = new WsProbe(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return probe;
  }

  send(msg: unknown): void {
    this.socket.send(JSON.stringify(msg));
  }

  async waitFor(
    pred: (m: Record<string, unknown>) => boolean,
    timeoutMs = 5_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.messages.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline)
        throw new Error(
          `no matching WebSocket message in ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 2000)}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.socket.close();
  }
}
