import { createGunzip, createInflate, createBrotliDecompress } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '@fleetscope/domain';

/** An NDJSON body, kept as text: the ingest use case splits and reports per line. */
export class NdjsonBody {
  constructor(readonly text: string) {}
}

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/json-seq',
];

/**
 * Body handling for the whole api:
 * - Content-Encoding gzip / deflate / br is decoded as a stream; MAX_BODY_BYTES applies to the
 *   DECODED size too (Fastify counts the bytes of the stream we return), so a zip bomb ends in
 *   413, not in memory exhaustion.
 * - application/json is parsed here so malformed JSON gets our 400 shape.
 * - NDJSON is passed as text.
 * - any other Content-Type with a body is 415 (Fastify's default for unknown types).
 */
export function registerBodyParsers(fastify: FastifyInstance, maxBodyBytes: number): void {
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = String(request.headers['content-encoding'] ?? 'identity')
      .toLowerCase()
      .trim();
    let decoder: Transform;
    switch (encoding) {
      case 'identity':
      case '':
        return payload;
      case 'gzip':
      case 'x-gzip':
        decoder = createGunzip();
        break;
      case 'deflate':
        decoder = createInflate();
        break;
      case 'br':
        decoder = createBrotliDecompress();
        break;
      default:
        throw new UnsupportedMediaTypeError(
          `Content-Encoding "${encoding}" is not supported (use gzip, deflate, br or identity)`,
        );
    }
    // Fastify compares Content-Length with the ENCODED bytes it read: tell it how many.
    const counted = decoder as Transform & { receivedEncodedLength: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      counted.receivedEncodedLength += chunk.length;
    });
    payload.on('error', (err) => decoder.destroy(err));
    decoder.on('error', () => undefined);
    return payload.pipe(decoder);
  });

  // Only the types we document; Fastify's default text/plain parser would turn a mislabelled
  // body into a confusing "must be an object" 400 instead of a clear 415.
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(
    ['application/json'],
    { parseAs: 'string', bodyLimit: maxBodyBytes },
    (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') {
        done(
          new ValidationError('the request body is empty', [
            { field: '(body)', reason: 'empty body' },
          ]),
          undefined,
        );
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(
          new ValidationError(`malformed JSON: ${(err as Error).message}`, [
            { field: '(body)', reason: `malformed JSON: ${(err as Error).message}` },
          ]),
          undefined,
        );
      }
    },
  );
  fastify.addContentTypeParser(
    NDJSON_TYPES,
    { parseAs: 'string', bodyLimit: maxBodyBytes },
    (_req, body, done) => {
      done(null, new NdjsonBody(String(body)));
    },
  );
}

/** Maps Fastify's own body errors to our error types (413, 415, 400). */
export function translateFastifyError(err: {
  code?: string;
  statusCode?: number;
  message: string;
}): Error | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError(`request body is over the limit: ${err.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(
        `${err.message}; send application/json or application/x-ndjson`,
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ValidationError(err.message, [{ field: '(body)', reason: err.message }]);
    default:
      if (
        err.code === 'Z_DATA_ERROR' ||
        err.code === 'Z_BUF_ERROR' ||
        /incorrect header check|unexpected end of file/.test(err.message)
      ) {
        return new ValidationError(`the body could not be decoded: ${err.message}`, [
          { field: '(body)', reason: `invalid compressed body: ${err.message}` },
        ]);
      }
      return null;
  }
}
