import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configs?: Record<string, string>;
}

/**
 * Topic administration with kafkajs: it speaks the admin protocol in plain JS, so the
 * processes that only manage topics do not need the native client to be connected.
 */
export class KafkaAdmin {
  private readonly kafka: Kafka;

  constructor(brokers: string[], clientId: string) {
    this.kafka = new Kafka({ brokers, clientId: `${clientId}-admin`, logLevel: logLevel.NOTHING });
  }

  /** Creates the missing topics; existing ones are left as they are. Returns the created. */
  async ensureTopics(specs: TopicSpec[]): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing: ITopicConfig[] = specs
        .filter((s) => !existing.has(s.topic))
        .map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
        }));
      if (missing.length > 0) {
        // NOTE: two processes starting together may both try; the loser gets
        // TOPIC_ALREADY_EXISTS, which kafkajs reports as `false`, not as an error.
        await admin.createTopics({ topics: missing, waitForLeaders: true });
      }
      return missing.map((m) => m.topic);
    } finally {
      await admin.disconnect();
    }
  }

  async partitionCount(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      return meta.topics[0]?.partitions.length ?? 0;
    } finally {
      await admin.disconnect();
    }
  }
}
