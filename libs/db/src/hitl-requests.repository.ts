import type {
  HitlRequestView,
  HitlRequestWrite,
  HitlResponse,
  HitlStatus,
} from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

const RECORD_TYPES = `project_id text, id text, type text, question text, choices jsonb,
  requires_response boolean, app text, session_id text, agent_id text, created_at timestamptz,
  expires_at timestamptz`;

const COLUMNS = `project_id, id, status, type, question, choices, requires_response, app,
  session_id, agent_id, created_at, expires_at, response, responded_by, responded_at`;

export interface HitlListFilter {
  projectId: string;
  status?: HitlStatus | undefined;
  sessionId?: string | undefined;
  app?: string | undefined;
  limit: number;
}

/** Why an answer was not stored. */
export type HitlAnswerMiss = { reason: 'missing' } | { reason: 'closed'; request: HitlRequestView };

/**
 * HITL requests. Rows are created by the event pipeline (inside its transaction) and
 * answered, cancelled or expired by the api. Expiry is lazy: every read first turns the
 * project's overdue pending rows into `timeout` (one indexed UPDATE), so no sweeper is
 * needed and every api instance reports the same status.
 */
export class HitlRequestsRepository {
  /** Inserts the requests of newly stored events; one statement; replays change nothing. */
  async insertMany(db: SqlExecutor, rows: readonly HitlRequestWrite[]): Promise<void> {
    if (rows.length === 0) return;
    await db.query(
      `INSERT INTO hitl_requests (project_id, id, type, question, choices, requires_response, app,
         session_id, agent_id, created_at, expires_at)
       SELECT project_id, id, type, question, choices, requires_response, app, session_id,
              agent_id, created_at, expires_at
         FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_TYPES})
        ORDER BY project_id, id
       ON CONFLICT (project_id, id) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }

  /** Pending rows past their expiry become `timeout`. */
  async expire(db: SqlExecutor, projectId: string, now: Date, id?: string): Promise<void> {
    const params: unknown[] = [projectId, now.toISOString()];
    if (id !== undefined) params.push(id);
    await db.query(
      `UPDATE hitl_requests SET status = 'timeout'
        WHERE project_id = $1 AND status = 'pending' AND expires_at <= $2::timestamptz
              ${id !== undefined ? 'AND id = $3' : ''}`,
      params,
    );
  }

  async get(
    db: SqlExecutor,
    projectId: string,
    id: string,
    now = new Date(),
  ): Promise<HitlRequestView | null> {
    await this.expire(db, projectId, now, id);
    const r = await db.query<HitlRequestView>(
      `SELECT ${COLUMNS} FROM hitl_requests WHERE project_id = $1 AND id = $2`,
      [projectId, id],
    );
    return r.rows[0] ? toView(r.rows[0]) : null;
  }

  /** Newest first. */
  async list(db: SqlExecutor, f: HitlListFilter, now = new Date()): Promise<HitlRequestView[]> {
    await this.expire(db, f.projectId, now);
    const where = ['project_id = $1'];
    const params: unknown[] = [f.projectId];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.status !== undefined) add('status = ?', f.status);
    if (f.sessionId !== undefined) add('session_id = ?', f.sessionId);
    if (f.app !== undefined) add('app = ?', f.app);
    params.push(f.limit);
    const r = await db.query<HitlRequestView>(
      `SELECT ${COLUMNS} FROM hitl_requests WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return r.rows.map(toView);
  }

  /**
   * Stores the answer if the request is still pending and not expired: exactly one of two
   * racing answers wins. Otherwise says why (missing, or closed with its current state).
   */
  async answer(
    db: SqlExecutor,
    projectId: string,
    id: string,
    response: HitlResponse,
    now: Date,
  ): Promise<HitlRequestView | HitlAnswerMiss> {
    const r = await db.query<HitlRequestView>(
      `UPDATE hitl_requests
          SET status = 'responded', response = $3::jsonb, responded_by = $4,
              responded_at = $5::timestamptz
        WHERE project_id = $1 AND id = $2 AND status = 'pending'
              AND expires_at > $5::timestamptz
        RETURNING ${COLUMNS}`,
      [projectId, id, JSON.stringify(response), response.respondedBy, now.toISOString()],
    );
    if (r.rows[0]) return toView(r.rows[0]);
    const current = await this.get(db, projectId, id, now);
    return current ? { reason: 'closed', request: current } : { reason: 'missing' };
  }

  /** The agent gave up: a pending request becomes `cancelled`. */
  async cancel(
    db: SqlExecutor,
    projectId: string,
    id: string,
    now: Date,
  ): Promise<HitlRequestView | HitlAnswerMiss> {
    const r = await db.query<HitlRequestView>(
      `UPDATE hitl_requests SET status = 'cancelled'
        WHERE project_id = $1 AND id = $2 AND status = 'pending'
              AND expires_at > $3::timestamptz
        RETURNING ${COLUMNS}`,
      [projectId, id, now.toISOString()],
    );
    if (r.rows[0]) return toView(r.rows[0]);
    const current = await this.get(db, projectId, id, now);
    return current ? { reason: 'closed', request: current } : { reason: 'missing' };
  }
}

function iso(v: unknown): string {
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function toView(row: HitlRequestView): HitlRequestView {
  return {
    id: row.id,
    project_id: row.project_id,
    status: row.status,
    type: row.type,
    question: row.question,
    choices: row.choices == null ? null : json<string[]>(row.choices),
    requires_response: row.requires_response,
    app: row.app,
    session_id: row.session_id,
    agent_id: row.agent_id,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
    response: row.response == null ? null : json<HitlResponse>(row.response),
    responded_by: row.responded_by,
    responded_at: row.responded_at == null ? null : iso(row.responded_at),
  };
}
