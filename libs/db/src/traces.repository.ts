import {
  CLAUDE_CODE_HOOK_EVENT_TYPES,
  type EventStatus,
  type TraceContribution,
} from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

const RECORD_TYPES = `project_id text, trace_id text, derived boolean, id text, ts timestamptz,
  duration_ms double precision, app text, session_id text, error boolean, ok boolean,
  root_span_id text, root_name text, opens_span boolean, agent_id text`;

/**
 * Transaction-scoped advisory locks on the batch's traces, taken in key order (no deadlock).
 * Why: span_count is a count of DISTINCT spans, and the statement below reads the events of
 * the trace to get it. A trace can span sessions, hence Kafka partitions, hence workers
 * running concurrently; under READ COMMITTED a second worker's statement must start after
 * the first worker committed, or it would not see that worker's spans. 0x666c6566 ("flef")
 * is this lock's class; hash collisions only serialise a little more.
 */
const LOCK_SQL = `SELECT pg_advisory_xact_lock(1718379878, k)
  FROM (SELECT DISTINCT hashtext(key) AS k FROM unnest($1::text[]) AS key ORDER BY k) s`;

/**
 * One statement per batch (after the locks). Additive fields merge as sums, times as
 * min/max, "earliest event" and "root" fields by the smaller (ts, id); status and duration
 * are generated columns. span_count:
 * - explicit traces: recounted from the stored events (distinct span_id; an event without
 *   one is a span of its own), which include this batch's since the events are inserted
 *   first in the same transaction. Exact whatever the order of arrival.
 * - derived (Claude Code) traces: 1 (the session) + one per prompt turn and tool call
 *   (counted on the events that open them: UserPromptSubmit, PreToolUse; each is a new event,
 *   so it is new) + one per subagent agent_id seen for the first time in the session (probed
 *   on events_agent_idx, excluding this batch's events). No rescan of a long session.
 * NOTE: `$2` is the Claude Code hook event types: the SQL twin of isClaudeCodeHookEvent.
 */
const UPSERT_SQL = `
WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_TYPES})),
g AS (
  SELECT project_id, trace_id,
    bool_or(derived) AS derived,
    min(ts) AS start_time,
    max(ts + coalesce(duration_ms, 0) * interval '1 millisecond') AS end_time,
    (array_agg(id ORDER BY ts, id))[1] AS first_event_id,
    (array_agg(app ORDER BY ts, id))[1] AS app,
    (array_agg(session_id ORDER BY ts, id))[1] AS session_id,
    min(ts) FILTER (WHERE root_span_id IS NOT NULL) AS root_at,
    (array_agg(root_span_id ORDER BY ts, root_span_id) FILTER (WHERE root_span_id IS NOT NULL))[1] AS root_span_id,
    (array_agg(root_name ORDER BY ts, root_span_id) FILTER (WHERE root_span_id IS NOT NULL))[1] AS root_name,
    count(*) AS event_count,
    count(*) FILTER (WHERE error) AS error_count,
    count(*) FILTER (WHERE ok) AS ok_count,
    count(*) FILTER (WHERE opens_span) AS opened
  FROM r
  GROUP BY project_id, trace_id
),
new_agents AS (
  SELECT f.project_id, f.trace_id, count(DISTINCT f.agent_id) AS n
    FROM r f
   WHERE f.derived AND f.agent_id IS NOT NULL
     AND NOT EXISTS (
       SELECT 1 FROM events e
        WHERE e.project_id = f.project_id AND e.agent_id = f.agent_id
          AND e.session_id = f.session_id AND e.trace_id IS NULL
          AND (e.source = 'claude_code' OR e.event_type = ANY($2::text[]))
          AND NOT EXISTS (SELECT 1 FROM r f2
                           WHERE f2.project_id = e.project_id AND f2.id = e.id AND f2.ts = e.ts))
   GROUP BY f.project_id, f.trace_id
),
explicit_spans AS (
  SELECT g.project_id, g.trace_id,
         (SELECT count(DISTINCT coalesce(e.span_id, 'event:' || e.id))
            FROM events e
           WHERE e.project_id = g.project_id AND e.trace_id = g.trace_id) AS n
    FROM g
   WHERE NOT g.derived
)
INSERT INTO traces (project_id, trace_id, derived, root_span_id, root_name, root_at, app,
  session_id, first_event_id, start_time, end_time, span_count, event_count, error_count, ok_count)
SELECT g.project_id, g.trace_id, g.derived, g.root_span_id, g.root_name, g.root_at, g.app,
       g.session_id, g.first_event_id, g.start_time, g.end_time,
       CASE WHEN g.derived THEN 1 + g.opened + coalesce(na.n, 0) ELSE es.n END,
       g.event_count, g.error_count, g.ok_count
  FROM g
  LEFT JOIN new_agents na ON na.project_id = g.project_id AND na.trace_id = g.trace_id
  LEFT JOIN explicit_spans es ON es.project_id = g.project_id AND es.trace_id = g.trace_id
 ORDER BY g.project_id, g.trace_id
ON CONFLICT (project_id, trace_id) DO UPDATE SET
  -- derived: EXCLUDED counted the session span again; explicit: EXCLUDED is the recount.
  span_count = CASE WHEN traces.derived THEN traces.span_count + EXCLUDED.span_count - 1
                    ELSE EXCLUDED.span_count END,
  start_time = least(traces.start_time, EXCLUDED.start_time),
  end_time = greatest(traces.end_time, EXCLUDED.end_time),
  app = CASE WHEN (EXCLUDED.start_time, EXCLUDED.first_event_id) < (traces.start_time, traces.first_event_id)
             THEN EXCLUDED.app ELSE traces.app END,
  session_id = CASE WHEN (EXCLUDED.start_time, EXCLUDED.first_event_id) < (traces.start_time, traces.first_event_id)
                    THEN EXCLUDED.session_id ELSE traces.session_id END,
  first_event_id = CASE WHEN (EXCLUDED.start_time, EXCLUDED.first_event_id) < (traces.start_time, traces.first_event_id)
                        THEN EXCLUDED.first_event_id ELSE traces.first_event_id END,
  root_span_id = CASE WHEN ${earlierRoot()} THEN EXCLUDED.root_span_id ELSE traces.root_span_id END,
  root_name = CASE WHEN ${earlierRoot()} THEN EXCLUDED.root_name ELSE traces.root_name END,
  root_at = CASE WHEN ${earlierRoot()} THEN EXCLUDED.root_at ELSE traces.root_at END,
  event_count = traces.event_count + EXCLUDED.event_count,
  error_count = traces.error_count + EXCLUDED.error_count,
  ok_count = traces.ok_count + EXCLUDED.ok_count,
  updated_at = now()`;

function earlierRoot(): string {
  return `EXCLUDED.root_span_id IS NOT NULL AND (traces.root_span_id IS NULL
    OR (EXCLUDED.root_at, EXCLUDED.root_span_id) < (traces.root_at, traces.root_span_id))`;
}

/** A trace as the API returns it; the seed's row names are added by the controller. */
export interface TraceSummary {
  trace_id: string;
  derived: boolean;
  root_span_id: string | null;
  root_name: string | null;
  app: string;
  session_id: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  status: EventStatus;
  span_count: number;
  event_count: number;
  error_count: number;
  created_at: string;
  updated_at: string;
}

export interface TraceQuery {
  projectId: string;
  app?: string[] | undefined;
  sessionId?: string | undefined;
  status?: EventStatus[] | undefined;
  /** Traces overlapping the window: end_time >= startTime and start_time <= endTime. */
  startTime?: string | undefined;
  endTime?: string | undefined;
  minDurationMs?: number | undefined;
  /** Keyset: rows strictly after (start_time, first_event_id) in DESC order. */
  before?: { ts: string; id: string } | undefined;
  limit: number;
}

interface TraceRow {
  trace_id: string;
  derived: boolean;
  root_span_id: string | null;
  root_name: string | null;
  app: string;
  session_id: string;
  first_event_id: string;
  start_time: Date | string;
  end_time: Date | string;
  duration_ms: number | string;
  status: EventStatus;
  span_count: number | string;
  event_count: number | string;
  error_count: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

const SELECT_COLUMNS = `trace_id, derived, root_span_id, root_name, app, session_id,
  first_event_id, start_time, end_time, duration_ms, status, span_count, event_count,
  error_count, created_at, updated_at`;

export class TracesRepository {
  /** Merges one batch of newly stored events' contributions (a lock and one statement). */
  async upsert(tx: SqlExecutor, contributions: readonly TraceContribution[]): Promise<void> {
    if (contributions.length === 0) return;
    const lockKeys = new Set(contributions.map((c) => `${c.project_id}/${c.trace_id}`));
    await tx.query(LOCK_SQL, [[...lockKeys]]);
    await tx.query(UPSERT_SQL, [JSON.stringify(contributions), CLAUDE_CODE_HOOK_EVENT_TYPES]);
  }

  async findById(
    db: SqlExecutor,
    projectId: string,
    traceId: string,
  ): Promise<(TraceSummary & { first_event_id: string }) | null> {
    const r = await db.query<TraceRow>(
      `SELECT ${SELECT_COLUMNS} FROM traces WHERE project_id = $1 AND trace_id = $2`,
      [projectId, traceId],
    );
    const row = r.rows[0];
    return row ? toSummary(row) : null;
  }

  /** Newest first, ordered by (start_time DESC, first_event_id DESC). */
  async list(
    db: SqlExecutor,
    q: TraceQuery,
  ): Promise<(TraceSummary & { first_event_id: string })[]> {
    const params: unknown[] = [q.projectId];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = ['project_id = $1'];
    if (q.app?.length) where.push(`app = ANY(${p(q.app)}::text[])`);
    if (q.sessionId) where.push(`session_id = ${p(q.sessionId)}`);
    if (q.status?.length) where.push(`status = ANY(${p(q.status)}::text[])`);
    if (q.startTime) where.push(`end_time >= ${p(q.startTime)}::timestamptz`);
    if (q.endTime) where.push(`start_time <= ${p(q.endTime)}::timestamptz`);
    if (q.minDurationMs !== undefined) where.push(`duration_ms >= ${p(q.minDurationMs)}`);
    if (q.before) {
      where.push(
        `(start_time, first_event_id) < (${p(q.before.ts)}::timestamptz, ${p(q.before.id)})`,
      );
    }
    const r = await db.query<TraceRow>(
      `SELECT ${SELECT_COLUMNS} FROM traces WHERE ${where.join(' AND ')}
        ORDER BY start_time DESC, first_event_id DESC LIMIT ${p(q.limit)}`,
      params,
    );
    return r.rows.map(toSummary);
  }
}

const toIso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();

function toSummary(row: TraceRow): TraceSummary & { first_event_id: string } {
  return {
    trace_id: row.trace_id,
    derived: row.derived,
    root_span_id: row.root_span_id,
    root_name: row.root_name,
    app: row.app,
    session_id: row.session_id,
    first_event_id: row.first_event_id,
    start_time: toIso(row.start_time),
    end_time: toIso(row.end_time),
    duration_ms: Number(row.duration_ms),
    status: row.status,
    span_count: Number(row.span_count),
    event_count: Number(row.event_count),
    error_count: Number(row.error_count),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}
