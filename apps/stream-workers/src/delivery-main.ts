import { createLogger, loadConfigOrExit, onShutdown, runMain } from '@fleetscope/config';
import { migrate, PgSqlClient } from '@fleetscope/db';
import { DeliveryMetrics } from './delivery-metrics';
import { startDeliveryWorker } from './delivery-worker';
import { startMetricsServer, WorkerMetrics } from './worker-metrics';

/**
 * A process that only delivers notifications (no Kafka): `npm run start:delivery`. The
 * stream workers deliver too; run this to scale delivery on its own, or to keep slow
 * receivers away from event processing. Serves /health, /ready and /metrics on
 * WORKER_METRICS_PORT.
 */
runMain(async () => {
  // NOTE: cluster mode requires KAFKA_BROKERS, which this process never uses.
  const config = loadConfigOrExit({
    KAFKA_BROKERS: 'unused:9092',
    ...process.env,
    FLEETSCOPE_MODE: 'cluster',
  });
  const log = createLogger('delivery', config.logLevel);
  const db = new PgSqlClient(config.databaseUrl!, { max: 4 });
  const report = await migrate(db);
  log.info('database ready', { ...report });
  const metrics = new WorkerMetrics();
  const deliveryMetrics = new DeliveryMetrics();
  deliveryMetrics.registerOn(metrics.registry);
  const delivery = await startDeliveryWorker(config, db, log, deliveryMetrics);
  const server = await startMetricsServer(
    config.worker.metricsHost,
    config.worker.metricsPort,
    metrics,
    async () => {
      let database = true;
      try {
        await db.query('SELECT 1');
      } catch {
        database = false;
      }
      return { database, delivery: delivery.ready };
    },
  );
  onShutdown(log, async () => {
    await delivery.stop();
    await new Promise((r) => server.close(r));
    await db.close();
  });
});
