import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from './sql-client';

/** A named statement of the SQL console, per project. */
export interface SavedQuery {
  id: string;
  name: string;
  sql: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

export interface SavedQueryWrite {
  name: string;
  sql: string;
  description?: string | null | undefined;
}

interface Row extends Omit<SavedQuery, 'created_at' | 'updated_at'> {
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();
const toView = (r: Row): SavedQuery => ({
  id: r.id,
  name: r.name,
  sql: r.sql,
  description: r.description,
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
});

const COLUMNS = 'id, name, sql, description, created_at, updated_at';

/** SQLSTATE unique_violation: the name is taken in the project (saved_queries_name_idx). */
export const isDuplicateName = (err: unknown): boolean =>
  (err as { code?: unknown })?.code === '23505';

export class SavedQueriesRepository {
  async list(db: SqlExecutor, projectId: string): Promise<SavedQuery[]> {
    const r = await db.query<Row>(
      `SELECT ${COLUMNS} FROM saved_queries WHERE project_id = $1 ORDER BY name, id`,
      [projectId],
    );
    return r.rows.map(toView);
  }

  async get(db: SqlExecutor, projectId: string, id: string): Promise<SavedQuery | null> {
    const r = await db.query<Row>(
      `SELECT ${COLUMNS} FROM saved_queries WHERE project_id = $1 AND id = $2`,
      [projectId, id],
    );
    return r.rows[0] ? toView(r.rows[0]) : null;
  }

  /** Throws PostgreSQL's unique violation when the name is taken ({@link isDuplicateName}). */
  async create(db: SqlExecutor, projectId: string, q: SavedQueryWrite): Promise<SavedQuery> {
    const r = await db.query<Row>(
      `INSERT INTO saved_queries (project_id, id, name, sql, description)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [projectId, randomUUID(), q.name, q.sql, q.description ?? null],
    );
    return toView(r.rows[0]!);
  }

  /** Replaces name, sql and description; null when there is no such query. */
  async replace(
    db: SqlExecutor,
    projectId: string,
    id: string,
    q: SavedQueryWrite,
  ): Promise<SavedQuery | null> {
    const r = await db.query<Row>(
      `UPDATE saved_queries SET name = $3, sql = $4, description = $5, updated_at = now()
        WHERE project_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [projectId, id, q.name, q.sql, q.description ?? null],
    );
    return r.rows[0] ? toView(r.rows[0]) : null;
  }

  async delete(db: SqlExecutor, projectId: string, id: string): Promise<boolean> {
    const r = await db.query('DELETE FROM saved_queries WHERE project_id = $1 AND id = $2', [
      projectId,
      id,
    ]);
    return r.rowCount > 0;
  }
}
