import { randomUUID } from 'node:crypto';
import type { AnomalyView } from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

/** A stored anomaly: the row the API lists and live.v1 carries. */
export type AnomalyRecord = AnomalyView;

/** What a detector transition carries into storage (id, status and resolution are ours). */
export type AnomalyWrite = Omit<AnomalyRecord, 'id' | 'status' | 'resolved_at'>;

export interface AnomalyQuery {
  projectId: string;
  status?: 'open' | 'resolved' | undefined;
  kind?: string[] | undefined;
  app?: string[] | undefined;
  agentId?: string | undefined;
  startTime?: string | undefined;
  endTime?: string | undefined;
  limit: number;
}

const COLUMNS = `id, project_id, series_key, level, app, agent_id, session_id, kind, metric,
  window_label AS window, baseline, actual, expected, lower_bound, upper_bound, score, severity,
  status, first_seen, last_seen, resolved_at`;

export class AnomaliesRepository {
  /**
   * Opens an anomaly, or updates the open one of the same series and kind: an anomaly that
   * is still going on is one row, never repeated. Serialised per (series, kind) with a
   * transaction-scoped advisory lock, so two workers cannot open it twice.
   */
  async upsertOpen(tx: SqlExecutor, a: AnomalyWrite): Promise<AnomalyRecord> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      JSON.stringify([a.project_id, a.series_key, a.kind]),
    ]);
    const updated = await tx.query<AnomalyRecord>(
      `UPDATE anomalies
          SET actual = $4, expected = $5, lower_bound = $6, upper_bound = $7, score = $8,
              severity = $9, last_seen = greatest(last_seen, $10::timestamptz),
              baseline = $11, updated_at = now()
        WHERE project_id = $1 AND series_key = $2 AND kind = $3 AND status = 'open'
        RETURNING ${COLUMNS}`,
      [
        a.project_id,
        a.series_key,
        a.kind,
        a.actual,
        a.expected,
        a.lower_bound,
        a.upper_bound,
        a.score,
        a.severity,
        a.last_seen,
        a.baseline,
      ],
    );
    if (updated.rows[0]) return toRecord(updated.rows[0]);
    const inserted = await tx.query<AnomalyRecord>(
      `INSERT INTO anomalies (project_id, id, series_key, level, app, agent_id, session_id, kind,
         metric, window_label, baseline, actual, expected, lower_bound, upper_bound, score,
         severity, status, first_seen, last_seen)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
         'open', $18::timestamptz, $19::timestamptz)
       RETURNING ${COLUMNS}`,
      [
        a.project_id,
        randomUUID(),
        a.series_key,
        a.level,
        a.app,
        a.agent_id,
        a.session_id,
        a.kind,
        a.metric,
        a.window,
        a.baseline,
        a.actual,
        a.expected,
        a.lower_bound,
        a.upper_bound,
        a.score,
        a.severity,
        a.first_seen,
        a.last_seen,
      ],
    );
    return toRecord(inserted.rows[0]!);
  }

  async resolve(
    tx: SqlExecutor,
    projectId: string,
    seriesKey: string,
    kind: string,
    atIso: string,
  ): Promise<AnomalyRecord | null> {
    const r = await tx.query<AnomalyRecord>(
      `UPDATE anomalies SET status = 'resolved', resolved_at = $4::timestamptz, updated_at = now()
        WHERE project_id = $1 AND series_key = $2 AND kind = $3 AND status = 'open'
        RETURNING ${COLUMNS}`,
      [projectId, seriesKey, kind, atIso],
    );
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  /** Open anomalies of every project, for a worker taking over detection after a restart. */
  async listOpen(db: SqlExecutor): Promise<AnomalyRecord[]> {
    const r = await db.query<AnomalyRecord>(
      `SELECT ${COLUMNS} FROM anomalies WHERE status = 'open' ORDER BY first_seen`,
    );
    return r.rows.map(toRecord);
  }

  /** Newest first. */
  async list(db: SqlExecutor, q: AnomalyQuery): Promise<AnomalyRecord[]> {
    const where = ['project_id = $1'];
    const params: unknown[] = [q.projectId];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.status) where.push(`status = ${p(q.status)}`);
    if (q.kind?.length) where.push(`kind = ANY(${p(q.kind)}::text[])`);
    if (q.app?.length) where.push(`app = ANY(${p(q.app)}::text[])`);
    if (q.agentId) where.push(`agent_id = ${p(q.agentId)}`);
    // An anomaly belongs to a range when its episode overlaps it.
    if (q.startTime) where.push(`last_seen >= ${p(q.startTime)}::timestamptz`);
    if (q.endTime) where.push(`first_seen <= ${p(q.endTime)}::timestamptz`);
    const r = await db.query<AnomalyRecord>(
      `SELECT ${COLUMNS} FROM anomalies WHERE ${where.join(' AND ')}
        ORDER BY first_seen DESC, id DESC LIMIT ${p(q.limit)}`,
      params,
    );
    return r.rows.map(toRecord);
  }
}

function toRecord(row: AnomalyRecord): AnomalyRecord {
  const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();
  return {
    ...row,
    actual: Number(row.actual),
    expected: Number(row.expected),
    lower_bound: Number(row.lower_bound),
    upper_bound: Number(row.upper_bound),
    score: Number(row.score),
    first_seen: iso(row.first_seen),
    last_seen: iso(row.last_seen),
    resolved_at: row.resolved_at == null ? null : iso(row.resolved_at),
  };
}
