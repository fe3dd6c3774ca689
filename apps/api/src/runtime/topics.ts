import type { AppConfig } from '@fleetscope/config';
import { TOPICS } from '@fleetscope/domain';
import type { TopicSpec } from '@fleetscope/kafka';

/** The topics Fleetscope owns, created when missing by whichever process starts first. */
export function eventTopicSpecs(config: AppConfig): TopicSpec[] {
  const rf = config.kafka.replicationFactor;
  return [
    {
      topic: TOPICS.events,
      numPartitions: config.kafka.eventsPartitions,
      replicationFactor: rf,
      // Producers compress (lz4); keep their batches as they are on disk.
      configs: { 'compression.type': 'producer', 'retention.ms': String(7 * 24 * 3600 * 1000) },
    },
    {
      topic: TOPICS.eventsDlq,
      numPartitions: 1,
      replicationFactor: rf,
      configs: { 'retention.ms': String(30 * 24 * 3600 * 1000) },
    },
    {
      topic: TOPICS.live,
      numPartitions: config.kafka.eventsPartitions,
      replicationFactor: rf,
      configs: { 'retention.ms': String(3600 * 1000) },
    },
  ];
}
