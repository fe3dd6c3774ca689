import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  BackpressureError,
  FleetscopeError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
  formatFieldErrors,
  isFleetscopeError,
  zodIssuesToFieldErrors,
} from './fleetscope-error';

describe('FleetscopeError family', () => {
  const table: [FleetscopeError, string, number, boolean][] = [
    [
      new ValidationError('bad', [{ field: 'app', reason: 'is required' }]),
      'validation_failed',
      400,
      false,
    ],
    [new PayloadTooLargeError('big', 1024), 'payload_too_large', 413, false],
    [
      new UnsupportedMediaTypeError('xml', ['application/json']),
      'unsupported_media_type',
      415,
      false,
    ],
    [new NotFoundError('nope'), 'not_found', 404, false],
    [new UnauthorizedError(), 'unauthorized', 401, false],
    [new BackpressureError('slow down', 5), 'backpressure', 429, true],
    [new UnavailableError('kafka down'), 'unavailable', 503, true],
  ];
  for (const [err, code, status, retriable] of table) {
    it(`${err.constructor.name} → ${status} ${code}`, () => {
      assert.ok(err instanceof FleetscopeError);
      assert.ok(err instanceof Error);
      assert.ok(isFleetscopeError(err));
      assert.equal(err.name, err.constructor.name);
      assert.equal(err.code, code);
      assert.equal(err.httpStatus, status);
      assert.equal(err.retriable, retriable);
      assert.equal(err.toJSON().error, code);
    });
  }

  it('carries details and retryAfterSeconds', () => {
    const v = new ValidationError('bad', [{ field: 'app', reason: 'is required' }]);
    assert.deepEqual(v.toJSON(), {
      error: 'validation_failed',
      message: 'bad',
      details: [{ field: 'app', reason: 'is required' }],
    });
    assert.equal(new BackpressureError('x', 7).retryAfterSeconds, 7);
    assert.equal(new BackpressureError('x').retryAfterSeconds, 1);
    assert.deepEqual(new NotFoundError('gone').toJSON(), { error: 'not_found', message: 'gone' });
  });

  it('keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    assert.equal(new UnavailableError('db down', cause).cause, cause);
  });

  it('isFleetscopeError is false for plain errors', () =>
    assert.equal(isFleetscopeError(new Error('x')), false));
});

describe('zodIssuesToFieldErrors', () => {
  it('maps paths, root issues and unknown keys', () => {
    const schema = z.object({ a: z.object({ b: z.number() }) }).strict();
    const r = schema.safeParse({ a: { b: 'x' }, zz: 1 });
    assert.ok(!r.success);
    const errors = zodIssuesToFieldErrors(r.error);
    assert.deepEqual(errors.map((e) => e.field).sort(), ['a.b', 'zz']);
    assert.ok(errors.every((e) => e.reason.length > 0));
    const root = z.string().safeParse(1);
    assert.ok(!root.success);
    assert.equal(zodIssuesToFieldErrors(root.error)[0]?.field, '(root)');
  });

  it('formatFieldErrors joins them', () => {
    assert.equal(
      formatFieldErrors([
        { field: 'a', reason: 'x' },
        { field: 'b', reason: 'y' },
      ]),
      'a: x; b: y',
    );
  });
});
