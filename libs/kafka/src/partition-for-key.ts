// NOTE: kafkajs ships the Java client's murmur2 but does not export it; the file path has been
// stable since kafkajs 1.x. librdkafka's `murmur2_random` partitioner (our producer's) is the
// same function for non-null keys, so this tells which partition a key went to.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: string | Buffer,
) => number;

/** The partition a keyed message lands on: toPositive(murmur2(key)) % partitions. */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
