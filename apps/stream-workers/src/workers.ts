import type { Server } from 'node:http';
import type { AppConfig, Logger } from '@fleetscope/config';
import { migrate, PgSqlClient } from '@fleetscope/db';
import {
  fleetscopeTopicSpecs,
  KafkaAdmin,
  RdkafkaPartitionConsumer,
  RdkafkaProducer,
} from '@fleetscope/kafka';
import { EventPipeline } from '@fleetscope/pipeline';
import { EventBatchHandler } from './event-batch.handler';
import { startMetricsServer, WorkerMetrics } from './worker-metrics';

export interface RunningWorkers {
  consumer: RdkafkaPartitionConsumer;
  metrics: WorkerMetrics;
  metricsServer: Server;
  stop(): Promise<void>;
}

/**
 * Starts the stream workers: consumer group `WORKER_GROUP_ID` on fleetscope.events.v1, one
 * transaction per partition batch, offsets in the database.
 */
export async function startWorkers(config: AppConfig, log: Logger): Promise<RunningWorkers> {
  const db = new PgSqlClient(config.databaseUrl!, { max: 4 });
  const report = await migrate(db);
  log.info('database ready', { ...report });

  const admin = new KafkaAdmin(config.kafka.brokers, config.kafka.clientId);
  await admin.ensureTopics(fleetscopeTopicSpecs(config));

  const dlq = new RdkafkaProducer({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-workers-dlq`,
    maxPending: 100_000,
    // Dead letters are few and read by people and ad-hoc tools: use the codec every client has.
    compression: 'gzip',
  });
  await dlq.connect();

  const metrics = new WorkerMetrics();
  const handler = new EventBatchHandler(
    db,
    new EventPipeline(),
    dlq,
    config.worker.groupId,
    config.kafka.topics.eventsDlq,
    config.limits.maxEventBytes,
    (o) => {
      metrics.record(o);
      if (o.deadLettered > 0)
        log.warn('messages sent to the dead-letter topic', { count: o.deadLettered });
    },
  );
  const consumer = new RdkafkaPartitionConsumer(
    {
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-workers`,
      groupId: config.worker.groupId,
      topic: config.kafka.topics.events,
      batchSize: config.worker.batchSize,
      log: log.info,
    },
    metrics.instrument(handler),
  );
  await consumer.start();

  const metricsServer = await startMetricsServer(
    config.worker.metricsHost,
    config.worker.metricsPort,
    metrics,
    async () => {
      metrics.assigned.set(consumer.assignedPartitions.length);
      let database = true;
      try {
        await db.query('SELECT 1');
      } catch {
        database = false;
      }
      return { database, kafka: consumer.isConnected, dlq_producer: dlq.isConnected };
    },
  );
  log.info('workers running', {
    group: config.worker.groupId,
    metricsPort: config.worker.metricsPort,
  });

  return {
    consumer,
    metrics,
    metricsServer,
    stop: async () => {
      await consumer.stop();
      await dlq.disconnect();
      await new Promise((r) => metricsServer.close(r));
      await db.close();
    },
  };
}
