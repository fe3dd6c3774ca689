import {
  BackpressureError,
  EVENT_SCHEMA_VERSION,
  KAFKA_HEADERS,
  UnavailableError,
  encodeEventMessage,
  eventMessageKey,
  type EventEnvelope,
} from '@fleetscope/domain';
import { ProducerSaturatedError, type RdkafkaProducer } from '@fleetscope/kafka';
import type { EventBus } from '@fleetscope/pipeline';

const HEADERS: Readonly<Record<string, string>> = {
  [KAFKA_HEADERS.contentType]: 'application/json',
  [KAFKA_HEADERS.schemaVersion]: String(EVENT_SCHEMA_VERSION),
};

/** Cluster-mode bus: events go to fleetscope.events.v1, keyed project:session. */
export class KafkaEventBus implements EventBus {
  constructor(
    private readonly producer: RdkafkaProducer,
    private readonly topic: string,
  ) {}

  get ready(): boolean {
    return this.producer.isConnected;
  }

  async publish(events: readonly EventEnvelope[], json?: readonly string[]): Promise<void> {
    try {
      await this.producer.send(
        events.map((e, i) => ({
          topic: this.topic,
          key: eventMessageKey(e),
          value: json?.[i] ?? encodeEventMessage(e),
          headers: HEADERS,
        })),
      );
    } catch (err) {
      if (err instanceof ProducerSaturatedError) {
        throw new BackpressureError(err.message, 1);
      }
      throw new UnavailableError(`Kafka did not acknowledge the events: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
