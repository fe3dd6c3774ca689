import { randomUUID } from 'node:crypto';
import type {
  AlertNotification,
  DeliveryAttemptView,
  DeliveryKind,
  DeliveryStatus,
  DeliveryView,
} from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

/** A stored delivery (the outbox row), with its lease and rate-limit bookkeeping. */
export interface DeliveryRecord extends Omit<DeliveryView, 'attempts_log'> {
  total_attempts: number;
  locked_until: string | null;
  rate_slot_at: string | null;
}

/** What the alert evaluator writes, in its transition's transaction. */
export interface DeliveryEnqueue {
  projectId: string;
  /** The alert instance; null for channel tests. */
  alertId: string | null;
  /** The transition (alert_events row) this notifies; makes the enqueue idempotent. */
  transitionId: string | null;
  channelId: string;
  payload: AlertNotification;
  /** Default `alert`. */
  kind?: DeliveryKind;
  /** Default: WEBHOOK_MAX_ATTEMPTS at delivery time. */
  maxAttempts?: number | null;
}

export interface DeliveryQuery {
  projectId: string;
  alertId?: string | undefined;
  channelId?: string | undefined;
  status?: DeliveryStatus[] | undefined;
  limit: number;
}

/** Why a claim found nothing to do. */
export type ClaimMiss =
  | { reason: 'missing' }
  | { reason: 'final'; status: DeliveryStatus }
  | { reason: 'not_due'; at: Date }
  | { reason: 'busy'; until: Date };

export interface AttemptWrite {
  projectId: string;
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/** The row after an attempt (or a decision without one). */
export interface DeliveryUpdate {
  status: DeliveryStatus;
  attempts: number;
  totalAttempts: number;
  nextAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

const COLUMNS = `project_id, id, alert_id, transition_id, channel_id, kind, payload, status,
  attempts, total_attempts, max_attempts, next_attempt_at, locked_until, rate_slot_at,
  last_status, last_error, created_at, updated_at, delivered_at`;

/** The most bytes of a response body kept per attempt. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export class DeliveriesRepository {
  /**
   * Writes one outbox row; call it inside the transaction that records the transition.
   * Returns the delivery id (also the `webhook-id` receivers see). Enqueuing the same
   * (transition, channel) again returns the first row's id and writes nothing.
   */
  async enqueue(tx: SqlExecutor, d: DeliveryEnqueue): Promise<string> {
    const id = randomUUID();
    const r = await tx.query<{ id: string }>(
      `INSERT INTO webhook_deliveries (project_id, id, alert_id, transition_id, channel_id, kind,
         payload, max_attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
       ON CONFLICT (project_id, transition_id, channel_id) WHERE transition_id IS NOT NULL
         DO NOTHING
       RETURNING id`,
      [
        d.projectId,
        id,
        d.alertId,
        d.transitionId,
        d.channelId,
        d.kind ?? 'alert',
        JSON.stringify(d.payload),
        d.maxAttempts ?? null,
      ],
    );
    if (r.rows[0]) return r.rows[0].id;
    const existing = await tx.query<{ id: string }>(
      `SELECT id FROM webhook_deliveries
        WHERE project_id = $1 AND transition_id = $2 AND channel_id = $3`,
      [d.projectId, d.transitionId, d.channelId],
    );
    return existing.rows[0]!.id;
  }

  async get(db: SqlExecutor, projectId: string, id: string): Promise<DeliveryRecord | null> {
    const r = await db.query<DeliveryRecord>(
      `SELECT ${COLUMNS} FROM webhook_deliveries WHERE project_id = $1 AND id = $2`,
      [projectId, id],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  /** By id alone: for the delivery worker, which serves every project. */
  async getById(db: SqlExecutor, id: string): Promise<DeliveryRecord | null> {
    const r = await db.query<DeliveryRecord>(
      `SELECT ${COLUMNS} FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  /** Newest first. */
  async list(db: SqlExecutor, q: DeliveryQuery): Promise<DeliveryRecord[]> {
    const where = ['project_id = $1'];
    const params: unknown[] = [q.projectId];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.alertId) where.push(`alert_id = ${p(q.alertId)}`);
    if (q.channelId) where.push(`channel_id = ${p(q.channelId)}`);
    if (q.status?.length) where.push(`status = ANY(${p(q.status)}::text[])`);
    const r = await db.query<DeliveryRecord>(
      `SELECT ${COLUMNS} FROM webhook_deliveries WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT ${p(q.limit)}`,
      params,
    );
    return r.rows.map(toRecord);
  }

  /** The attempt log of some deliveries, oldest attempt first. */
  async attempts(
    db: SqlExecutor,
    projectId: string,
    deliveryIds: readonly string[],
  ): Promise<Map<string, DeliveryAttemptView[]>> {
    const out = new Map<string, DeliveryAttemptView[]>(deliveryIds.map((id) => [id, []]));
    if (deliveryIds.length === 0) return out;
    const r = await db.query<DeliveryAttemptView & { delivery_id: string }>(
      `SELECT delivery_id, attempt, started_at, duration_ms, http_status, error, response_excerpt
         FROM delivery_attempts
        WHERE project_id = $1 AND delivery_id = ANY($2::text[])
        ORDER BY delivery_id, attempt`,
      [projectId, deliveryIds],
    );
    for (const row of r.rows) {
      out.get(row.delivery_id)?.push({
        attempt: row.attempt,
        started_at: iso(row.started_at),
        duration_ms: row.duration_ms,
        http_status: row.http_status,
        error: row.error,
        response_excerpt: row.response_excerpt,
      });
    }
    return out;
  }

  /**
   * Takes a due row for one attempt: `pending` and due, or `delivering` with a lapsed lease
   * (its worker died). The row becomes `delivering` until `leaseUntil`. Two processes can
   * never both hold it.
   */
  async claim(
    db: SqlExecutor,
    id: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<DeliveryRecord | ClaimMiss> {
    const r = await db.query<DeliveryRecord>(
      `UPDATE webhook_deliveries
          SET status = 'delivering', locked_until = $3::timestamptz, updated_at = now()
        WHERE id = $1
          AND ((status = 'pending' AND next_attempt_at <= $2::timestamptz)
            OR (status = 'delivering' AND locked_until <= $2::timestamptz))
        RETURNING ${COLUMNS}`,
      [id, now.toISOString(), leaseUntil.toISOString()],
    );
    if (r.rows[0]) return toRecord(r.rows[0]);
    const row = await this.getById(db, id);
    if (!row) return { reason: 'missing' };
    if (row.status === 'pending') return { reason: 'not_due', at: new Date(row.next_attempt_at!) };
    if (row.status === 'delivering') return { reason: 'busy', until: new Date(row.locked_until!) };
    return { reason: 'final', status: row.status };
  }

  async recordAttempt(tx: SqlExecutor, a: AttemptWrite): Promise<void> {
    await tx.query(
      `INSERT INTO delivery_attempts (project_id, delivery_id, attempt, started_at, duration_ms,
         http_status, error, response_excerpt)
       VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7, $8)
       ON CONFLICT (project_id, delivery_id, attempt) DO NOTHING`,
      [
        a.projectId,
        a.deliveryId,
        a.attempt,
        a.startedAt.toISOString(),
        Math.max(0, Math.round(a.durationMs)),
        a.httpStatus,
        a.error === null ? null : a.error.slice(0, 2000),
        a.responseExcerpt === null ? null : cutUtf8(a.responseExcerpt, RESPONSE_EXCERPT_BYTES),
      ],
    );
  }

  /** Stores the outcome and releases the lease. */
  async finish(tx: SqlExecutor, id: string, u: DeliveryUpdate): Promise<void> {
    await tx.query(
      `UPDATE webhook_deliveries
          SET status = $2, attempts = $3, total_attempts = $4, next_attempt_at = $5::timestamptz,
              last_status = $6, last_error = $7, delivered_at = $8::timestamptz,
              locked_until = NULL, rate_slot_at = NULL, updated_at = now()
        WHERE id = $1`,
      [
        id,
        u.status,
        u.attempts,
        u.totalAttempts,
        u.nextAttemptAt?.toISOString() ?? null,
        u.lastStatus,
        u.lastError === null ? null : u.lastError.slice(0, 2000),
        u.deliveredAt?.toISOString() ?? null,
      ],
    );
  }

  /**
   * Puts a claimed row back to `pending` at `at` without using an attempt: waiting for the
   * channel's rate-limit slot (`rateSlot` then lets it send without reserving again).
   */
  async defer(db: SqlExecutor, id: string, at: Date, rateSlot: Date | null): Promise<void> {
    await db.query(
      `UPDATE webhook_deliveries
          SET status = 'pending', next_attempt_at = $2::timestamptz, rate_slot_at = $3::timestamptz,
              locked_until = NULL, updated_at = now()
        WHERE id = $1`,
      [id, at.toISOString(), rateSlot?.toISOString() ?? null],
    );
  }

  /**
   * A new attempt cycle for a failed or dead delivery: `pending` now, attempts of the cycle
   * back to 0, same id (so the same `webhook-id`). Null when there is no such row; the row
   * unchanged when it is not failed or dead.
   */
  async redeliver(
    db: SqlExecutor,
    projectId: string,
    id: string,
    now: Date,
  ): Promise<{ row: DeliveryRecord; restarted: boolean } | null> {
    const r = await db.query<DeliveryRecord>(
      `UPDATE webhook_deliveries
          SET status = 'pending', attempts = 0, next_attempt_at = $3::timestamptz,
              locked_until = NULL, rate_slot_at = NULL, updated_at = now()
        WHERE project_id = $1 AND id = $2 AND status IN ('failed', 'dead')
        RETURNING ${COLUMNS}`,
      [projectId, id, now.toISOString()],
    );
    if (r.rows[0]) return { row: toRecord(r.rows[0]), restarted: true };
    const row = await this.get(db, projectId, id);
    return row ? { row, restarted: false } : null;
  }

  /**
   * Rows the relay hands (again) to the queue: pending and due within `horizonMs`, or
   * delivering with a lapsed lease. Earliest first.
   */
  async due(
    db: SqlExecutor,
    now: Date,
    horizonMs: number,
    limit: number,
  ): Promise<{ id: string; next_attempt_at: Date }[]> {
    const r = await db.query<{ id: string; next_attempt_at: Date | string }>(
      `SELECT id, CASE WHEN status = 'delivering' THEN locked_until ELSE next_attempt_at END
                  AS next_attempt_at
         FROM webhook_deliveries
        WHERE status IN ('pending', 'delivering')
          AND next_attempt_at <= $1::timestamptz + make_interval(secs => $2::double precision / 1000)
          AND (status = 'pending' OR locked_until <= $1::timestamptz)
        ORDER BY next_attempt_at
        LIMIT $3`,
      [now.toISOString(), horizonMs, limit],
    );
    return r.rows.map((row) => ({
      id: row.id,
      next_attempt_at:
        row.next_attempt_at instanceof Date ? row.next_attempt_at : new Date(row.next_attempt_at),
    }));
  }

  /**
   * Order per (channel, alert fingerprint): when an older notification of the same alert to
   * the same channel is still open, when to look again: when it is next due (pending), or
   * `inFlightRecheckAt` (delivering: its attempt ends within seconds, its lease much later).
   * Null when there is none. A trigger stuck in retries must not arrive after its resolve.
   */
  async olderOpen(
    db: SqlExecutor,
    row: DeliveryRecord,
    inFlightRecheckAt: Date,
  ): Promise<Date | null> {
    const r = await db.query<{ at: Date | string | null }>(
      `SELECT min(CASE WHEN o.status = 'delivering' THEN $2::timestamptz ELSE o.next_attempt_at END) AS at
         FROM webhook_deliveries o, webhook_deliveries me
        WHERE me.id = $1
          AND o.project_id = me.project_id AND o.channel_id = me.channel_id
          AND o.status IN ('pending', 'delivering')
          AND o.payload->'alert'->>'fingerprint' = me.payload->'alert'->>'fingerprint'
          AND (o.created_at, o.id) < (me.created_at, me.id)`,
      [row.id, inFlightRecheckAt.toISOString()],
    );
    const at = r.rows[0]?.at;
    return at == null ? null : at instanceof Date ? at : new Date(at);
  }

  /** A deleted channel's unfinished rows end as failed (kept as history). */
  async failOpenForChannel(
    db: SqlExecutor,
    projectId: string,
    channelId: string,
    reason: string,
  ): Promise<number> {
    const r = await db.query(
      `UPDATE webhook_deliveries
          SET status = 'failed', last_error = $3, next_attempt_at = NULL, locked_until = NULL,
              updated_at = now()
        WHERE project_id = $1 AND channel_id = $2 AND status = 'pending'`,
      [projectId, channelId, reason],
    );
    return r.rowCount;
  }

  /** Deletes final rows (and their attempts) last updated before `before`, in one batch. */
  async purgeFinal(db: SqlExecutor, before: Date, limit: number): Promise<number> {
    const r = await db.query(
      `DELETE FROM webhook_deliveries
        WHERE (project_id, id) IN (
          SELECT project_id, id FROM webhook_deliveries
           WHERE status IN ('delivered', 'failed', 'dead', 'skipped')
             AND updated_at < $1::timestamptz
           LIMIT $2)`,
      [before.toISOString(), limit],
    );
    return r.rowCount;
  }
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function cutUtf8(s: string, maxBytes: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut lands on a character start.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

function isoOrNull(v: unknown): string | null {
  return v == null ? null : iso(v);
}

function toRecord(row: DeliveryRecord): DeliveryRecord {
  return {
    ...row,
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    next_attempt_at: isoOrNull(row.next_attempt_at),
    locked_until: isoOrNull(row.locked_until),
    rate_slot_at: isoOrNull(row.rate_slot_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    delivered_at: isoOrNull(row.delivered_at),
  };
}
