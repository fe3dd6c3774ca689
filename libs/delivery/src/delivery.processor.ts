import {
  alertNotificationSchema,
  type ChannelKind,
  type ChannelTarget,
  channelUrl,
  type DeliveryStatus,
  parseChannelConfig,
} from '@fleetscope/domain';
import {
  type ChannelRecord,
  ChannelsRepository,
  DeliveriesRepository,
  type DeliveryRecord,
  type SqlClient,
} from '@fleetscope/db';
import { formatNotification } from './formats/format-notification';
import type { NotificationSender, SendRequest, SendResult } from './http/http-sender';
import {
  type AttemptOutcome,
  decideRetry,
  parseRetryAfter,
  type RetryPolicyOptions,
} from './retry/retry-policy';
import { standardWebhookHeaders } from './signing/standard-webhooks';
import type { VapidDetails } from './webpush/vapid-keys';
import { webpushRequest } from './webpush/webpush-request';

/** What processing a delivery id came to; the queue adapters schedule `nextRunAt` of it. */
export type DeliveryResult =
  | { kind: 'delivered'; deliveryId: string; status: number; attempt: number }
  | { kind: 'retry'; deliveryId: string; at: Date; attempt: number; reason: string }
  | { kind: 'failed'; deliveryId: string; reason: string; attempt: number | null }
  | { kind: 'dead'; deliveryId: string; reason: string; attempt: number }
  | { kind: 'skipped'; deliveryId: string; reason: string }
  /** Waiting for the channel's rate-limit slot; no attempt used. */
  | { kind: 'deferred'; deliveryId: string; at: Date }
  /** Woken before its time (a relay sweep, a duplicate job): run again at `at`. */
  | { kind: 'not_due'; deliveryId: string; at: Date }
  /** Another process holds the attempt's lease. */
  | { kind: 'busy'; deliveryId: string; until: Date }
  /** Already final (delivered, failed, dead, skipped): nothing to do. Idempotent. */
  | { kind: 'final'; deliveryId: string; status: DeliveryStatus }
  | { kind: 'missing'; deliveryId: string };

/** When the queue should run this delivery again, or null when it is done. */
export function nextRunAt(r: DeliveryResult): Date | null {
  switch (r.kind) {
    case 'retry':
    case 'deferred':
    case 'not_due':
      return r.at;
    case 'busy':
      return r.until;
    default:
      return null;
  }
}

/** The processor as the queues see it (and the metrics wrapper wraps). */
export type DeliveryHandler = (deliveryId: string) => Promise<DeliveryResult>;

export interface DeliveryProcessorOptions {
  retry: RetryPolicyOptions;
  /** How long a claimed row stays ours: longer than an attempt can take. */
  leaseMs: number;
  /** Slack and Discord: at most one message per channel per this many ms. */
  chatIntervalMs: number;
  /** Where the API is reached (Alertmanager's `externalURL`). */
  publicUrl: string;
  /** The VAPID key pair of Web Push; without it `webpush` deliveries fail. */
  vapid?: () => Promise<VapidDetails>;
}

/** Kinds whose receivers rate-limit per webhook URL (about one message a second). */
const RATE_LIMITED: ReadonlySet<ChannelKind> = new Set(['slack', 'discord']);
/** A slot this close is "now". */
const SLOT_TOLERANCE_MS = 50;
/** Behind an older open notification of the same alert: look again this long after it is due. */
const ORDER_MARGIN_MS = 250;
/** Behind an older notification whose attempt is in flight: look again this soon. */
const ORDER_RECHECK_MS = 1_000;
/** After an infrastructure error (the database), when the row may be tried again. */
const RELEASE_AFTER_ERROR_MS = 5_000;

/**
 * Delivers one outbox row: claim it (a lease, so no two processes attempt it at once),
 * render it for its channel, sign it, send it, and record the attempt and the retry
 * policy's decision in one transaction. Safe to call any number of times for the same id:
 * a row that is not due or already final is left alone.
 */
export class DeliveryProcessor {
  private readonly deliveries = new DeliveriesRepository();
  private readonly channels = new ChannelsRepository();

  constructor(
    private readonly db: SqlClient,
    private readonly sender: NotificationSender,
    private readonly options: DeliveryProcessorOptions,
    private readonly clock: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** The handler the queues call. */
  readonly handler: DeliveryHandler = (id) => this.process(id);

  async process(deliveryId: string): Promise<DeliveryResult> {
    const now = this.clock();
    const claimed = await this.deliveries.claim(
      this.db,
      deliveryId,
      new Date(now),
      new Date(now + this.options.leaseMs),
    );
    if ('reason' in claimed) {
      switch (claimed.reason) {
        case 'missing':
          return { kind: 'missing', deliveryId };
        case 'final':
          return { kind: 'final', deliveryId, status: claimed.status };
        case 'not_due':
          return { kind: 'not_due', deliveryId, at: claimed.at };
        case 'busy':
          return { kind: 'busy', deliveryId, until: claimed.until };
      }
    }
    try {
      return await this.attempt(claimed, now);
    } catch (err) {
      // NOTE: the request may have reached the receiver before the failure; the retry then
      // repeats it with the same webhook-id, which receivers deduplicate on (at least once).
      await this.deliveries
        .defer(this.db, deliveryId, new Date(this.clock() + RELEASE_AFTER_ERROR_MS), null)
        .catch(() => undefined);
      throw err;
    }
  }

  private async attempt(row: DeliveryRecord, now: number): Promise<DeliveryResult> {
    const id = row.id;
    const channel = await this.channels.get(this.db, row.project_id, row.channel_id);
    if (!channel) return this.close(row, 'failed', 'channel deleted');
    // A test may go to a disabled channel: that is how one checks it before re-enabling.
    if (!channel.enabled && row.kind !== 'test') {
      const why = channel.disabled_reason ? `: ${channel.disabled_reason}` : '';
      return this.close(row, 'failed', `channel disabled${why}`);
    }
    const payload = alertNotificationSchema.safeParse(row.payload);
    if (!payload.success) {
      return this.close(row, 'failed', `invalid payload: ${payload.error.issues[0]?.message}`);
    }
    const config = parseChannelConfig(channel.kind, channel.config);
    if (!config.success) return this.close(row, 'failed', 'invalid channel config');
    const target = { kind: channel.kind, config: config.data } as ChannelTarget;
    const n = payload.data;
    if (n.delivery_kind === 'alert' && n.alert.status === 'resolved' && !channel.send_resolved) {
      return this.close(row, 'skipped', 'send_resolved is false');
    }
    // One alert's notifications reach a channel in order (a resolve never overtakes its
    // trigger): wait for an older open one, without using an attempt.
    const older = await this.deliveries.olderOpen(this.db, row, new Date(now + ORDER_RECHECK_MS));
    if (older) {
      const at = new Date(Math.max(older.getTime(), now) + ORDER_MARGIN_MS);
      await this.deliveries.defer(this.db, id, at, null);
      return { kind: 'deferred', deliveryId: id, at };
    }

    if (RATE_LIMITED.has(channel.kind)) {
      // The receiver said 429 Retry-After: wait it out, then queue for a slot again.
      const hold = channel.rate_hold_until === null ? 0 : Date.parse(channel.rate_hold_until);
      if (hold > now + SLOT_TOLERANCE_MS) {
        await this.deliveries.defer(this.db, id, new Date(hold), null);
        return { kind: 'deferred', deliveryId: id, at: new Date(hold) };
      }
      const held =
        row.rate_slot_at !== null && Date.parse(row.rate_slot_at) <= now + SLOT_TOLERANCE_MS;
      if (!held) {
        const slot = await this.channels.reserveSlot(
          this.db,
          row.project_id,
          channel.id,
          new Date(now),
          this.options.chatIntervalMs,
        );
        if (slot && slot.getTime() > now + SLOT_TOLERANCE_MS) {
          await this.deliveries.defer(this.db, id, slot, slot);
          return { kind: 'deferred', deliveryId: id, at: slot };
        }
      }
    }

    const { body, headers } = formatNotification(n, {
      channel: { id: channel.id, name: channel.name, target },
      publicUrl: this.options.publicUrl,
    });
    const startedAt = this.clock();
    let request: SendRequest;
    if (target.kind === 'webpush') {
      // A push service reads no webhook signature: VAPID authenticates, aes128gcm encrypts.
      if (!this.options.vapid) return this.close(row, 'failed', 'Web Push is not configured');
      request = webpushRequest(target.config, body, await this.options.vapid(), n);
    } else {
      const signed = standardWebhookHeaders({
        id,
        timestamp: Math.floor(startedAt / 1000),
        body,
        secrets: signingSecrets(channel, startedAt),
      });
      request = { url: channelUrl(target), body, headers: { ...headers, ...signed } };
    }
    const result = await this.sender.send(request);

    const attempt = row.attempts + 1;
    const total = row.total_attempts + 1;
    const decidedAt = this.clock();
    const decision = decideRetry(
      toOutcome(result, channel.kind),
      attempt,
      { ...this.options.retry, maxAttempts: row.max_attempts ?? this.options.retry.maxAttempts },
      decidedAt,
      this.random,
    );
    const httpStatus = result.kind === 'response' ? result.status : null;
    const error = errorOf(result);
    const nextAt = decision.kind === 'retry' ? new Date(decidedAt + decision.delayMs) : null;
    const status: DeliveryStatus =
      decision.kind === 'retry'
        ? 'pending'
        : decision.kind === 'delivered'
          ? 'delivered'
          : decision.kind;
    const lastError =
      decision.kind === 'delivered' ? null : decision.kind === 'retry' ? error : decision.reason;

    await this.db.transaction(async (tx) => {
      await this.deliveries.recordAttempt(tx, {
        projectId: row.project_id,
        deliveryId: id,
        attempt: total,
        startedAt: new Date(startedAt),
        durationMs: result.durationMs,
        httpStatus,
        error,
        responseExcerpt:
          result.kind === 'response' && result.excerpt !== '' ? result.excerpt : null,
      });
      await this.deliveries.finish(tx, id, {
        status,
        attempts: attempt,
        totalAttempts: total,
        nextAttemptAt: nextAt,
        lastStatus: httpStatus,
        lastError,
        deliveredAt: decision.kind === 'delivered' ? new Date(decidedAt) : null,
      });
      if (decision.kind === 'failed' && decision.disableChannel) {
        await this.channels.disable(
          tx,
          row.project_id,
          channel.id,
          `HTTP ${httpStatus ?? 410} at ${new Date(decidedAt).toISOString()}`,
        );
      }
      // A chat service's 429 holds the whole channel, not only this message.
      if (httpStatus === 429 && RATE_LIMITED.has(channel.kind) && result.kind === 'response') {
        const ms = parseRetryAfter(result.retryAfter, decidedAt);
        if (ms !== null) {
          await this.channels.holdUntil(tx, row.project_id, channel.id, new Date(decidedAt + ms));
        }
      }
    });

    switch (decision.kind) {
      case 'delivered':
        return { kind: 'delivered', deliveryId: id, status: httpStatus!, attempt };
      case 'retry':
        return { kind: 'retry', deliveryId: id, at: nextAt!, attempt, reason: decision.reason };
      case 'failed':
        return { kind: 'failed', deliveryId: id, reason: decision.reason, attempt };
      case 'dead':
        return { kind: 'dead', deliveryId: id, reason: decision.reason, attempt };
    }
  }

  /** Ends a row without an attempt (nothing was sent). */
  private async close(
    row: DeliveryRecord,
    status: 'failed' | 'skipped',
    reason: string,
  ): Promise<DeliveryResult> {
    await this.deliveries.finish(this.db, row.id, {
      status,
      attempts: row.attempts,
      totalAttempts: row.total_attempts,
      nextAttemptAt: null,
      lastStatus: row.last_status,
      lastError: reason,
      deliveredAt: null,
    });
    return status === 'failed'
      ? { kind: 'failed', deliveryId: row.id, reason, attempt: null }
      : { kind: 'skipped', deliveryId: row.id, reason };
  }
}

/** The current secret, and the previous one while its rotation grace lasts. */
export function signingSecrets(c: ChannelRecord, nowMs: number): string[] {
  const previous =
    c.previous_secret &&
    c.previous_secret_expires_at &&
    Date.parse(c.previous_secret_expires_at) > nowMs
      ? [c.previous_secret]
      : [];
  return [c.secret, ...previous];
}

function toOutcome(r: SendResult, kind: ChannelKind): AttemptOutcome {
  switch (r.kind) {
    case 'response':
      // NOTE: push services answer 404 (not found) as well as 410 (gone) for a subscription
      // that expired or was unsubscribed (RFC 8030 §7.3): both end the channel.
      if (kind === 'webpush' && r.status === 404) {
        return { kind: 'response', status: 410, retryAfter: r.retryAfter };
      }
      return { kind: 'response', status: r.status, retryAfter: r.retryAfter };
    case 'timeout':
      return { kind: 'timeout' };
    case 'network':
      return { kind: 'network', error: r.error };
    case 'refused':
      return { kind: 'refused', reason: r.reason };
  }
}

function errorOf(r: SendResult): string | null {
  switch (r.kind) {
    case 'response':
      if (r.status >= 200 && r.status < 300) return null;
      return r.status >= 300 && r.status < 400 && r.location
        ? `HTTP ${r.status} to ${r.location.slice(0, 300)}`
        : `HTTP ${r.status}`;
    case 'timeout':
      return 'timeout';
    case 'network':
      return r.error;
    case 'refused':
      return r.reason;
  }
}
