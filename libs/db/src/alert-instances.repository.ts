import { randomUUID } from 'node:crypto';
import type { AlertAction, AlertStatus, AlertView } from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

const COLUMNS = `id, project_id, rule_id, rule_name, condition, threshold, fingerprint, status,
  severity, group_labels AS "group", labels, annotations, value, started_at, fired_at,
  resolved_at, acknowledged_at, acknowledged_by, last_notified_at, updated_at`;

/** What a transition writes; the row's identity is its open fingerprint. */
export interface AlertWrite {
  project_id: string;
  rule_id: string;
  rule_name: string;
  condition: string;
  threshold: number;
  fingerprint: string;
  severity: string;
  group: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  at: string;
  started_at: string;
}

export interface AlertTimelineEntry {
  at: string;
  action: string;
  value: number | null;
  actor: string | null;
  note: string | null;
}

export interface AlertListQuery {
  projectId: string;
  status?: AlertStatus[] | undefined;
  ruleId?: string | undefined;
  severity?: string[] | undefined;
  startTime?: string | undefined;
  endTime?: string | undefined;
  before?: { ts: string; id: string } | undefined;
  limit: number;
}

function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return (v instanceof Date ? v : new Date(v as string)).toISOString();
}

function toView(r: Record<string, unknown>): AlertView {
  return {
    ...(r as unknown as AlertView),
    threshold: Number(r.threshold),
    value: r.value === null ? null : Number(r.value),
    started_at: iso(r.started_at)!,
    fired_at: iso(r.fired_at),
    resolved_at: iso(r.resolved_at),
    acknowledged_at: iso(r.acknowledged_at),
    last_notified_at: iso(r.last_notified_at),
    updated_at: iso(r.updated_at)!,
  };
}

/**
 * Alert instances and their timeline. Every write goes through {@link apply}, one
 * transition at a time inside the caller's transaction, so the row and its timeline entry
 * (and the caller's outbox rows) commit together.
 */
export class AlertInstancesRepository {
  /**
   * Applies an evaluator transition to the open instance of its fingerprint (creating it for
   * `pending`/`firing`), appends the timeline entry, and returns the row (null when there
   * was nothing open to end).
   */
  async apply(tx: SqlExecutor, action: AlertAction, w: AlertWrite): Promise<AlertView | null> {
    const open = await tx.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM alert_instances
        WHERE project_id = $1 AND fingerprint = $2 AND status IN ('pending', 'firing')
        FOR UPDATE`,
      [w.project_id, w.fingerprint],
    );
    let row = open.rows[0];
    if (!row) {
      if (action !== 'pending' && action !== 'firing') return null;
      const created = await tx.query<Record<string, unknown>>(
        `INSERT INTO alert_instances (project_id, id, rule_id, rule_name, condition, threshold,
           fingerprint, status, severity, group_labels, labels, annotations, value, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9::jsonb, $10::jsonb, $11::jsonb,
           $12, $13::timestamptz)
         RETURNING ${COLUMNS}`,
        [
          w.project_id,
          randomUUID(),
          w.rule_id,
          w.rule_name,
          w.condition,
          w.threshold,
          w.fingerprint,
          w.severity,
          JSON.stringify(w.group),
          JSON.stringify(w.labels),
          JSON.stringify(w.annotations),
          w.value,
          w.started_at,
        ],
      );
      row = created.rows[0]!;
    }
    const id = String(row.id);
    // Each action sets its own columns; $1 and $2 locate the row.
    const updates: Record<AlertAction, [string, unknown[]]> = {
      pending: ['value = $3', [w.value]],
      firing: [
        `status = 'firing', fired_at = $3::timestamptz, last_notified_at = $3::timestamptz,
         value = $4, annotations = $5::jsonb`,
        [w.at, w.value, JSON.stringify(w.annotations)],
      ],
      repeat: ['last_notified_at = $3::timestamptz, value = $4', [w.at, w.value]],
      resolved: [`status = 'resolved', resolved_at = $3::timestamptz`, [w.at]],
      cancelled: [`status = 'cancelled', resolved_at = $3::timestamptz`, [w.at]],
      acknowledged: ['acknowledged_at = $3::timestamptz', [w.at]],
    };
    const [set, values] = updates[action];
    const updated = await tx.query<Record<string, unknown>>(
      `UPDATE alert_instances SET ${set}, updated_at = now()
        WHERE project_id = $1 AND id = $2
        RETURNING ${COLUMNS}`,
      [w.project_id, id, ...values],
    );
    await this.addEvent(tx, w.project_id, id, w.at, action, w.value, null, null);
    return toView(updated.rows[0]!);
  }

  async addEvent(
    tx: SqlExecutor,
    projectId: string,
    alertId: string,
    at: string,
    action: string,
    value: number | null,
    actor: string | null,
    note: string | null,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO alert_events (project_id, alert_id, at, action, value, actor, note)
       VALUES ($1, $2, $3::timestamptz, $4, $5, $6, $7)`,
      [projectId, alertId, at, action, value, actor, note],
    );
  }

  /** A person acknowledges a firing alert: repeats stop until it resolves. */
  async acknowledge(
    tx: SqlExecutor,
    projectId: string,
    id: string,
    by: string,
    note: string | null,
  ): Promise<AlertView | null> {
    const r = await tx.query<Record<string, unknown>>(
      `UPDATE alert_instances SET acknowledged_at = now(), acknowledged_by = $3, updated_at = now()
        WHERE project_id = $1 AND id = $2 AND status = 'firing' AND acknowledged_at IS NULL
        RETURNING ${COLUMNS}`,
      [projectId, id, by],
    );
    const row = r.rows[0];
    if (!row) return null;
    const view = toView(row);
    await this.addEvent(
      tx,
      projectId,
      id,
      view.acknowledged_at!,
      'acknowledged',
      view.value,
      by,
      note,
    );
    return view;
  }

  /** A person resolves an open alert by hand. */
  async resolveByHand(
    tx: SqlExecutor,
    projectId: string,
    id: string,
    by: string,
    note: string | null,
  ): Promise<AlertView | null> {
    const r = await tx.query<Record<string, unknown>>(
      `UPDATE alert_instances SET status = 'resolved', resolved_at = now(), updated_at = now()
        WHERE project_id = $1 AND id = $2 AND status IN ('pending', 'firing')
        RETURNING ${COLUMNS}`,
      [projectId, id],
    );
    const row = r.rows[0];
    if (!row) return null;
    const view = toView(row);
    await this.addEvent(tx, projectId, id, view.resolved_at!, 'resolved', view.value, by, note);
    return view;
  }

  async get(db: SqlExecutor, projectId: string, id: string): Promise<AlertView | null> {
    const r = await db.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM alert_instances WHERE project_id = $1 AND id = $2`,
      [projectId, id],
    );
    return r.rows[0] ? toView(r.rows[0]) : null;
  }

  async timeline(db: SqlExecutor, projectId: string, id: string): Promise<AlertTimelineEntry[]> {
    const r = await db.query<Record<string, unknown>>(
      `SELECT at, action, value, actor, note FROM alert_events
        WHERE project_id = $1 AND alert_id = $2 ORDER BY at, id`,
      [projectId, id],
    );
    return r.rows.map((e) => ({
      at: iso(e.at)!,
      action: String(e.action),
      value: e.value === null ? null : Number(e.value),
      actor: (e.actor as string | null) ?? null,
      note: (e.note as string | null) ?? null,
    }));
  }

  /** Newest first (by when the condition started), keyset-paged. */
  async list(db: SqlExecutor, q: AlertListQuery): Promise<AlertView[]> {
    const where = ['project_id = $1'];
    const params: unknown[] = [q.projectId];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.status?.length) where.push(`status = ANY(${p(q.status)}::text[])`);
    if (q.ruleId) where.push(`rule_id = ${p(q.ruleId)}`);
    if (q.severity?.length) where.push(`severity = ANY(${p(q.severity)}::text[])`);
    if (q.startTime)
      where.push(`coalesce(resolved_at, 'infinity') >= ${p(q.startTime)}::timestamptz`);
    if (q.endTime) where.push(`started_at <= ${p(q.endTime)}::timestamptz`);
    if (q.before)
      where.push(`(started_at, id) < (${p(q.before.ts)}::timestamptz, ${p(q.before.id)})`);
    const r = await db.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM alert_instances WHERE ${where.join(' AND ')}
        ORDER BY started_at DESC, id DESC LIMIT ${p(q.limit)}`,
      params,
    );
    return r.rows.map(toView);
  }

  /** Open alerts of every project: what an evaluator adopts at start. */
  async listOpen(db: SqlExecutor): Promise<AlertView[]> {
    const r = await db.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM alert_instances WHERE status IN ('pending', 'firing')`,
    );
    return r.rows.map(toView);
  }

  /** Alerts changed by people since `sinceIso` (acknowledged or resolved by hand). */
  async changedByPeopleSince(
    db: SqlExecutor,
    sinceIso: string,
  ): Promise<{ fingerprint: string; action: string }[]> {
    const r = await db.query<{ fingerprint: string; action: string }>(
      `SELECT i.fingerprint, e.action FROM alert_events e
         JOIN alert_instances i ON i.project_id = e.project_id AND i.id = e.alert_id
        WHERE e.actor IS NOT NULL AND e.at >= $1::timestamptz
        ORDER BY e.at`,
      [sinceIso],
    );
    return r.rows;
  }
}
