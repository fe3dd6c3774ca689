import { Inject, Injectable } from '@nestjs/common';
import {
  type ChannelRecord,
  ChannelsRepository,
  DeliveriesRepository,
  toChannelView,
} from '@fleetscope/db';
import { literalRefusal } from '@fleetscope/delivery';
import {
  type ChannelKind,
  type ChannelTarget,
  type ChannelView,
  channelUrl,
  channelCreateSchema,
  channelPatchSchema,
  FleetscopeError,
  generateWebhookSecret,
  NotFoundError,
  parseChannelConfig,
  ValidationError,
  zodIssuesToFieldErrors,
} from '@fleetscope/domain';
import { parseQueryOrThrow } from '../../common/query-params';
import { RUNTIME, type Runtime } from '../../runtime/runtime';

/** How long a rotated-out secret keeps signing (a second signature), so receivers can switch. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3_600_000;

/** A created channel: the only response (with rotate-secret) that shows the secret. */
export type ChannelWithSecret = ChannelView & { secret: string };

/** Channels of the caller's project: validation, masking, the SSRF check of IP literals. */
@Injectable()
export class ChannelsService {
  private readonly channels = new ChannelsRepository();
  private readonly deliveries = new DeliveriesRepository();

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  async create(projectId: string, body: unknown): Promise<ChannelWithSecret> {
    const c = parseQueryOrThrow(channelCreateSchema, body ?? {});
    this.refusePrivateUrl(c.config.url);
    const created = await this.channels.create(this.runtime.db, {
      projectId,
      name: c.name,
      kind: c.kind,
      config: c.config,
      secret: c.secret ?? generateWebhookSecret(),
      sendResolved: c.send_resolved,
      enabled: c.enabled,
    });
    if (!created) throw nameTaken(c.name);
    return { ...toChannelView(created), secret: created.secret };
  }

  async list(projectId: string): Promise<ChannelView[]> {
    return (await this.channels.list(this.runtime.db, projectId)).map(toChannelView);
  }

  async get(projectId: string, id: string): Promise<ChannelView> {
    return toChannelView(await this.record(projectId, id));
  }

  /** The stored channel, secrets included (for the test use case), or a 404. */
  async record(projectId: string, id: string): Promise<ChannelRecord> {
    const c = await this.channels.get(this.runtime.db, projectId, id);
    if (!c) throw new NotFoundError(`no channel ${id}`);
    return c;
  }

  async update(projectId: string, id: string, body: unknown): Promise<ChannelView> {
    const patch = parseQueryOrThrow(channelPatchSchema, body ?? {});
    const current = await this.record(projectId, id);
    let config: Record<string, unknown> | undefined;
    if (patch.config !== undefined) {
      const merged = keepMaskedSecrets(current.kind, patch.config, current.config);
      const parsed = parseChannelConfig(current.kind, merged);
      if (!parsed.success) {
        const details = zodIssuesToFieldErrors(parsed.error).map((d) => ({
          field: d.field === '(root)' ? 'config' : `config.${d.field}`,
          reason: d.reason,
        }));
        throw new ValidationError(
          details.map((d) => `${d.field}: ${d.reason}`).join('; '),
          details,
        );
      }
      this.refusePrivateUrl(
        channelUrl({ kind: current.kind, config: parsed.data } as ChannelTarget),
      );
      config = parsed.data;
    }
    const updated = await this.channels.update(this.runtime.db, projectId, id, {
      name: patch.name,
      config,
      sendResolved: patch.send_resolved,
      enabled: patch.enabled,
    });
    if (updated === 'name_taken') throw nameTaken(patch.name!);
    if (!updated) throw new NotFoundError(`no channel ${id}`);
    return toChannelView(updated);
  }

  /** Deletes the channel; its unfinished deliveries end as failed (kept as history). */
  async delete(projectId: string, id: string): Promise<void> {
    const deleted = await this.runtime.db.transaction(async (tx) => {
      const ok = await this.channels.delete(tx, projectId, id);
      if (ok) await this.deliveries.failOpenForChannel(tx, projectId, id, 'channel deleted');
      return ok;
    });
    if (!deleted) throw new NotFoundError(`no channel ${id}`);
  }

  async rotateSecret(
    projectId: string,
    id: string,
  ): Promise<{ id: string; secret: string; previous_secret_expires_at: string }> {
    const graceUntil = new Date(Date.now() + SECRET_ROTATION_GRACE_MS);
    const c = await this.channels.rotateSecret(
      this.runtime.db,
      projectId,
      id,
      generateWebhookSecret(),
      graceUntil,
    );
    if (!c) throw new NotFoundError(`no channel ${id}`);
    return { id: c.id, secret: c.secret, previous_secret_expires_at: graceUntil.toISOString() };
  }

  /** An IP-literal URL in a private range is refused now rather than at every delivery. */
  private refusePrivateUrl(url: string): void {
    const refused = literalRefusal(url, this.runtime.config.delivery.allowPrivate);
    if (refused) {
      throw new ValidationError(`config.url: ${refused.message}`, [
        { field: 'config.url', reason: refused.message },
      ]);
    }
  }
}

function nameTaken(name: string): FleetscopeError {
  return new FleetscopeError(`a channel named "${name}" exists in this project`, {
    code: 'conflict',
    httpStatus: 409,
    details: [{ field: 'name', reason: 'already used by another channel' }],
  });
}

/**
 * A PATCH may send back the config a GET showed: masked values (`***`, `***abcd`) mean
 * "unchanged", so extra header values and the routing key are not overwritten by their masks.
 */
function keepMaskedSecrets(
  kind: ChannelKind,
  next: Record<string, unknown>,
  current: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...next };
  if (
    kind === 'pagerduty' &&
    typeof out.routing_key === 'string' &&
    out.routing_key.startsWith('***')
  ) {
    out.routing_key = current.routing_key;
  }
  if (kind === 'webpush' && out.keys && typeof out.keys === 'object') {
    const keys = out.keys as Record<string, unknown>;
    if (keys.auth === '***') {
      out.keys = { ...keys, auth: (current.keys as Record<string, unknown> | undefined)?.auth };
    }
  }
  if (kind === 'webhook' && out.headers && typeof out.headers === 'object') {
    const old = (current.headers ?? {}) as Record<string, string>;
    out.headers = Object.fromEntries(
      Object.entries(out.headers as Record<string, unknown>).map(([k, v]) => [
        k,
        v === '***' && k in old ? old[k] : v,
      ]),
    );
  }
  return out;
}
