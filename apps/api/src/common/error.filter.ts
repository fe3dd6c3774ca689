import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { BackpressureError, FleetscopeError } from '@fleetscope/domain';
import type { FastifyReply } from 'fastify';
import type { Logger } from '@fleetscope/config';
import { translateFastifyError } from '../ingest/body-parsers';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

/**
 * The one place errors become responses. Our typed errors carry their status and code;
 * Nest and Fastify errors keep theirs; anything else is a 500 with no internals leaked.
 */
export function toErrorBody(err: unknown, log?: Logger): { body: ErrorBody; retryAfter?: number } {
  if (err instanceof FleetscopeError) {
    return {
      body: {
        statusCode: err.httpStatus,
        error: err.code,
        message: err.message,
        ...(err.details !== undefined ? { details: err.details } : {}),
      },
      ...(err instanceof BackpressureError ? { retryAfter: err.retryAfterSeconds } : {}),
    };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : (messageOf((response as { message?: unknown }).message) ?? err.message);
    return { body: { statusCode: status, error: codeFor(status), message } };
  }
  const e = err as { code?: string; statusCode?: number; message?: string };
  const translated =
    e && typeof e.message === 'string' ? translateFastifyError(e as { message: string }) : null;
  if (translated) return toErrorBody(translated, log);
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      body: {
        statusCode: e.statusCode,
        error: codeFor(e.statusCode),
        message: e.message ?? 'bad request',
      },
    };
  }
  log?.error('unhandled error', { error: String(err), stack: (err as Error)?.stack });
  return { body: { statusCode: 500, error: 'internal_error', message: 'internal server error' } };
}

/** Nest puts a string or a list of strings in `message`. */
function messageOf(m: unknown): string | undefined {
  if (typeof m === 'string') return m;
  if (Array.isArray(m))
    return m.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('; ');
  return undefined;
}

function codeFor(status: number): string {
  const codes: Record<number, string> = {
    400: 'bad_request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    409: 'conflict',
    413: 'payload_too_large',
    415: 'unsupported_media_type',
    429: 'too_many_requests',
    503: 'unavailable',
  };
  return codes[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

export function sendError(reply: FastifyReply, err: unknown, log?: Logger): void {
  const { body, retryAfter } = toErrorBody(err, log);
  if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
  if (body.statusCode === 401) void reply.header('WWW-Authenticate', 'Bearer realm="fleetscope"');
  void reply.status(body.statusCode).send(body);
}

@Catch()
export class AllErrorsFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    sendError(host.switchToHttp().getResponse<FastifyReply>(), exception, this.log);
  }
}
