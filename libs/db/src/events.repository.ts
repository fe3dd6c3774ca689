import { searchTextOf } from '@fleetscope/domain';
import type { EventEnvelope, EventFilter, LiveCursor } from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

/** Columns of `events` in envelope order (the envelope's field names ARE the column names). */
const COLUMNS = [
  'project_id',
  'id',
  'ts',
  'received_at',
  'source',
  'app',
  'agent_id',
  'agent_type',
  'session_id',
  'event_type',
  'severity',
  'summary',
  'payload',
  'trace_id',
  'span_id',
  'parent_span_id',
  'duration_ms',
  'status',
  'model',
  'provider',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'cost_usd',
  'tool_name',
  'tags',
  'attributes',
] as const;

const RECORD_TYPES = `project_id text, id text, ts timestamptz, received_at timestamptz,
  source text, app text, agent_id text, agent_type text, session_id text, event_type text,
  severity smallint, summary text, payload jsonb, trace_id text, span_id text,
  parent_span_id text, duration_ms double precision, status text, model text, provider text,
  input_tokens bigint, output_tokens bigint, cache_read_tokens bigint,
  cache_creation_tokens bigint, cost_usd double precision, tool_name text, tags jsonb,
  attributes jsonb`;

/**
 * The whole batch travels as ONE jsonb parameter and is unpacked server-side with
 * jsonb_to_recordset: fully parameterised, no 65k-parameter ceiling, one round trip.
 * The full-text column is built from `searchTextOf` (libs/domain): the summary, the names
 * and a bounded sample of the payload's string values, sent beside the row as `search_text`.
 */
const INSERT_SQL = `INSERT INTO events (${COLUMNS.join(', ')}, search)
SELECT ${COLUMNS.map((c) => `r.${c}`).join(', ')}, to_tsvector('simple', r.search_text)
  FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_TYPES}, search_text text)
ON CONFLICT (project_id, id, ts) DO NOTHING
RETURNING project_id, id, ts`;

/** The primary key of an event, as one string. */
const keyOf = (projectId: string, id: string, tsIso: string): string =>
  `${projectId}\u0000${id}\u0000${tsIso}`;

/** The conditions of GET /events (and of a live subscription's filter), besides the project. */
type EventConditions = Omit<EventQuery, 'projectId' | 'before' | 'limit'>;

export interface EventQuery {
  projectId: string;
  startTime?: string | undefined;
  endTime?: string | undefined;
  app?: string[] | undefined;
  eventType?: string[] | undefined;
  sessionId?: string | undefined;
  agentId?: string | undefined;
  traceId?: string | undefined;
  minSeverity?: number | undefined;
  search?: string | undefined;
  tags?: Record<string, string> | undefined;
  /** Keyset pagination: rows strictly older than (ts, id). */
  before?: { ts: string; id: string } | undefined;
  limit: number;
}

interface EventRow extends Omit<EventEnvelope, 'ts' | 'received_at'> {
  ts: Date | string;
  received_at: Date | string;
}

export class EventsRepository {
  /** Inserts a batch idempotently; returns how many rows were new. */
  async insertBatch(tx: SqlExecutor, events: readonly EventEnvelope[]): Promise<number> {
    return (await this.insertFresh(tx, events)).length;
  }

  /**
   * Inserts a batch idempotently and returns the events that were actually stored (new
   * primary keys), in batch order. Everything summarised from events (sessions, traces)
   * is computed from these only, so a replayed batch or a client retry counts nothing twice.
   * NOTE: a key repeated inside the batch is stored once: its first occurrence.
   */
  async insertFresh(tx: SqlExecutor, events: readonly EventEnvelope[]): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const seen = new Set<string>();
    const unique = events.filter((e) => {
      const k = keyOf(e.project_id, e.id, e.ts);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const records = unique.map((e) => {
      const r: Record<string, unknown> = {};
      for (const c of COLUMNS) r[c] = (e as Record<string, unknown>)[c] ?? null;
      r.search_text = searchTextOf(e);
      return r;
    });
    const result = await tx.query<{ project_id: string; id: string; ts: Date | string }>(
      INSERT_SQL,
      [JSON.stringify(records)],
    );
    if (result.rows.length === unique.length) return unique;
    const stored = new Set(result.rows.map((r) => keyOf(r.project_id, r.id, toIso(r.ts))));
    return unique.filter((e) => stored.has(keyOf(e.project_id, e.id, e.ts)));
  }

  async findById(db: SqlExecutor, projectId: string, id: string): Promise<EventEnvelope | null> {
    const r = await db.query<EventRow>(
      `SELECT ${COLUMNS.join(', ')} FROM events WHERE project_id = $1 AND id = $2 ORDER BY ts DESC LIMIT 1`,
      [projectId, id],
    );
    const row = r.rows[0];
    return row ? toEnvelope(row) : null;
  }

  /** Newest first, ordered by (ts DESC, id DESC) so the keyset cursor is stable. */
  async list(db: SqlExecutor, q: EventQuery): Promise<EventEnvelope[]> {
    const { where, p, params } = whereOf(q.projectId, q);
    if (q.before) {
      where.push(`(ts, id) < (${p(q.before.ts)}::timestamptz, ${p(q.before.id)})`);
    }
    const sql = `SELECT ${COLUMNS.join(', ')} FROM events WHERE ${where.join(' AND ')}
      ORDER BY ts DESC, id DESC LIMIT ${p(q.limit)}`;
    const r = await db.query<EventRow>(sql, params);
    return r.rows.map(toEnvelope);
  }

  /**
   * Distinct apps, sessions (most recently active first) and event types seen since
   * `since`: the hook dashboard's filter lists. Bounded in time and count so it never scans
   * the whole history.
   */
  async filterOptions(
    db: SqlExecutor,
    projectId: string,
    since: string,
    max = 300,
  ): Promise<{ source_apps: string[]; session_ids: string[]; hook_event_types: string[] }> {
    const [apps, sessions, types] = await Promise.all([
      db.query<{ v: string }>(
        'SELECT DISTINCT app AS v FROM events WHERE project_id = $1 AND ts >= $2 ORDER BY 1 LIMIT $3',
        [projectId, since, max],
      ),
      db.query<{ v: string }>(
        `SELECT session_id AS v FROM events WHERE project_id = $1 AND ts >= $2
          GROUP BY session_id ORDER BY max(ts) DESC LIMIT $3`,
        [projectId, since, max],
      ),
      db.query<{ v: string }>(
        'SELECT DISTINCT event_type AS v FROM events WHERE project_id = $1 AND ts >= $2 ORDER BY 1 LIMIT $3',
        [projectId, since, max],
      ),
    ]);
    return {
      source_apps: apps.rows.map((r) => r.v),
      session_ids: sessions.rows.map((r) => r.v),
      hook_event_types: types.rows.map((r) => r.v),
    };
  }

  /**
   * The events of an explicit trace (client-sent trace_id), oldest first, at most `limit`
   * (events_trace_idx).
   */
  async listByTrace(
    db: SqlExecutor,
    projectId: string,
    traceId: string,
    limit: number,
  ): Promise<EventEnvelope[]> {
    const r = await db.query<EventRow>(
      `SELECT ${COLUMNS.join(', ')} FROM events WHERE project_id = $1 AND trace_id = $2
        ORDER BY ts, id LIMIT $3`,
      [projectId, traceId, limit],
    );
    return r.rows.map(toEnvelope);
  }

  /**
   * The Claude Code hook events of a session that carry no trace id (the events of its
   * derived trace), oldest first, at most `limit` (events_session_idx). `hookEventTypes`:
   * CLAUDE_CODE_HOOK_EVENT_TYPES; the test is isClaudeCodeHookEvent's.
   */
  async listClaudeCodeSession(
    db: SqlExecutor,
    projectId: string,
    sessionId: string,
    hookEventTypes: readonly string[],
    limit: number,
  ): Promise<EventEnvelope[]> {
    const r = await db.query<EventRow>(
      `SELECT ${COLUMNS.join(', ')} FROM events
        WHERE project_id = $1 AND session_id = $2 AND trace_id IS NULL
          AND (source = 'claude_code' OR event_type = ANY($3::text[]))
        ORDER BY ts, id LIMIT $4`,
      [projectId, sessionId, hookEventTypes, limit],
    );
    return r.rows.map(toEnvelope);
  }

  /**
   * The events of a live subscription received after `after` (a live cursor's position), in
   * the stream's `(received_at, ts, id)` order, at most `limit`: what a resuming subscriber
   * missed. `filter` is the subscription's (the conditions of GET /events; a `project_id`
   * other than the caller's matches nothing). Reads events_received_idx.
   */
  async listAfterCursor(
    db: SqlExecutor,
    projectId: string,
    filter: EventFilter,
    after: LiveCursor,
    limit: number,
  ): Promise<EventEnvelope[]> {
    if (filter.project_id !== undefined && filter.project_id !== projectId) return [];
    const { where, p, params } = whereAfter(projectId, filter, after);
    const r = await db.query<EventRow>(
      `SELECT ${COLUMNS.join(', ')} FROM events WHERE ${where.join(' AND ')}
        ORDER BY received_at, ts, id COLLATE "C" LIMIT ${p(limit)}`,
      params,
    );
    return r.rows.map(toEnvelope);
  }

  /** How many events {@link listAfterCursor} would return without its limit, counted up to `max`. */
  async countAfterCursor(
    db: SqlExecutor,
    projectId: string,
    filter: EventFilter,
    after: LiveCursor,
    max: number,
  ): Promise<number> {
    if (filter.project_id !== undefined && filter.project_id !== projectId) return 0;
    const { where, p, params } = whereAfter(projectId, filter, after);
    const r = await db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE ${where.join(' AND ')}
        LIMIT ${p(max)}) capped`,
      params,
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async countForProject(db: SqlExecutor, projectId: string): Promise<number> {
    const r = await db.query<{ n: string | number }>(
      'SELECT count(*) AS n FROM events WHERE project_id = $1',
      [projectId],
    );
    return Number(r.rows[0]?.n ?? 0);
  }
}

/** The WHERE conditions of GET /events, with the parameter list they bind. */
function whereOf(projectId: string, q: EventConditions) {
  const where: string[] = ['project_id = $1'];
  const params: unknown[] = [projectId];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (q.startTime) where.push(`ts >= ${p(q.startTime)}::timestamptz`);
  if (q.endTime) where.push(`ts <= ${p(q.endTime)}::timestamptz`);
  if (q.app?.length) where.push(`app = ANY(${p(q.app)}::text[])`);
  if (q.eventType?.length) where.push(`event_type = ANY(${p(q.eventType)}::text[])`);
  if (q.sessionId) where.push(`session_id = ${p(q.sessionId)}`);
  if (q.agentId) where.push(`agent_id = ${p(q.agentId)}`);
  if (q.traceId) where.push(`trace_id = ${p(q.traceId)}`);
  if (q.minSeverity !== undefined) where.push(`severity >= ${p(q.minSeverity)}`);
  if (q.search) where.push(`search @@ websearch_to_tsquery('simple', ${p(q.search)})`);
  if (q.tags && Object.keys(q.tags).length > 0)
    where.push(`tags @> ${p(JSON.stringify(q.tags))}::jsonb`);
  return { where, params, p };
}

const asList = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : typeof v === 'string' ? [v] : v;

/** A live subscription's filter as the conditions of GET /events (the same semantics as matchesFilter). */
function conditionsOf(f: EventFilter): EventConditions {
  return {
    app: asList(f.app),
    eventType: asList(f.event_type),
    sessionId: f.session_id,
    agentId: f.agent_id,
    traceId: f.trace_id,
    minSeverity: f.severity,
    tags: f.tags,
  };
}

/**
 * The filter's conditions plus "after the cursor's position": received later, or in the same
 * millisecond and not delivered (not among the cursor's ids, or after its `(ts, id)`).
 */
function whereAfter(projectId: string, filter: EventFilter, after: LiveCursor) {
  const q = whereOf(projectId, conditionsOf(filter));
  const r = `${q.p(after.r)}::timestamptz`;
  const t = after.s ? '' : `${q.p(after.t)}::timestamptz`;
  // NOTE: ids compare bytewise (COLLATE "C"), as JavaScript orders the live stream.
  const atR = after.s
    ? `NOT (id = ANY(${q.p(after.s)}::text[]))`
    : `(ts > ${t} OR (ts = ${t} AND id COLLATE "C" > ${q.p(after.i)}))`;
  q.where.push(`received_at >= ${r}`, `(received_at > ${r} OR ${atR})`);
  return q;
}

const toIso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toEnvelope(row: EventRow): EventEnvelope {
  return {
    ...row,
    ts: toIso(row.ts),
    received_at: toIso(row.received_at),
    severity: Number(row.severity) as EventEnvelope['severity'],
    duration_ms: num(row.duration_ms),
    input_tokens: num(row.input_tokens),
    output_tokens: num(row.output_tokens),
    cache_read_tokens: num(row.cache_read_tokens),
    cache_creation_tokens: num(row.cache_creation_tokens),
    cost_usd: num(row.cost_usd),
  };
}
