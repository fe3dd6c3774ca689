import { randomUUID } from 'node:crypto';
import type { SilenceMatcher } from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

export interface Silence {
  id: string;
  project_id: string;
  matchers: SilenceMatcher[];
  starts_at: string;
  ends_at: string;
  created_by: string | null;
  comment: string | null;
  created_at: string;
  /** `active`, `pending` (starts later) or `expired`, at read time. */
  state: 'active' | 'pending' | 'expired';
}

const COLUMNS = 'id, project_id, matchers, starts_at, ends_at, created_by, comment, created_at';

function toSilence(r: Record<string, unknown>, nowMs = Date.now()): Silence {
  const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();
  const starts = iso(r.starts_at);
  const ends = iso(r.ends_at);
  return {
    id: String(r.id),
    project_id: String(r.project_id),
    matchers: r.matchers as SilenceMatcher[],
    starts_at: starts,
    ends_at: ends,
    created_by: (r.created_by as string | null) ?? null,
    comment: (r.comment as string | null) ?? null,
    created_at: iso(r.created_at),
    state:
      Date.parse(ends) <= nowMs ? 'expired' : Date.parse(starts) > nowMs ? 'pending' : 'active',
  };
}

export class SilencesRepository {
  async create(
    db: SqlExecutor,
    projectId: string,
    s: {
      matchers: SilenceMatcher[];
      starts_at: string;
      ends_at: string;
      created_by: string | null;
      comment: string | null;
    },
  ): Promise<Silence> {
    const r = await db.query<Record<string, unknown>>(
      `INSERT INTO silences (project_id, id, matchers, starts_at, ends_at, created_by, comment)
       VALUES ($1, $2, $3::jsonb, $4::timestamptz, $5::timestamptz, $6, $7)
       RETURNING ${COLUMNS}`,
      [
        projectId,
        randomUUID(),
        JSON.stringify(s.matchers),
        s.starts_at,
        s.ends_at,
        s.created_by,
        s.comment,
      ],
    );
    return toSilence(r.rows[0]!);
  }

  /** Not deleted and not expired (`includeExpired` lists those too). */
  async list(db: SqlExecutor, projectId: string, includeExpired = false): Promise<Silence[]> {
    const r = await db.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM silences WHERE project_id = $1 AND deleted_at IS NULL
          ${includeExpired ? '' : 'AND ends_at > now()'}
        ORDER BY starts_at DESC, id`,
      [projectId],
    );
    return r.rows.map((x) => toSilence(x));
  }

  async get(db: SqlExecutor, projectId: string, id: string): Promise<Silence | null> {
    const r = await db.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM silences WHERE project_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [projectId, id],
    );
    return r.rows[0] ? toSilence(r.rows[0]) : null;
  }

  /** Ends a silence now (kept for history). */
  async delete(db: SqlExecutor, projectId: string, id: string): Promise<boolean> {
    const r = await db.query(
      `UPDATE silences SET deleted_at = now() WHERE project_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [projectId, id],
    );
    return r.rowCount > 0;
  }

  /** Silences in force at `atIso`, every project: what the evaluator checks. */
  async activeAt(db: SqlExecutor, atIso: string): Promise<Silence[]> {
    const r = await db.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM silences
        WHERE deleted_at IS NULL AND starts_at <= $1::timestamptz AND ends_at > $1::timestamptz`,
      [atIso],
    );
    return r.rows.map((x) => toSilence(x, Date.parse(atIso)));
  }
}
