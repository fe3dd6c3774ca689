import type { SessionContribution, SessionStatus } from '@fleetscope/domain';
import type { SqlExecutor } from './sql-client';

const RECORD_TYPES = `project_id text, session_id text, id text, ts timestamptz, app text,
  agent_id text, agent_type text, model text, provider text, event_type text, status text,
  error boolean, tool_call boolean, prompt text, input_tokens bigint, output_tokens bigint,
  cache_read_tokens bigint, cache_creation_tokens bigint, cost_usd numeric`;

/** Fields that keep their latest non-null value, each with the event time it was seen at. */
const LATEST_NON_NULL = ['agent_id', 'agent_type', 'model', 'provider'] as const;
/** Fields taken from the latest event, decided by (last_seen, last_event_id). */
const FROM_LATEST_EVENT = ['app', 'last_event_type', 'status', 'last_event_id'] as const;
const SUMS = [
  'events',
  'tool_calls',
  'errors',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'cost_usd',
] as const;

const newerNonNull = (c: string) =>
  `EXCLUDED.${c} IS NOT NULL AND (sessions.${c} IS NULL OR (EXCLUDED.${c}_at, EXCLUDED.${c}) > (sessions.${c}_at, sessions.${c}))`;
const newerEvent =
  '(EXCLUDED.last_seen, EXCLUDED.last_event_id) > (sessions.last_seen, sessions.last_event_id)';
const earlierPrompt =
  'EXCLUDED.first_prompt IS NOT NULL AND (sessions.first_prompt IS NULL OR (EXCLUDED.first_prompt_at, EXCLUDED.first_prompt) < (sessions.first_prompt_at, sessions.first_prompt))';

/**
 * One statement per batch: the batch's contributions travel as ONE jsonb parameter, are
 * grouped per session, and merged into existing rows. Every merge is order-independent:
 * sums add, first/last seen are min/max, the latest event is the greatest
 * (ts, event id), a latest non-null value is the greatest (ts, value).
 * NOTE: rows are inserted in key order so two transactions touching the same sessions lock
 * them in the same order (no deadlock).
 */
const UPSERT_SQL = `
WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${RECORD_TYPES})),
g AS (
  SELECT project_id, session_id,
    min(ts) AS first_seen,
    max(ts) AS last_seen,
    (array_agg(id ORDER BY ts DESC, id DESC))[1] AS last_event_id,
    (array_agg(app ORDER BY ts DESC, id DESC))[1] AS app,
    (array_agg(event_type ORDER BY ts DESC, id DESC))[1] AS last_event_type,
    (array_agg(status ORDER BY ts DESC, id DESC))[1] AS status,
    ${LATEST_NON_NULL.map(
      (
        c,
      ) => `(array_agg(${c} ORDER BY ts DESC, ${c} DESC) FILTER (WHERE ${c} IS NOT NULL))[1] AS ${c},
    max(ts) FILTER (WHERE ${c} IS NOT NULL) AS ${c}_at`,
    ).join(',\n    ')},
    (array_agg(prompt ORDER BY ts, prompt) FILTER (WHERE prompt IS NOT NULL))[1] AS first_prompt,
    min(ts) FILTER (WHERE prompt IS NOT NULL) AS first_prompt_at,
    count(*) AS events,
    count(*) FILTER (WHERE tool_call) AS tool_calls,
    count(*) FILTER (WHERE error) AS errors,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens,
    coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
    coalesce(sum(cache_creation_tokens), 0) AS cache_creation_tokens,
    coalesce(sum(cost_usd), 0) AS cost_usd
  FROM r
  GROUP BY project_id, session_id
)
INSERT INTO sessions (project_id, session_id, first_seen, last_seen, ${FROM_LATEST_EVENT.join(', ')},
  ${LATEST_NON_NULL.flatMap((c) => [c, `${c}_at`]).join(', ')}, first_prompt, first_prompt_at,
  ${SUMS.join(', ')})
SELECT project_id, session_id, first_seen, last_seen, ${FROM_LATEST_EVENT.join(', ')},
  ${LATEST_NON_NULL.flatMap((c) => [c, `${c}_at`]).join(', ')}, first_prompt, first_prompt_at,
  ${SUMS.join(', ')}
  FROM g
 ORDER BY project_id, session_id
ON CONFLICT (project_id, session_id) DO UPDATE SET
  first_seen = least(sessions.first_seen, EXCLUDED.first_seen),
  last_seen = greatest(sessions.last_seen, EXCLUDED.last_seen),
  ${FROM_LATEST_EVENT.map(
    (c) => `${c} = CASE WHEN ${newerEvent} THEN EXCLUDED.${c} ELSE sessions.${c} END`,
  ).join(',\n  ')},
  ${LATEST_NON_NULL.flatMap((c) => [
    `${c} = CASE WHEN ${newerNonNull(c)} THEN EXCLUDED.${c} ELSE sessions.${c} END`,
    `${c}_at = CASE WHEN ${newerNonNull(c)} THEN EXCLUDED.${c}_at ELSE sessions.${c}_at END`,
  ]).join(',\n  ')},
  first_prompt = CASE WHEN ${earlierPrompt} THEN EXCLUDED.first_prompt ELSE sessions.first_prompt END,
  first_prompt_at = CASE WHEN ${earlierPrompt} THEN EXCLUDED.first_prompt_at ELSE sessions.first_prompt_at END,
  ${SUMS.map((c) => `${c} = sessions.${c} + EXCLUDED.${c}`).join(',\n  ')},
  updated_at = now()`;

/** A session as the API returns it. `idle`: stored `active`, but quiet since the idle cut-off. */
export interface SessionSummary {
  session_id: string;
  app: string;
  agent_id: string | null;
  agent_type: string | null;
  model: string | null;
  provider: string | null;
  status: SessionStatus | 'idle';
  first_seen: string;
  last_seen: string;
  duration_ms: number;
  last_event_type: string;
  events: number;
  tool_calls: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  cost_usd: number;
  first_prompt: string | null;
  created_at: string;
  updated_at: string;
}

export type SessionListStatus = SessionStatus | 'idle';

export interface SessionQuery {
  projectId: string;
  app?: string[] | undefined;
  agentId?: string | undefined;
  status?: SessionListStatus[] | undefined;
  /** Sessions active in the window: last_seen >= startTime and first_seen <= endTime. */
  startTime?: string | undefined;
  endTime?: string | undefined;
  /** An `active` session quiet since this time reads as `idle`. */
  idleBefore: string;
  /** Keyset: rows strictly after (last_seen, last_event_id) in DESC order. */
  before?: { ts: string; id: string } | undefined;
  limit: number;
}

interface SessionRow {
  session_id: string;
  app: string;
  agent_id: string | null;
  agent_type: string | null;
  model: string | null;
  provider: string | null;
  status: SessionStatus | 'idle';
  first_seen: Date | string;
  last_seen: Date | string;
  last_event_id: string;
  last_event_type: string;
  events: string | number;
  tool_calls: string | number;
  errors: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cache_read_tokens: string | number;
  cache_creation_tokens: string | number;
  cost_usd: string | number;
  first_prompt: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const SELECT_COLUMNS = (idleParam: string) => `session_id, app, agent_id, agent_type, model,
  provider, CASE WHEN status = 'active' AND last_seen < ${idleParam}::timestamptz THEN 'idle'
  ELSE status END AS status, first_seen, last_seen, last_event_id, last_event_type, events,
  tool_calls, errors, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
  cost_usd::text AS cost_usd, first_prompt, created_at, updated_at`;

export class SessionsRepository {
  /** Merges one batch of newly stored events' contributions (one statement). */
  async upsert(tx: SqlExecutor, contributions: readonly SessionContribution[]): Promise<void> {
    if (contributions.length === 0) return;
    await tx.query(UPSERT_SQL, [JSON.stringify(contributions)]);
  }

  async findById(
    db: SqlExecutor,
    projectId: string,
    sessionId: string,
    idleBefore: string,
  ): Promise<(SessionSummary & { last_event_id: string }) | null> {
    const r = await db.query<SessionRow>(
      `SELECT ${SELECT_COLUMNS('$3')} FROM sessions WHERE project_id = $1 AND session_id = $2`,
      [projectId, sessionId, idleBefore],
    );
    const row = r.rows[0];
    return row ? { ...toSummary(row), last_event_id: row.last_event_id } : null;
  }

  /** Most recently active first, ordered by (last_seen DESC, last_event_id DESC). */
  async list(
    db: SqlExecutor,
    q: SessionQuery,
  ): Promise<(SessionSummary & { last_event_id: string })[]> {
    const params: unknown[] = [q.projectId, q.idleBefore];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = ['project_id = $1'];
    if (q.app?.length) where.push(`app = ANY(${p(q.app)}::text[])`);
    if (q.agentId) where.push(`agent_id = ${p(q.agentId)}`);
    if (q.status?.length) {
      const stored = q.status.filter((s) => s !== 'idle' && s !== 'active');
      const parts: string[] = [];
      if (stored.length) parts.push(`status = ANY(${p(stored)}::text[])`);
      if (q.status.includes('active'))
        parts.push(`(status = 'active' AND last_seen >= $2::timestamptz)`);
      if (q.status.includes('idle'))
        parts.push(`(status = 'active' AND last_seen < $2::timestamptz)`);
      where.push(`(${parts.join(' OR ')})`);
    }
    if (q.startTime) where.push(`last_seen >= ${p(q.startTime)}::timestamptz`);
    if (q.endTime) where.push(`first_seen <= ${p(q.endTime)}::timestamptz`);
    if (q.before) {
      where.push(
        `(last_seen, last_event_id) < (${p(q.before.ts)}::timestamptz, ${p(q.before.id)})`,
      );
    }
    const r = await db.query<SessionRow>(
      `SELECT ${SELECT_COLUMNS('$2')} FROM sessions WHERE ${where.join(' AND ')}
        ORDER BY last_seen DESC, last_event_id DESC LIMIT ${p(q.limit)}`,
      params,
    );
    return r.rows.map((row) => ({ ...toSummary(row), last_event_id: row.last_event_id }));
  }
}

const toIso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();

function toSummary(row: SessionRow): SessionSummary {
  const first = toIso(row.first_seen);
  const last = toIso(row.last_seen);
  return {
    session_id: row.session_id,
    app: row.app,
    agent_id: row.agent_id,
    agent_type: row.agent_type,
    model: row.model,
    provider: row.provider,
    status: row.status,
    first_seen: first,
    last_seen: last,
    duration_ms: Date.parse(last) - Date.parse(first),
    last_event_type: row.last_event_type,
    events: Number(row.events),
    tool_calls: Number(row.tool_calls),
    errors: Number(row.errors),
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cache_read_tokens: Number(row.cache_read_tokens),
    cache_creation_tokens: Number(row.cache_creation_tokens),
    cost_usd: Number(row.cost_usd),
    first_prompt: row.first_prompt,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}
