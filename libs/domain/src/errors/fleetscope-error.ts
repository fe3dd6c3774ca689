import type { z } from 'zod';

/** A field-level problem, shaped like an `IngestRejection` without its index. */
export interface FieldError {
  field: string;
  reason: string;
}

export interface FleetscopeErrorOptions {
  code: string;
  httpStatus: number;
  retriable?: boolean;
  details?: unknown;
  cause?: unknown;
}

/**
 * Base of every error that crosses a boundary (HTTP, WebSocket, DLQ). The API maps it to
 * `httpStatus` and a body from {@link FleetscopeError.toJSON}; anything that is not a
 * FleetscopeError is a bug and becomes a 500 without leaking its message.
 */
export class FleetscopeError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly retriable: boolean;
  readonly details?: unknown;

  constructor(message: string, options: FleetscopeErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // NOTE: with CommonJS/ES2022 output `name` would otherwise stay "Error" for subclasses.
    this.name = new.target.name;
    this.code = options.code;
    this.httpStatus = options.httpStatus;
    this.retriable = options.retriable ?? false;
    if (options.details !== undefined) this.details = options.details;
  }

  /** The error body sent to clients: `{ error: code, message, details? }`. */
  toJSON(): { error: string; message: string; details?: unknown } {
    return this.details === undefined
      ? { error: this.code, message: this.message }
      : { error: this.code, message: this.message, details: this.details };
  }
}

export class ValidationError extends FleetscopeError {
  declare readonly details: FieldError[];
  constructor(message: string, details: FieldError[], cause?: unknown) {
    super(message, { code: 'validation_failed', httpStatus: 400, details, cause });
  }
}

export class PayloadTooLargeError extends FleetscopeError {
  constructor(
    message: string,
    readonly limitBytes?: number,
  ) {
    super(message, {
      code: 'payload_too_large',
      httpStatus: 413,
      details: limitBytes === undefined ? undefined : { limit_bytes: limitBytes },
    });
  }
}

export class UnsupportedMediaTypeError extends FleetscopeError {
  constructor(
    message: string,
    readonly supported: readonly string[] = [],
  ) {
    super(message, {
      code: 'unsupported_media_type',
      httpStatus: 415,
      details: supported.length === 0 ? undefined : { supported },
    });
  }
}

export class NotFoundError extends FleetscopeError {
  constructor(message: string) {
    super(message, { code: 'not_found', httpStatus: 404 });
  }
}

export class UnauthorizedError extends FleetscopeError {
  constructor(message = 'missing or invalid API key') {
    super(message, { code: 'unauthorized', httpStatus: 401 });
  }
}

/** The pipeline is saturated (e.g. the Kafka producer buffer is full): retry later. */
export class BackpressureError extends FleetscopeError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number = 1,
  ) {
    super(message, {
      code: 'backpressure',
      httpStatus: 429,
      retriable: true,
      details: { retry_after_seconds: retryAfterSeconds },
    });
  }
}

/** A dependency (Kafka, PostgreSQL) is down. */
export class UnavailableError extends FleetscopeError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'unavailable', httpStatus: 503, retriable: true, cause });
  }
}

export function isFleetscopeError(err: unknown): err is FleetscopeError {
  return err instanceof FleetscopeError;
}

/** `{ field: 'filter.severity', reason: 'Number must be less than or equal to 4' }` per zod issue. */
export function zodIssuesToFieldErrors(error: z.ZodError): FieldError[] {
  const fieldOf = (path: readonly (string | number)[]): string =>
    path.length > 0 ? path.join('.') : '(root)';
  return error.issues.flatMap((issue): FieldError[] =>
    // Name each unknown key itself rather than its parent object.
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), reason: 'unknown field' }))
      : [{ field: fieldOf(issue.path), reason: issue.message }],
  );
}

/** One line for logs, DLQ headers and WebSocket errors: `field: reason; field: reason`. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
}
