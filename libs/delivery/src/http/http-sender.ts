import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { RESPONSE_EXCERPT_BYTES } from '@fleetscope/db';
import { blockedRange, guardedLookup, hostOf, SsrfRefusedError } from './ssrf-guard';

/**
 * One HTTP POST of a notification, with what the retry policy and the attempt log need.
 *
 * `node:http` rather than fetch: it never follows redirects, takes a `lookup` hook (the SSRF
 * guard checks the address the socket really connects to) and lets us stop reading a body
 * after its first KiB. One connection per attempt (no agent): attempts are minutes apart.
 */

export interface SendRequest {
  url: string;
  /** JSON text, or the bytes of an encrypted Web Push message. */
  body: string | Uint8Array;
  /** Lower-case names replace the defaults (content-type, content-length, user-agent). */
  headers: Record<string, string>;
}

export type SendResult =
  | {
      kind: 'response';
      status: number;
      retryAfter: string | null;
      location: string | null;
      /** The first KiB of the body (UTF-8, possibly cut). */
      excerpt: string;
      durationMs: number;
    }
  | { kind: 'timeout'; durationMs: number }
  | { kind: 'network'; error: string; durationMs: number }
  | { kind: 'refused'; reason: string; durationMs: number };

export interface HttpSenderOptions {
  /** Whole attempt: connect, request, response headers and the excerpt. */
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: no SSRF guard. */
  allowPrivate: boolean;
  userAgent?: string;
}

/** The port processors send through; tests of the processor use the real one. */
export interface NotificationSender {
  send(req: SendRequest): Promise<SendResult>;
}

export class HttpSender implements NotificationSender {
  constructor(private readonly options: HttpSenderOptions) {}

  send(req: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.resolve({ kind: 'refused', reason: 'invalid URL', durationMs: 0 });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.resolve({
        kind: 'refused',
        reason: `unsupported protocol ${url.protocol}`,
        durationMs: 0,
      });
    }
    const host = hostOf(url);
    if (!this.options.allowPrivate && isIP(host) !== 0) {
      // NOTE: Node skips `lookup` for IP literals, so they are checked here.
      const range = blockedRange(host);
      if (range) {
        const refused = new SsrfRefusedError(host, host, range);
        return Promise.resolve({ kind: 'refused', reason: refused.message, durationMs: 0 });
      }
    }
    const body =
      typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;

    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req_ = request(url, {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': this.options.userAgent ?? 'Fleetscope-Webhooks/0.1',
          ...req.headers,
        },
        ...(this.options.allowPrivate ? {} : { lookup: guardedLookup }),
      });
      const timer = setTimeout(() => {
        finish({ kind: 'timeout', durationMs: elapsed() });
        req_.destroy();
      }, this.options.timeoutMs);
      req_.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof SsrfRefusedError) {
          finish({ kind: 'refused', reason: err.message, durationMs: elapsed() });
        } else {
          finish({ kind: 'network', error: describe(err), durationMs: elapsed() });
        }
      });
      req_.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const excerpt = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES);
          finish({
            kind: 'response',
            status: res.statusCode ?? 0,
            retryAfter: header(res, 'retry-after'),
            location: header(res, 'location'),
            excerpt: excerpt.toString('utf8').replace(/\uFFFD+$/, ''),
            durationMs: elapsed(),
          });
        };
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // The status decides; the rest of a large body is not worth reading.
          if (size >= RESPONSE_EXCERPT_BYTES) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        // A body cut by the peer after the status arrived still counts as that status.
        res.on('error', done);
        res.on('aborted', done);
      });
      req_.end(body);
    });
  }
}

function header(res: IncomingMessage, name: string): string | null {
  const v = res.headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? (v[0] ?? null) : v;
}

function describe(err: NodeJS.ErrnoException): string {
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
