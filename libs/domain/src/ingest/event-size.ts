import type { EventEnvelope } from '../envelope/event-envelope.schema';

const encoder = new TextEncoder();

/**
 * UTF-8 byte length of the event's JSON, i.e. what it costs on Kafka and roughly in the DB.
 * NOTE: `string.length` counts UTF-16 units, not bytes (an emoji is 2 units and 4 bytes), and
 * `Buffer.byteLength` is Node-only; TextEncoder is neither.
 */
export function eventByteSize(e: EventEnvelope): number {
  return utf8ByteLength(JSON.stringify(e));
}

/** Any character beyond 7 bits; without one, the UTF-8 length is the string's length. */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * UTF-8 byte length of a string. An ASCII string (most events) is measured without encoding
 * it: one regular-expression pass instead of a copy into a new byte array.
 */
export function utf8ByteLength(text: string): number {
  return NON_ASCII.test(text) ? encoder.encode(text).length : text.length;
}
