import type { AppConfig, Logger } from '@fleetscope/config';
import type { SqlClient } from '@fleetscope/db';
import {
  createDeliveryRuntime,
  type DeliveryRole,
  type DeliveryRuntime,
  ensureDefaultChannel,
} from '@fleetscope/delivery';

/**
 * Delivery in the api process. All-in-one: the in-process queue and the outbox relay run
 * here and deliver. Cluster: the api only enqueues (BullMQ on REDIS_URL; without Redis it
 * enqueues nothing and the workers' relay picks the rows up from the database).
 */
export async function startApiDelivery(
  config: AppConfig,
  db: SqlClient,
  log: Logger,
): Promise<DeliveryRuntime> {
  await ensureDefaultChannel(db, config, log);
  const role: DeliveryRole = config.mode === 'all-in-one' ? 'in-process' : 'producer';
  const delivery = createDeliveryRuntime(config, db, role, log);
  await delivery.start();
  log.info('alert delivery ready', {
    role,
    queue: delivery.queue.constructor.name,
    allowPrivate: config.delivery.allowPrivate,
  });
  return delivery;
}
