import { join, resolve } from 'node:path';
import type { AppConfig, Logger } from '@fleetscope/config';
import {
  type EventEnvelope,
  decodeEventMessage,
  decodeLiveUpdate,
  defaultAlertRules,
  type LiveUpdate,
} from '@fleetscope/domain';
import {
  AlertRulesRepository,
  AnalystQueriesRepository,
  ApiKeysRepository,
  applyStoragePolicies,
  EventsRepository,
  migrate,
  StorageMaintenance,
  PgliteSqlClient,
  PgSqlClient,
  SavedQueriesRepository,
  type SqlClient,
  type StorageFlavor,
} from '@fleetscope/db';
import {
  fleetscopeTopicSpecs,
  KafkaAdmin,
  RdkafkaLiveTail,
  RdkafkaProducer,
} from '@fleetscope/kafka';
import {
  AlertRunner,
  EventPipeline,
  InProcessEventBus,
  LiveHub,
  OutboxAlertNotifier,
  StreamAnalytics,
  type AlertNotifier,
  type EventBus,
} from '@fleetscope/pipeline';
import type { DeliveryRuntime } from '@fleetscope/delivery';
import { startApiDelivery } from './delivery-runtime';
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
  /** The SQL console's statements and saved queries. */
  analystQueries: AnalystQueriesRepository;
  savedQueries: SavedQueriesRepository;
  /** Alert delivery: `delivery.enqueue(ids)` after a transaction that wrote outbox rows commits. */
  delivery: DeliveryRuntime;
  /** Publishes a derived update to every replica's live subscribers (live.v1 in cluster mode). */
  publishUpdate(update: LiveUpdate): Promise<void>;
  /** Notifications of alert transitions made over the API (acknowledge, resolve). */
  alertNotifier: AlertNotifier | undefined;
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
  const retention = {
    retentionDays: config.retentionDays,
    rollupRetentionDays: config.rollupRetentionDays,
  };
  await applyStoragePolicies(db, flavor, retention);
  // Embedded TimescaleDB has no background workers: refreshes and retention run from here.
  const maintenance = new StorageMaintenance(db, flavor, retention, log);
  maintenance.start();
  const delivery = await startApiDelivery(config, db, log);
  const live = new LiveHub();
  const analytics = new StreamAnalytics(
    db,
    { publish: (update) => live.emitUpdate(update) },
    {
      source: 'all-in-one',
      allowedLatenessMs: config.analytics.allowedLatenessMs,
      idleMs: config.analytics.idleMs,
      statsIntervalMs: config.analytics.statsIntervalMs,
      anomalies: {
        enabled: config.anomalyDetection,
        sensitivity: config.analytics.anomalySensitivity,
        minVolume: config.analytics.anomalyMinVolume,
        seasonal: flavor === 'timescaledb',
      },
    },
    log,
  );
  await analytics.rebuild();
  analytics.start();
  await ensureDefaultAlertRules(db, config);
  const alertNotifier = new OutboxAlertNotifier(delivery, config.delivery.publicUrl);
  const alerts = config.alerts.enabled
    ? new AlertRunner(db, { publish: (update) => live.emitUpdate(update) }, alertNotifier, log)
    : undefined;
  await alerts?.rebuild();
  alerts?.start();
  const bus = new InProcessEventBus(db, new EventPipeline(), live, {
    maxBatchEvents: config.limits.groupCommitMaxEvents,
    maxPendingEvents: config.limits.producerMaxPendingEvents,
    onCommitted: (result) => {
      analytics.observe(result.fresh);
      alerts?.observe(result.fresh);
    },
  });
  return {
    config,
    db,
    flavor,
    bus,
    live,
    events: new EventsRepository(),
    apiKeys: new ApiKeysRepository(),
    analystQueries: new AnalystQueriesRepository(),
    savedQueries: new SavedQueriesRepository(),
    delivery,
    publishUpdate: async (update) => live.emitUpdate(update),
    alertNotifier,
    checks: async () => ({ database: await ping(db), bus: bus.ready }),
    close: async () => {
      await bus.close();
      await alerts?.stop();
      await analytics.stop();
      await delivery.stop();
      await maintenance.stop();
      await db.close();
    },
  };
}

async function createCluster(config: AppConfig, log: Logger): Promise<Runtime> {
  const db = new PgSqlClient(config.databaseUrl!);
  const { flavor, applied } = await migrate(db);
  log.info('database ready', { adapter: db.kind, flavor, applied });
  await applyStoragePolicies(db, flavor, {
    retentionDays: config.retentionDays,
    rollupRetentionDays: config.rollupRetentionDays,
  });
  await ensureDefaultAlertRules(db, config);
  const delivery = await startApiDelivery(config, db, log);
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
      // NOTE: with no WebSocket client connected nothing reads the events; decoding and
      // validating each one was about a tenth of the api's JavaScript time under ingest.
      active: () => live.hasEventListeners,
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
  // Derived updates (window stats, anomalies) from the workers, for the same subscribers.
  const updatesTail = new RdkafkaLiveTail(
    {
      brokers: config.kafka.brokers,
      clientId: `${config.kafka.clientId}-updates`,
      topic: config.kafka.topics.live,
      log: log.info,
    },
    (value) => {
      const update = decodeLiveUpdate(value);
      if (update) live.emitUpdate(update);
    },
  );
  await updatesTail.start();
  const bus = new KafkaEventBus(producer, config.kafka.topics.events);
  return {
    config,
    db,
    flavor,
    bus,
    live,
    events: new EventsRepository(),
    apiKeys: new ApiKeysRepository(),
    analystQueries: new AnalystQueriesRepository(),
    savedQueries: new SavedQueriesRepository(),
    delivery,
    publishUpdate: (update) =>
      producer.send([
        { topic: config.kafka.topics.live, key: update.project_id, value: JSON.stringify(update) },
      ]),
    alertNotifier: new OutboxAlertNotifier(delivery, config.delivery.publicUrl),
    checks: async () => ({
      database: await ping(db),
      kafka_producer: producer.isConnected,
      live_tail: tail.ready,
      updates_tail: updatesTail.ready,
    }),
    close: async () => {
      await tail.stop().catch(() => undefined);
      await updatesTail.stop().catch(() => undefined);
      await producer.disconnect();
      await delivery.stop();
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

/** The seed's default rules (ENABLE_ALERTS), created once for the default project. */
export async function ensureDefaultAlertRules(db: SqlClient, config: AppConfig): Promise<void> {
  if (!config.alerts.enabled) return;
  const repo = new AlertRulesRepository();
  for (const { key, spec } of defaultAlertRules(config.alerts)) {
    await repo.ensureDefault(db, config.auth.defaultProjectId, key, spec);
  }
}
