import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSender } from './http-sender';

type Route = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('HttpSender against a local server', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Route>();
  const seen: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        const route = routes.get(req.url ?? '');
        if (route) route(req, body, res);
        else res.writeHead(404).end('no route');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const sender = new HttpSender({ timeoutMs: 500, allowPrivate: true });

  it('posts the body with our headers and reads status and Retry-After', async () => {
    routes.set('/ok', (_q, _b, res) => res.writeHead(429, { 'retry-after': '7' }).end('slow down'));
    const r = await sender.send({
      url: `${base}/ok`,
      body: '{"a":1}',
      headers: { 'webhook-id': 'x' },
    });
    assert.equal(r.kind, 'response');
    assert.deepEqual(r.kind === 'response' && [r.status, r.retryAfter, r.excerpt], [
      429,
      '7',
      'slow down',
    ]);
    const got = seen.at(-1)!;
    assert.equal(got.body, '{"a":1}');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['webhook-id'], 'x');
  });

  it('keeps only the first KiB of a large response', async () => {
    routes.set('/big', (_q, _b, res) => res.writeHead(500).end('é'.repeat(5000)));
    const r = await sender.send({ url: `${base}/big`, body: '{}', headers: {} });
    assert.ok(r.kind === 'response');
    assert.ok(Buffer.byteLength(r.excerpt) <= 1024);
    assert.ok(r.excerpt.length >= 500 && !r.excerpt.includes('\uFFFD'));
  });

  it('does not follow redirects', async () => {
    routes.set('/redirect', (_q, _b, res) => res.writeHead(307, { location: `${base}/ok` }).end());
    const before = seen.length;
    const r = await sender.send({ url: `${base}/redirect`, body: '{}', headers: {} });
    assert.deepEqual(r.kind === 'response' && [r.status, r.location], [307, `${base}/ok`]);
    assert.equal(seen.length, before + 1, 'the redirect target was never requested');
  });

  it('times out a receiver that never answers', async () => {
    routes.set('/hang', () => undefined);
    const r = await sender.send({ url: `${base}/hang`, body: '{}', headers: {} });
    assert.equal(r.kind, 'timeout');
    assert.ok(r.durationMs >= 450 && r.durationMs < 2000, String(r.durationMs));
  });

  it('reports a refused connection as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await sender.send({ url: `http://127.0.0.1:${port}/`, body: '{}', headers: {} });
    assert.equal(r.kind, 'network');
    assert.match(r.kind === 'network' ? r.error : '', /ECONNREFUSED/);
  });

  it('with the guard on, refuses loopback before connecting (literal and by name)', async () => {
    const guarded = new HttpSender({ timeoutMs: 500, allowPrivate: false });
    const before = seen.length;
    const port = new URL(base).port;
    for (const url of [`${base}/ok`, `http://localhost:${port}/ok`, `http://[::1]:${port}/ok`]) {
      const r = await guarded.send({ url, body: '{}', headers: {} });
      assert.equal(r.kind, 'refused', url);
    }
    assert.equal(seen.length, before, 'nothing reached the server');
  });
});
