import type { AppConfig } from '@fleetscope/config';
import type { TopicSpec } from './kafka-admin';

/** The topics Fleetscope owns, created when missing by whichever process starts first. */
export function fleetscopeTopicSpecs(config: AppConfig): TopicSpec[] {
  const { topics, eventsPartitions, replicationFactor } = config.kafka;
  return [
    {
      topic: topics.events,
      numPartitions: eventsPartitions,
      replicationFactor,
      // Producers compress (lz4); keep their batches as they are on disk.
      configs: {
        'compression.type': 'producer',
        'retention.ms': String(7 * 24 * 3600 * 1000),
        // Room for MAX_EVENT_BYTES events that do not compress.
        'max.message.bytes': String(4 * 1024 * 1024),
      },
    },
    {
      // One partition: poison is rare, and one ordered stream is easiest to inspect and replay.
      topic: topics.eventsDlq,
      numPartitions: 1,
      replicationFactor,
      configs: { 'retention.ms': String(30 * 24 * 3600 * 1000) },
    },
    {
      topic: topics.live,
      numPartitions: eventsPartitions,
      replicationFactor,
      configs: { 'retention.ms': String(3600 * 1000) },
    },
  ];
}
