export { KafkaAdmin } from './kafka-admin';
export type { TopicSpec } from './kafka-admin';
export { RdkafkaProducer, ProducerSaturatedError } from './rdkafka-producer';
export type { OutgoingMessage, ProducerOptions } from './rdkafka-producer';
export { RdkafkaPartitionConsumer } from './rdkafka-partition-consumer';
export type {
  ConsumedMessage,
  PartitionBatch,
  PartitionBatchHandler,
  PartitionConsumerOptions,
} from './rdkafka-partition-consumer';
export { RdkafkaLiveTail } from './rdkafka-live-tail';
export type { LiveTailOptions } from './rdkafka-live-tail';
export { fleetscopeTopicSpecs } from './fleetscope-topics';
export { partitionForKey } from './partition-for-key';
