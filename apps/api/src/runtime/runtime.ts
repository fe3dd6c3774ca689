import { join, resolve } from 'node:path';
import type { AppConfig, Logger } from '@fleetscope/config';
import { type EventEnvelope, decodeEventMessage } from '@fleetscope/domain';
import {
  ApiKeysRepository,
  EventsRepository,
  migrate,
  PgliteSqlClient,
  PgSqlClient,
  type SqlClient,
  type StorageFlavor,
} from '@fleetscope/db';
import {
  fleetscopeTopicSpecs,
  KafkaAdmin,
  RdkafkaLiveTail,
  RdkafkaProducer,
} from '@fleetscope/kafka';
import { EventPipeline, InProcessEventBus, LiveHub, type EventBus } from '@fleetscope/pipeline';
import { KafkaEventBus } from './kafka-event-bus';

/**
 * Everything the api process holds that is not a Nest provider class: the database, the
 * event bus and the live hub. Built once before Nest starts (the composition root), so the
 * two modes differ only here.
 */
export interface Runtime {
  config: AppConfig;
  db: SqlClient;
  flavor: StorageFlavor;
  bus: EventBus;
  live: LiveHub;
  events: EventsRepository;
  apiKeys: ApiKeysRepository;
  /** Readiness of the moving parts, for /ready. */
  checks(): Promise<Record<string, boolean>>;
  close(): Promise<void>;
}

export const RUNTIME = Symbol('RUNTIME');

export async function createRuntime(config: AppConfig, log: Logger): Promise<Runtime> {
  return config.mode === 'all-in-one' ? createAllInOne(config, log) : createCluster(config, log);
}

async function createAllInOne(config: AppConfig, log: Logger): Promise<Runtime> {
  const dataDir = resolve(config.dataDir);
  const db = config.databaseUrl
    ? new PgSqlClient(config.databaseUrl)
    : await PgliteSqlClient.open(join(dataDir, 'pglite'));
  const { flavor, applied } = await migrate(db);
  log.info('database ready', { adapter: db.kind, flavor, applied, dataDir });
  const live = new LiveHub();
  const bus = new InProcessEventBus(db, new EventPipeline(), live, {
    maxBatchEvents: config.limits.groupCommitMaxEvents,
    maxPendingEvents: config.limits.producerMaxPendingEvents,
  });
  return {
    config,
    db,
    flavor,
    bus,
    live,
    events: new EventsRepository(),
    apiKeys: new ApiKeysRepository(),
    checks: async () => ({ database: await ping(db), bus: bus.ready }),
    close: async () => {
      await bus.close();
      await db.close();
    },
  };
}

async function createCluster(config: AppConfig, log: Logger): Promise<Runtime> {
  const db = new PgSqlClient(config.databaseUrl!);
  const { flavor, applied } = await migrate(db);
  log.info('database ready', { adapter: db.kind, flavor, applied });
  const admin = new KafkaAdmin(config.kafka.brokers, config.kafka.clientId);
  const created = await admin.ensureTopics(fleetscopeTopicSpecs(config));
  if (created.length > 0) log.info('kafka topics created', { topics: created });

  const producer = new RdkafkaProducer({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-api`,
    maxPending: config.limits.producerMaxPendingEvents,
  });
  await producer.connect();
  const live = new LiveHub();
  const tail = new RdkafkaLiveTail(
    {
      brokers: config.kafka.brokers,
      clientId: config.kafka.clientId,
      topic: config.kafka.topics.events,
      log: log.info,
    },
    (value, headers, at) => {
      // Same id and time the workers derive, so the live view and the stored row agree.
      const decoded = decodeEventMessage(value, headers, {
        fallbackId: `${at.topic}:${at.partition}:${at.offset}`,
        now: at.timestamp ? new Date(at.timestamp) : undefined,
        maxEventBytes: config.limits.maxEventBytes,
      });
      // Poison messages are the workers' business (they go to the DLQ there).
      if (decoded.ok) live.emit([decoded.event] as EventEnvelope[]);
    },
  );
  await tail.start();
  const bus = new KafkaEventBus(producer, config.kafka.topics.events);
  return {
    config,
    db,
    flavor,
    bus,
    live,
    events: new EventsRepository(),
    apiKeys: new ApiKeysRepository(),
    checks: async () => ({
      database: await ping(db),
      kafka_producer: producer.isConnected,
      live_tail: tail.ready,
    }),
    close: async () => {
      await tail.stop().catch(() => undefined);
      await producer.disconnect();
      await db.close();
    },
  };
}

async function ping(db: SqlClient): Promise<boolean> {
  try {
    await db.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
