import { z } from 'zod';
import { TOPICS } from '@fleetscope/domain';

/**
 * The one configuration object. Parsed once at start-up from the environment (and the
 * command line's mode flag); nothing else in the code base reads `process.env`.
 *
 * Env names of the seed (PORT, ENABLE_AUTH, OBSERVABILITY_API_KEY, ENABLE_ALERTS, WEBHOOK_URL,
 * ERROR_RATE_THRESHOLD, EVENT_RATE_THRESHOLD, RESPONSE_TIME_THRESHOLD, ENABLE_TRACING,
 * ENABLE_ANOMALY_DETECTION, RETENTION_DAYS, MAX_EVENTS_PER_QUERY) keep their meaning and defaults.
 */

const bool = (defaultValue: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected true or false, got "${v}"` });
      return z.NEVER;
    });

const int = (defaultValue: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected an integer in [${min}, ${max}], got "${v}"`,
        });
        return z.NEVER;
      }
      return n;
    });

const num = (defaultValue: number, min: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `expected a number ≥ ${min}, got "${v}"`,
        });
        return z.NEVER;
      }
      return n;
    });

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

export const envSchema = z.object({
  FLEETSCOPE_MODE: z.enum(['all-in-one', 'cluster']).default('cluster'),
  PORT: int(3001, 0, 65535),
  HOST: z.string().trim().default('0.0.0.0'),
  DATA_DIR: z.string().trim().default('./data'),
  DATABASE_URL: optionalString,
  KAFKA_BROKERS: optionalString,
  KAFKA_CLIENT_ID: z.string().default('fleetscope'),
  // Prepended to every topic name: several deployments (or test runs) can share one cluster.
  KAFKA_TOPIC_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
  KAFKA_EVENTS_PARTITIONS: int(12, 1, 10_000),
  KAFKA_REPLICATION_FACTOR: int(1, 1, 10),
  REDIS_URL: optionalString,

  ENABLE_AUTH: bool(false),
  OBSERVABILITY_API_KEY: optionalString,
  DEFAULT_PROJECT_ID: z.string().trim().min(1).max(128).default('default'),

  MAX_EVENT_BYTES: int(1024 * 1024, 1024),
  MAX_BODY_BYTES: int(32 * 1024 * 1024, 1024),
  MAX_BATCH_EVENTS: int(10_000, 1),
  MAX_EVENTS_PER_QUERY: int(1000, 1),
  PRODUCER_MAX_PENDING_EVENTS: int(200_000, 1),
  INGEST_GROUP_COMMIT_MAX_EVENTS: int(5_000, 1),

  WORKER_GROUP_ID: z.string().default('fleetscope-workers'),
  WORKER_BATCH_SIZE: int(2_000, 1),
  // Partition batches a worker stores at the same time (one transaction and connection each).
  WORKER_CONCURRENCY: int(1, 1, 32),
  WORKER_METRICS_PORT: int(9464, 0, 65535),
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),

  WS_CLIENT_BUFFER_BYTES: int(4 * 1024 * 1024, 1024),
  // SQL console (WebSocket `query`, POST /query): statement_timeout and row cap per statement.
  QUERY_TIMEOUT_MS: int(10_000, 100, 600_000),
  QUERY_MAX_ROWS: int(10_000, 1, 1_000_000),
  // Embedded database only (it cannot interrupt a statement): refuse plans estimated above
  // this cost. ~300,000 is ~10 s of PGlite on two cores.
  QUERY_MAX_COST: int(300_000, 1),

  RETENTION_DAYS: int(30, 1),
  // 1h and 1d rollups and anomalies outlive raw events (downsampled retention).
  ROLLUP_RETENTION_DAYS: int(400, 1),
  // Event-time windows: an event older than the watermark minus this is late (stored,
  // counted, not windowed).
  WINDOW_ALLOWED_LATENESS_MS: int(5_000, 0, 3_600_000),
  // Silence advances the watermark after this long, so a quiet fleet's windows still close.
  WINDOW_IDLE_MS: int(2_000, 0, 3_600_000),
  STATS_INTERVAL_MS: int(1_000, 100, 60_000),
  // Robust z-score threshold of the detectors; lower is more sensitive.
  ANOMALY_SENSITIVITY: num(4, 1),
  // Events per minute below which a spike (or a baseline, for drops) is too small to flag.
  ANOMALY_MIN_VOLUME: int(20, 1),
  ENABLE_ALERTS: bool(true),
  WEBHOOK_URL: optionalString,
  // Alert delivery (libs/delivery): see docs/operations.md, "Alert delivery".
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  WEBHOOK_RETRY_BASE_MS: int(5_000, 10, 3_600_000),
  WEBHOOK_RETRY_MAX_MS: int(36_000_000, 1_000, 7 * 86_400_000),
  WEBHOOK_MAX_ATTEMPTS: int(12, 1, 100),
  WEBHOOK_TIMEOUT_MS: int(15_000, 100, 120_000),
  WEBHOOK_CONCURRENCY: int(8, 1, 256),
  WEBHOOK_RELAY_INTERVAL_MS: int(5_000, 100, 600_000),
  // BullMQ key namespace in Redis.
  REDIS_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only')
    .default('fleetscope'),
  // Base of links in notifications (GET /alerts/:id); default http://localhost:PORT.
  PUBLIC_URL: optionalString,
  // Web Push (VAPID, RFC 8292). Unset keys: a pair is generated once and kept in the database.
  VAPID_PUBLIC_KEY: optionalString,
  VAPID_PRIVATE_KEY: optionalString,
  // mailto: or https: contact for push services; default PUBLIC_URL when https, else a mailto.
  VAPID_SUBJECT: optionalString,
  ERROR_RATE_THRESHOLD: num(0.1, 0),
  EVENT_RATE_THRESHOLD: num(100, 0),
  RESPONSE_TIME_THRESHOLD: num(5000, 0),
  ENABLE_TRACING: bool(true),
  ENABLE_ANOMALY_DETECTION: bool(false),

  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface AppConfig {
  mode: 'all-in-one' | 'cluster';
  http: { host: string; port: number };
  dataDir: string;
  databaseUrl: string | undefined;
  kafka: {
    brokers: string[];
    clientId: string;
    topics: { events: string; eventsDlq: string; live: string };
    eventsPartitions: number;
    replicationFactor: number;
  };
  redisUrl: string | undefined;
  auth: { enabled: boolean; apiKey: string | undefined; defaultProjectId: string };
  limits: {
    maxEventBytes: number;
    maxBodyBytes: number;
    maxBatchEvents: number;
    maxEventsPerQuery: number;
    producerMaxPendingEvents: number;
    groupCommitMaxEvents: number;
  };
  worker: {
    groupId: string;
    batchSize: number;
    concurrency: number;
    metricsPort: number;
    metricsHost: string;
  };
  ws: { clientBufferBytes: number };
  query: { timeoutMs: number; maxRows: number; maxCost: number };
  retentionDays: number;
  rollupRetentionDays: number;
  analytics: {
    allowedLatenessMs: number;
    idleMs: number;
    statsIntervalMs: number;
    anomalySensitivity: number;
    anomalyMinVolume: number;
  };
  alerts: {
    enabled: boolean;
    webhookUrl: string | undefined;
    errorRateThreshold: number;
    eventRateThresholdPerMinute: number;
    responseTimeThresholdMs: number;
  };
  delivery: {
    allowPrivate: boolean;
    retryBaseMs: number;
    retryMaxMs: number;
    maxAttempts: number;
    timeoutMs: number;
    concurrency: number;
    relayIntervalMs: number;
    redisPrefix: string;
    publicUrl: string;
  };
  /** Web Push: VAPID keys from the environment, or undefined to use the stored pair. */
  push: {
    vapidPublicKey: string | undefined;
    vapidPrivateKey: string | undefined;
    vapidSubject: string;
  };
  tracing: boolean;
  anomalyDetection: boolean;
  logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment into the config object. Every invalid key is named in ONE error,
 * so an operator fixes them all at once.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  argv: readonly string[] = [],
): AppConfig {
  const input = { ...env };
  if (argv.includes('--all-in-one')) input.FLEETSCOPE_MODE = 'all-in-one';
  if (argv.includes('--cluster')) input.FLEETSCOPE_MODE = 'cluster';
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.FLEETSCOPE_MODE === 'cluster') {
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in cluster mode');
    if (!e.KAFKA_BROKERS) problems.push('KAFKA_BROKERS: required in cluster mode');
  }
  if (e.ENABLE_AUTH && !e.OBSERVABILITY_API_KEY && e.FLEETSCOPE_MODE === 'all-in-one') {
    // NOTE: in cluster mode keys may come from the api_keys table alone; all-in-one users
    // enabling auth almost always mean "protect with this key".
    problems.push('OBSERVABILITY_API_KEY: required when ENABLE_AUTH=true in all-in-one mode');
  }
  if (Boolean(e.VAPID_PUBLIC_KEY) !== Boolean(e.VAPID_PRIVATE_KEY)) {
    problems.push('VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both or neither');
  }
  if (e.VAPID_PUBLIC_KEY && !/^[A-Za-z0-9_-]{87}$/.test(e.VAPID_PUBLIC_KEY)) {
    problems.push('VAPID_PUBLIC_KEY: expected the base64url of a 65-byte P-256 public key');
  }
  if (e.VAPID_PRIVATE_KEY && !/^[A-Za-z0-9_-]{43}$/.test(e.VAPID_PRIVATE_KEY)) {
    problems.push('VAPID_PRIVATE_KEY: expected the base64url of a 32-byte P-256 private key');
  }
  if (e.VAPID_SUBJECT && !/^(mailto:.+|https:\/\/.+)$/.test(e.VAPID_SUBJECT)) {
    problems.push('VAPID_SUBJECT: expected a mailto: or https: URL');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');

  return {
    mode: e.FLEETSCOPE_MODE,
    http: { host: e.HOST, port: e.PORT },
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    kafka: {
      brokers: (e.KAFKA_BROKERS ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b.length > 0),
      clientId: e.KAFKA_CLIENT_ID,
      topics: {
        events: `${e.KAFKA_TOPIC_PREFIX}${TOPICS.events}`,
        eventsDlq: `${e.KAFKA_TOPIC_PREFIX}${TOPICS.eventsDlq}`,
        live: `${e.KAFKA_TOPIC_PREFIX}${TOPICS.live}`,
      },
      eventsPartitions: e.KAFKA_EVENTS_PARTITIONS,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
    },
    redisUrl: e.REDIS_URL,
    auth: {
      enabled: e.ENABLE_AUTH,
      apiKey: e.OBSERVABILITY_API_KEY,
      defaultProjectId: e.DEFAULT_PROJECT_ID,
    },
    limits: {
      maxEventBytes: e.MAX_EVENT_BYTES,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxBatchEvents: e.MAX_BATCH_EVENTS,
      maxEventsPerQuery: e.MAX_EVENTS_PER_QUERY,
      producerMaxPendingEvents: e.PRODUCER_MAX_PENDING_EVENTS,
      groupCommitMaxEvents: e.INGEST_GROUP_COMMIT_MAX_EVENTS,
    },
    worker: {
      groupId: e.WORKER_GROUP_ID,
      batchSize: e.WORKER_BATCH_SIZE,
      concurrency: e.WORKER_CONCURRENCY,
      metricsPort: e.WORKER_METRICS_PORT,
      metricsHost: e.WORKER_METRICS_HOST,
    },
    ws: { clientBufferBytes: e.WS_CLIENT_BUFFER_BYTES },
    query: {
      timeoutMs: e.QUERY_TIMEOUT_MS,
      maxRows: e.QUERY_MAX_ROWS,
      maxCost: e.QUERY_MAX_COST,
    },
    retentionDays: e.RETENTION_DAYS,
    rollupRetentionDays: e.ROLLUP_RETENTION_DAYS,
    analytics: {
      allowedLatenessMs: e.WINDOW_ALLOWED_LATENESS_MS,
      idleMs: e.WINDOW_IDLE_MS,
      statsIntervalMs: e.STATS_INTERVAL_MS,
      anomalySensitivity: e.ANOMALY_SENSITIVITY,
      anomalyMinVolume: e.ANOMALY_MIN_VOLUME,
    },
    alerts: {
      enabled: e.ENABLE_ALERTS,
      webhookUrl: e.WEBHOOK_URL,
      errorRateThreshold: e.ERROR_RATE_THRESHOLD,
      eventRateThresholdPerMinute: e.EVENT_RATE_THRESHOLD,
      responseTimeThresholdMs: e.RESPONSE_TIME_THRESHOLD,
    },
    delivery: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      relayIntervalMs: e.WEBHOOK_RELAY_INTERVAL_MS,
      redisPrefix: e.REDIS_PREFIX,
      publicUrl,
    },
    push: {
      vapidPublicKey: e.VAPID_PUBLIC_KEY,
      vapidPrivateKey: e.VAPID_PRIVATE_KEY,
      vapidSubject:
        e.VAPID_SUBJECT ??
        (publicUrl.startsWith('https://') ? publicUrl : 'mailto:alerts@fleetscope.local'),
    },
    tracing: e.ENABLE_TRACING,
    anomalyDetection: e.ENABLE_ANOMALY_DETECTION,
    logLevel: e.LOG_LEVEL,
  };
}
