import type { AppConfig, Logger } from '@fleetscope/config';
import {
  ChannelsRepository,
  DEFAULT_CHANNEL_NAME,
  type ChannelRecord,
  type SqlClient,
} from '@fleetscope/db';
import {
  type DeliveryNotifier,
  generateWebhookSecret,
  webhookConfigSchema,
} from '@fleetscope/domain';
import { type DeliveryHandler, type DeliveryResult, DeliveryProcessor } from './delivery.processor';
import { HttpSender, type NotificationSender } from './http/http-sender';
import { BullMqDeliveryQueue } from './queue/bullmq-delivery.queue';
import { type DeliveryQueue, NoopDeliveryQueue } from './queue/delivery-queue.port';
import { InProcessDeliveryQueue } from './queue/in-process-delivery.queue';
import { OutboxRelay } from './queue/outbox-relay';
import type { RetryPolicyOptions } from './retry/retry-policy';
import { type VapidDetails, VapidKeys } from './webpush/vapid-keys';

/**
 * Where a process stands in delivery:
 * - `in-process`: delivers itself with the in-process queue and the relay (all-in-one; a
 *   cluster worker without REDIS_URL);
 * - `bullmq-worker`: consumes the BullMQ queue and runs the relay (cluster workers);
 * - `producer`: only enqueues (cluster api: BullMQ when REDIS_URL is set, else nothing, and
 *   the workers' relay picks the rows up).
 */
export type DeliveryRole = 'in-process' | 'bullmq-worker' | 'producer';

/**
 * Delivery as a process holds it. `enqueue` is what the alert evaluator calls after the
 * transaction that wrote outbox rows commits; it never rejects.
 */
export interface DeliveryRuntime extends DeliveryNotifier {
  readonly role: DeliveryRole;
  readonly queue: DeliveryQueue;
  /** Absent in a producer. */
  readonly processor: DeliveryProcessor | undefined;
  readonly relay: OutboxRelay | undefined;
  readonly ready: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DeliveryRuntimeDeps {
  /** Replaces the HTTP sender (a benchmark's counting sender, say). */
  sender?: NotificationSender;
  /** Sees every processing result (metrics). Must not throw. */
  onResult?: (result: DeliveryResult, durationMs: number) => void;
  clock?: () => number;
  random?: () => number;
}

export function retryPolicyOf(config: AppConfig): RetryPolicyOptions {
  return {
    maxAttempts: config.delivery.maxAttempts,
    baseMs: config.delivery.retryBaseMs,
    multiplier: 3,
    capMs: config.delivery.retryMaxMs,
  };
}

/** Slack and Discord: about one message per second per channel. */
export const CHAT_INTERVAL_MS = 1_000;

export function createDeliveryProcessor(
  config: AppConfig,
  db: SqlClient,
  deps: DeliveryRuntimeDeps = {},
): DeliveryProcessor {
  return new DeliveryProcessor(
    db,
    deps.sender ??
      new HttpSender({
        timeoutMs: config.delivery.timeoutMs,
        allowPrivate: config.delivery.allowPrivate,
      }),
    {
      retry: retryPolicyOf(config),
      // An attempt takes at most the timeout; the margin covers the database writes.
      leaseMs: config.delivery.timeoutMs + 30_000,
      chatIntervalMs: CHAT_INTERVAL_MS,
      publicUrl: config.delivery.publicUrl,
      vapid: vapidOf(config, db),
    },
    deps.clock,
    deps.random,
  );
}

/** One loader per process and database: the key pair is read (or generated) once. */
const vapidLoaders = new WeakMap<SqlClient, VapidKeys>();
export function vapidOf(config: AppConfig, db: SqlClient): () => Promise<VapidDetails> {
  let keys = vapidLoaders.get(db);
  if (!keys) {
    keys = new VapidKeys(db, config.push);
    vapidLoaders.set(db, keys);
  }
  const k = keys;
  return () => k.get();
}

/** Wraps the handler once: every result is reported with its duration (metrics). */
export function instrumentHandler(
  handler: DeliveryHandler,
  onResult: ((result: DeliveryResult, durationMs: number) => void) | undefined,
): DeliveryHandler {
  if (!onResult) return handler;
  return async (id) => {
    const started = performance.now();
    const result = await handler(id);
    onResult(result, performance.now() - started);
    return result;
  };
}

export function createDeliveryRuntime(
  config: AppConfig,
  db: SqlClient,
  role: DeliveryRole,
  log: Logger,
  deps: DeliveryRuntimeDeps = {},
): DeliveryRuntime {
  const processor = role === 'producer' ? undefined : createDeliveryProcessor(config, db, deps);
  const handler = processor ? instrumentHandler(processor.handler, deps.onResult) : undefined;
  let queue: DeliveryQueue;
  if (role === 'in-process') {
    queue = new InProcessDeliveryQueue(
      handler!,
      { concurrency: config.delivery.concurrency },
      log,
      deps.clock,
    );
  } else if (config.redisUrl) {
    queue = new BullMqDeliveryQueue(
      {
        redisUrl: config.redisUrl,
        prefix: config.delivery.redisPrefix,
        concurrency: config.delivery.concurrency,
        handler,
      },
      log,
    );
  } else {
    if (role === 'bullmq-worker') throw new Error('bullmq-worker needs REDIS_URL');
    queue = new NoopDeliveryQueue();
  }
  const relay =
    role === 'producer'
      ? undefined
      : new OutboxRelay(
          db,
          queue,
          { intervalMs: config.delivery.relayIntervalMs, retentionDays: config.retentionDays },
          log,
          deps.clock,
        );
  return {
    role,
    queue,
    processor,
    relay,
    get ready() {
      return queue.ready;
    },
    enqueue: async (ids) => {
      for (const id of ids) {
        try {
          await queue.enqueue(id);
        } catch (err) {
          // The row is committed: the relay's next sweep delivers it.
          log.warn('delivery enqueue failed; the outbox relay will pick it up', {
            deliveryId: id,
            error: String(err),
          });
        }
      }
    },
    start: async () => {
      await queue.start();
      await relay?.start();
    },
    stop: async () => {
      await relay?.stop();
      await queue.stop();
    },
  };
}

/**
 * WEBHOOK_URL (the seed's variable): a `default` webhook channel of the default project,
 * created once and kept pointing at the variable's URL. Idempotent.
 */
export async function ensureDefaultChannel(
  db: SqlClient,
  config: AppConfig,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<ChannelRecord | null> {
  const url = config.alerts.webhookUrl;
  if (!url) return null;
  const parsed = webhookConfigSchema.safeParse({ url });
  if (!parsed.success) {
    log.warn('WEBHOOK_URL is not a usable URL; no default channel', {
      reason: parsed.error.issues[0]?.message,
    });
    return null;
  }
  const channel = await new ChannelsRepository().ensureDefault(
    db,
    config.auth.defaultProjectId,
    parsed.data.url,
    generateWebhookSecret(),
  );
  log.info('default notification channel ready', {
    channel: DEFAULT_CHANNEL_NAME,
    id: channel.id,
    project: config.auth.defaultProjectId,
  });
  return channel;
}
