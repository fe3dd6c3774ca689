import { randomUUID } from 'node:crypto';
import { type ChannelKind, type ChannelView, redactChannelConfig } from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

/** A stored channel, secrets included: for delivery, never for responses (see toChannelView). */
export interface ChannelRecord {
  project_id: string;
  id: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  send_resolved: boolean;
  enabled: boolean;
  disabled_reason: string | null;
  /** A receiver's 429 `Retry-After` (Slack, Discord): nothing is sent before it. */
  rate_hold_until: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChannelWrite {
  projectId: string;
  name: string;
  kind: ChannelKind;
  config: Record<string, unknown>;
  secret: string;
  sendResolved: boolean;
  enabled: boolean;
}

export interface ChannelUpdate {
  name?: string | undefined;
  config?: Record<string, unknown> | undefined;
  sendResolved?: boolean | undefined;
  enabled?: boolean | undefined;
}

const COLUMNS = `project_id, id, name, kind, config, secret, previous_secret,
  previous_secret_expires_at, send_resolved, enabled, disabled_reason, rate_hold_until, created_at,
  updated_at`;

/** The name of the channel WEBHOOK_URL configures. */
export const DEFAULT_CHANNEL_NAME = 'default';

export class ChannelsRepository {
  /** Inserts a channel; null when the project already has one with that name. */
  async create(db: SqlExecutor, c: ChannelWrite): Promise<ChannelRecord | null> {
    const r = await db.query<ChannelRecord>(
      `INSERT INTO channels (project_id, id, name, kind, config, secret, send_resolved, enabled)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
       ON CONFLICT (project_id, name) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        c.projectId,
        randomUUID(),
        c.name,
        c.kind,
        JSON.stringify(c.config),
        c.secret,
        c.sendResolved,
        c.enabled,
      ],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  /**
   * The `default` webhook channel of WEBHOOK_URL: created once (with `secret`), its URL
   * kept in step with the variable on every start. Idempotent; safe from several processes.
   */
  async ensureDefault(
    db: SqlExecutor,
    projectId: string,
    url: string,
    secret: string,
  ): Promise<ChannelRecord> {
    const r = await db.query<ChannelRecord>(
      `INSERT INTO channels (project_id, id, name, kind, config, secret)
       VALUES ($1, $2, $3, 'webhook', $4::jsonb, $5)
       ON CONFLICT (project_id, name) DO UPDATE
         SET config = channels.config || jsonb_build_object('url', $6::text),
             updated_at = now()
         WHERE channels.kind = 'webhook' AND channels.config->>'url' IS DISTINCT FROM $6::text
       RETURNING ${COLUMNS}`,
      [projectId, randomUUID(), DEFAULT_CHANNEL_NAME, JSON.stringify({ url }), secret, url],
    );
    if (r.rows[0]) return toRecord(r.rows[0]);
    // Unchanged (or a channel of another kind took the name): read what is there.
    return (await this.findByName(db, projectId, DEFAULT_CHANNEL_NAME))!;
  }

  async get(db: SqlExecutor, projectId: string, id: string): Promise<ChannelRecord | null> {
    const r = await db.query<ChannelRecord>(
      `SELECT ${COLUMNS} FROM channels WHERE project_id = $1 AND id = $2`,
      [projectId, id],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  async findByName(
    db: SqlExecutor,
    projectId: string,
    name: string,
  ): Promise<ChannelRecord | null> {
    const r = await db.query<ChannelRecord>(
      `SELECT ${COLUMNS} FROM channels WHERE project_id = $1 AND name = $2`,
      [projectId, name],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  /** Oldest first (creation order). */
  async list(
    db: SqlExecutor,
    projectId: string,
    opts: { enabledOnly?: boolean; ids?: readonly string[] } = {},
  ): Promise<ChannelRecord[]> {
    const where = ['project_id = $1'];
    const params: unknown[] = [projectId];
    if (opts.enabledOnly) where.push('enabled');
    if (opts.ids) {
      params.push(opts.ids);
      where.push(`id = ANY($${params.length}::text[])`);
    }
    const r = await db.query<ChannelRecord>(
      `SELECT ${COLUMNS} FROM channels WHERE ${where.join(' AND ')} ORDER BY created_at, id`,
      params,
    );
    return r.rows.map(toRecord);
  }

  /**
   * Applies a patch. Re-enabling clears `disabled_reason`. Null when there is no such
   * channel; `'name_taken'` when the new name belongs to another channel.
   */
  async update(
    db: SqlExecutor,
    projectId: string,
    id: string,
    u: ChannelUpdate,
  ): Promise<ChannelRecord | null | 'name_taken'> {
    try {
      const r = await db.query<ChannelRecord>(
        `UPDATE channels
            SET name = coalesce($3, name),
                config = coalesce($4::jsonb, config),
                send_resolved = coalesce($5, send_resolved),
                enabled = coalesce($6, enabled),
                disabled_reason = CASE WHEN $6 IS TRUE THEN NULL ELSE disabled_reason END,
                updated_at = now()
          WHERE project_id = $1 AND id = $2
          RETURNING ${COLUMNS}`,
        [
          projectId,
          id,
          u.name ?? null,
          u.config === undefined ? null : JSON.stringify(u.config),
          u.sendResolved ?? null,
          u.enabled ?? null,
        ],
      );
      return r.rows[0] ? toRecord(r.rows[0]) : null;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return 'name_taken';
      throw err;
    }
  }

  async delete(db: SqlExecutor, projectId: string, id: string): Promise<boolean> {
    const r = await db.query('DELETE FROM channels WHERE project_id = $1 AND id = $2', [
      projectId,
      id,
    ]);
    return r.rowCount > 0;
  }

  /** A new secret; the old one keeps signing (a second signature) until `graceUntil`. */
  async rotateSecret(
    db: SqlExecutor,
    projectId: string,
    id: string,
    secret: string,
    graceUntil: Date,
  ): Promise<ChannelRecord | null> {
    const r = await db.query<ChannelRecord>(
      `UPDATE channels
          SET previous_secret = secret, previous_secret_expires_at = $4::timestamptz,
              secret = $3, updated_at = now()
        WHERE project_id = $1 AND id = $2
        RETURNING ${COLUMNS}`,
      [projectId, id, secret, graceUntil.toISOString()],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  /** Delivery turns a channel off (410 Gone) and says why. */
  async disable(db: SqlExecutor, projectId: string, id: string, reason: string): Promise<void> {
    await db.query(
      `UPDATE channels SET enabled = false, disabled_reason = $3, updated_at = now()
        WHERE project_id = $1 AND id = $2`,
      [projectId, id, reason.slice(0, 1000)],
    );
  }

  /**
   * Reserves the channel's next send slot for its rate limit: the slot is the later of `now`
   * and the channel's `rate_next_at`, which moves on by `intervalMs`. Every caller gets its
   * own slot, so a burst spreads out instead of retrying in a herd.
   */
  async reserveSlot(
    db: SqlExecutor,
    projectId: string,
    id: string,
    now: Date,
    intervalMs: number,
  ): Promise<Date | null> {
    const r = await db.query<{ slot: Date | string }>(
      `UPDATE channels
          SET rate_next_at = greatest(rate_next_at, rate_hold_until, $3::timestamptz)
                             + make_interval(secs => $4::double precision / 1000)
        WHERE project_id = $1 AND id = $2
        RETURNING rate_next_at - make_interval(secs => $4::double precision / 1000) AS slot`,
      [projectId, id, now.toISOString(), intervalMs],
    );
    return r.rows[0] ? toDate(r.rows[0].slot) : null;
  }

  /** A receiver's 429 `Retry-After`: nothing goes to the channel before `until`. */
  async holdUntil(db: SqlExecutor, projectId: string, id: string, until: Date): Promise<void> {
    await db.query(
      `UPDATE channels SET rate_hold_until = greatest(rate_hold_until, $3::timestamptz)
        WHERE project_id = $1 AND id = $2`,
      [projectId, id, until.toISOString()],
    );
  }
}

/** The channel as the API shows it: no secrets, masked header values and routing key. */
export function toChannelView(c: ChannelRecord): ChannelView {
  return {
    id: c.id,
    project_id: c.project_id,
    name: c.name,
    kind: c.kind,
    config: redactChannelConfig(c.kind, c.config),
    send_resolved: c.send_resolved,
    enabled: c.enabled,
    disabled_reason: c.disabled_reason,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

function toDate(v: Date | string): Date {
  return v instanceof Date ? v : new Date(v);
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

function toRecord(row: ChannelRecord): ChannelRecord {
  return {
    ...row,
    config: typeof row.config === 'string' ? JSON.parse(row.config) : row.config,
    previous_secret_expires_at:
      row.previous_secret_expires_at == null ? null : iso(row.previous_secret_expires_at),
    rate_hold_until: row.rate_hold_until == null ? null : iso(row.rate_hold_until),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
