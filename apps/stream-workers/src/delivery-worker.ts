import type { AppConfig, Logger } from '@fleetscope/config';
import type { SqlClient } from '@fleetscope/db';
import {
  createDeliveryRuntime,
  type DeliveryRuntime,
  ensureDefaultChannel,
} from '@fleetscope/delivery';
import type { DeliveryMetrics } from './delivery-metrics';

/**
 * The delivery worker of a cluster: consumes the BullMQ queue on REDIS_URL and runs the
 * outbox relay. Without REDIS_URL it delivers with the in-process queue straight from the
 * database (the relay polls; leases keep several workers from attempting one row twice).
 *
 * It runs inside the stream workers (`startWorkers`) and alone (`delivery-main.ts`,
 * `npm run start:delivery`), which scales delivery apart from the Kafka consumers.
 */
export async function startDeliveryWorker(
  config: AppConfig,
  db: SqlClient,
  log: Logger,
  metrics: DeliveryMetrics,
): Promise<DeliveryRuntime> {
  await ensureDefaultChannel(db, config, log);
  const delivery = createDeliveryRuntime(
    config,
    db,
    config.redisUrl ? 'bullmq-worker' : 'in-process',
    log,
    { onResult: (r, ms) => metrics.record(r, ms) },
  );
  await delivery.start();
  log.info('delivery worker started', {
    role: delivery.role,
    redis: Boolean(config.redisUrl),
    concurrency: config.delivery.concurrency,
  });
  return delivery;
}
