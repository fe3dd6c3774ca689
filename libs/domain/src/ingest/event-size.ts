import type { EventEnvelope } from '../envelope/event-envelope.schema';

const encoder = new TextEncoder();

/**
 * UTF-8 byte length of the event's JSON, i.e. what it costs on Kafka and roughly in the DB.
 * NOTE: `string.length` counts UTF-16 units, not bytes (an emoji is 2 units and 4 bytes), and
 * `Buffer.byteLength` is Node-only; TextEncoder is neither.
 */
export function eventByteSize(e: EventEnvelope): number {
  return encoder.encode(JSON.stringify(e)).length;
}
