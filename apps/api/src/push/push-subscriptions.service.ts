import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type ChannelRecord, ChannelsRepository } from '@fleetscope/db';
import { literalRefusal, vapidOf } from '@fleetscope/delivery';
import {
  FleetscopeError,
  generateWebhookSecret,
  NotFoundError,
  pushSubscriptionCreateSchema,
  ValidationError,
  webpushConfigSchema,
  type PushSubscriptionView,
  type WebpushConfig,
} from '@fleetscope/domain';
import { ChannelsService } from '../alerts/channels/channels.service';
import { parseQueryOrThrow } from '../common/query-params';
import { RUNTIME, type Runtime } from '../runtime/runtime';

/**
 * Browser push subscriptions of the caller's project. Each one is a channel of kind
 * `webpush` (config = the subscription), so firing alerts reach it through the delivery
 * outbox like any channel. Subscribing is idempotent on the endpoint: the channel's name is
 * derived from it.
 */
@Injectable()
export class PushSubscriptionsService {
  private readonly channels = new ChannelsRepository();

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly channelsService: ChannelsService,
  ) {}

  /** The browser's `applicationServerKey`. */
  async publicKey(): Promise<{ publicKey: string }> {
    const vapid = await vapidOf(this.runtime.config, this.runtime.db)();
    return { publicKey: vapid.publicKey };
  }

  async subscribe(projectId: string, body: unknown): Promise<{ id: string; created: boolean }> {
    const s = parseQueryOrThrow(pushSubscriptionCreateSchema, body ?? {});
    this.checkEndpoint(s.endpoint);
    const config: WebpushConfig = webpushConfigSchema.parse({
      endpoint: s.endpoint,
      keys: { p256dh: s.keys.p256dh, auth: s.keys.auth },
      min_severity: s.min_severity ?? 'info',
      label: s.label ?? null,
    });
    const { db } = this.runtime;
    const name = subscriptionName(s.endpoint);
    const created = await this.channels.create(db, {
      projectId,
      name,
      kind: 'webpush',
      config,
      // Unused by push (VAPID authenticates); the column is required of every channel.
      secret: generateWebhookSecret(),
      sendResolved: s.send_resolved ?? false,
      enabled: true,
    });
    if (created) return { id: created.id, created: true };
    // The same browser again (new keys, say): refresh it and switch it back on.
    const existing = await this.channels.findByName(db, projectId, name);
    if (!existing || existing.kind !== 'webpush') {
      throw new FleetscopeError(`a channel named "${name}" exists in this project`, {
        code: 'conflict',
        httpStatus: 409,
      });
    }
    await this.channels.update(db, projectId, existing.id, {
      config,
      enabled: true,
      sendResolved: s.send_resolved,
    });
    return { id: existing.id, created: false };
  }

  async list(projectId: string): Promise<PushSubscriptionView[]> {
    const all = await this.channels.list(this.runtime.db, projectId);
    return all.filter((c) => c.kind === 'webpush').map(toView);
  }

  /** The subscription's channel, or a 404 (also for a channel of another kind). */
  async record(projectId: string, id: string): Promise<ChannelRecord> {
    const c = await this.channels.get(this.runtime.db, projectId, id);
    if (!c || c.kind !== 'webpush') throw new NotFoundError(`no push subscription ${id}`);
    return c;
  }

  async delete(projectId: string, id: string): Promise<void> {
    await this.record(projectId, id);
    await this.channelsService.delete(projectId, id);
  }

  /** https only; http (and private addresses) only with WEBHOOK_ALLOW_PRIVATE=true. */
  private checkEndpoint(endpoint: string): void {
    const allowPrivate = this.runtime.config.delivery.allowPrivate;
    const fail = (reason: string) => {
      throw new ValidationError(`endpoint: ${reason}`, [{ field: 'endpoint', reason }]);
    };
    if (new URL(endpoint).protocol !== 'https:' && !allowPrivate) {
      fail('must be an https URL (http only with WEBHOOK_ALLOW_PRIVATE=true)');
    }
    const refused = literalRefusal(endpoint, allowPrivate);
    if (refused) fail(refused.message);
  }
}

/** One channel per endpoint and project. */
export function subscriptionName(endpoint: string): string {
  return `webpush:${createHash('sha256').update(endpoint).digest('hex').slice(0, 32)}`;
}

function toView(c: ChannelRecord): PushSubscriptionView {
  const config = c.config as Partial<WebpushConfig>;
  return {
    id: c.id,
    endpoint: String(config.endpoint ?? ''),
    min_severity: config.min_severity ?? 'info',
    label: config.label ?? null,
    send_resolved: c.send_resolved,
    enabled: c.enabled,
    disabled_reason: c.disabled_reason,
    created_at: c.created_at,
  };
}
