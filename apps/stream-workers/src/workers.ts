import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { eventMessageKey } from '@fleetscope/domain';
import type { AppConfig, Logger } from '@fleetscope/config';
import { applyStoragePolicies, migrate, PgSqlClient, StorageMaintenance } from '@fleetscope/db';
import {
  fleetscopeTopicSpecs,
  KafkaAdmin,
  partitionForKey,
  RdkafkaPartitionConsumer,
  RdkafkaProducer,
} from '@fleetscope/kafka';
import {
  AlertRunner,
  EventPipeline,
  OutboxAlertNotifier,
  StreamAnalytics,
} from '@fleetscope/pipeline';
import type { DeliveryRuntime } from '@fleetscope/delivery';
import { DeliveryMetrics } from './delivery-metrics';
import { startDeliveryWorker } from './delivery-worker';
import { EventBatchHandler } from './event-batch.handler';
import { startMetricsServer, WorkerMetrics } from './worker-metrics';

export interface RunningWorkers {
  consumer: RdkafkaPartitionConsumer;
  metrics: WorkerMetrics;
  metricsServer: Server;
  /** Alert delivery: `delivery.enqueue(ids)` after a transaction that wrote outbox rows commits. */
  delivery: DeliveryRuntime;
  stop(): Promise<void>;
}

/**
 * Starts the stream workers: consumer group `WORKER_GROUP_ID` on fleetscope.events.v1, one
 * transaction per partition batch, offsets in the database.
 */
export async function startWorkers(config: AppConfig, log: Logger): Promise<RunningWorkers> {
  // One connection per concurrent partition batch, plus analytics, alerts and delivery.
  const db = new PgSqlClient(config.databaseUrl!, { max: config.worker.concurrency + 3 });
  const report = await migrate(db);
  log.info('database ready', { ...report });
  const retention = {
    retentionDays: config.retentionDays,
    rollupRetentionDays: config.rollupRetentionDays,
  };
  await applyStoragePolicies(db, report.flavor, retention);
  // Plain PostgreSQL: batched retention deletes (a TimescaleDB server runs its own jobs).
  const maintenance = new StorageMaintenance(db, report.flavor, retention, log);
  maintenance.start();

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

  // Derived updates (window stats, anomaly transitions) for every api replica's live view.
  const liveProducer = new RdkafkaProducer({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-workers-live`,
    maxPending: 100_000,
  });
  await liveProducer.connect();
  const source = `${hostname()}-${process.pid}`;
  const analytics = new StreamAnalytics(
    db,
    {
      publish: (update) =>
        liveProducer.send([
          {
            topic: config.kafka.topics.live,
            key: update.project_id,
            value: JSON.stringify(update),
          },
        ]),
    },
    {
      source,
      allowedLatenessMs: config.analytics.allowedLatenessMs,
      idleMs: config.analytics.idleMs,
      statsIntervalMs: config.analytics.statsIntervalMs,
      anomalies: {
        enabled: config.anomalyDetection,
        sensitivity: config.analytics.anomalySensitivity,
        minVolume: config.analytics.anomalyMinVolume,
        seasonal: report.flavor === 'timescaledb',
      },
    },
    log,
  );
  // Alert delivery: the BullMQ worker on REDIS_URL (else in-process over the database).
  const deliveryMetrics = new DeliveryMetrics();
  const delivery = await startDeliveryWorker(config, db, log, deliveryMetrics);
  analytics.start();
  const alerts = config.alerts.enabled
    ? new AlertRunner(
        db,
        {
          publish: (update) =>
            liveProducer.send([
              {
                topic: config.kafka.topics.live,
                key: update.project_id,
                value: JSON.stringify(update),
              },
            ]),
        },
        new OutboxAlertNotifier(delivery, config.delivery.publicUrl),
        log,
      )
    : undefined;
  alerts?.start();

  const metrics = new WorkerMetrics();
  metrics.lateEventsSource = () => analytics.lateEvents;
  deliveryMetrics.registerOn(metrics.registry);
  const handler = new EventBatchHandler(
    db,
    new EventPipeline(),
    dlq,
    config.worker.groupId,
    config.kafka.topics.eventsDlq,
    config.limits.maxEventBytes,
    (o) => {
      analytics.observe(o.fresh);
      alerts?.observe(o.fresh);
      metrics.record(o);
      if (o.deadLettered > 0)
        log.warn('messages sent to the dead-letter topic', { count: o.deadLettered });
    },
    // A new assignment: rebuild the windows from the stored events of these partitions'
    // sessions (same partitioner as the producers: murmur2 of project_id:session_id).
    async (partitions) => {
      const mine = new Set(partitions);
      const keep = (e: { project_id: string; session_id: string }) =>
        mine.has(partitionForKey(eventMessageKey(e), config.kafka.eventsPartitions));
      // App and agent series span partitions (the key is the session): detect and alert on
      // them only with the whole topic in view.
      const fullView = partitions.length >= config.kafka.eventsPartitions;
      await analytics.rebuild(keep, fullView);
      await alerts?.rebuild(keep, fullView);
    },
  );
  const consumer = new RdkafkaPartitionConsumer(
    {
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-workers`,
      groupId: config.worker.groupId,
      topic: config.kafka.topics.events,
      batchSize: config.worker.batchSize,
      concurrency: config.worker.concurrency,
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
    delivery,
    stop: async () => {
      await consumer.stop();
      await alerts?.stop();
      await analytics.stop();
      await liveProducer.disconnect();
      await delivery.stop();
      await maintenance.stop();
      await dlq.disconnect();
      await new Promise((r) => metricsServer.close(r));
      await db.close();
    },
  };
}
