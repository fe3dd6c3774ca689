import { Kafka, logLevel } from 'kafkajs';
import { createTestDatabase } from './database';
import { servicesEnv, uniq } from './env';
import { freePort } from './processes';

export interface ClusterFixture {
  /** Environment for api and worker processes: own database, own topic prefix, own ports. */
  env: Record<string, string>;
  base: string;
  port: number;
  metricsPort: number;
  dbUrl: string;
  prefix: string;
  kafka: Kafka;
  /** Drops the database and deletes the run's topics. */
  dispose(): Promise<void>;
}

/**
 * An isolated slice of the local services for one test file: a fresh database and a topic
 * prefix, so files never see each other's events or offsets.
 */
export async function clusterFixture(
  overrides: Record<string, string> = {},
): Promise<ClusterFixture> {
  const services = servicesEnv();
  const prefix = `${uniq('t')}.`;
  const db = await createTestDatabase();
  const port = await freePort();
  const metricsPort = await freePort();
  const kafka = new Kafka({
    brokers: services.KAFKA_BROKERS.split(','),
    clientId: 'fleetscope-test',
    logLevel: logLevel.NOTHING,
  });
  return {
    env: {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: services.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      WORKER_GROUP_ID: `${prefix}workers`,
      PORT: String(port),
      HOST: '127.0.0.1',
      WORKER_METRICS_PORT: String(metricsPort),
      WORKER_METRICS_HOST: '127.0.0.1',
      ...overrides,
    },
    base: `http://127.0.0.1:${port}`,
    port,
    metricsPort,
    dbUrl: db.url,
    prefix,
    kafka,
    dispose: async () => {
      await db.drop();
      const admin = kafka.admin();
      await admin.connect();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
