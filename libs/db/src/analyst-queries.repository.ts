import {
  FleetscopeError,
  WS_ERROR_CODES,
  type QueryColumn,
  type SqlParam,
} from '@fleetscope/domain';
import type { ResultField, SqlClient, SqlExecutor } from './sql-client';

/** The role console statements run as (migration 0006_analyst.sql). */
export const ANALYST_ROLE = 'fleetscope_analyst';
const SET_CONFIG = 'pg_catalog.set_config(text,text,boolean)';
const EXPLAIN = 'EXPLAIN (FORMAT JSON) ';

export interface AnalystQuery {
  projectId: string;
  sql: string;
  params: readonly SqlParam[];
  /** Rows returned at most; one more is fetched to tell whether the result was cut. */
  maxRows: number;
  /** statement_timeout of the statement. */
  timeoutMs: number;
  /**
   * Refuse statements whose estimated cost (EXPLAIN's total cost) exceeds this. For the
   * embedded database only: it cannot interrupt a running statement (no timer behind
   * statement_timeout), so a runaway query would stall the whole process.
   */
  maxCost?: number | undefined;
}

export interface AnalystQueryResult {
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

/** A console failure: `query_failed` (400) or `query_forbidden` (403), PostgreSQL's message. */
export class ConsoleQueryError extends FleetscopeError {
  constructor(
    message: string,
    forbidden: boolean,
    /** 1-based character offset in the caller's SQL, when PostgreSQL pointed at one. */
    readonly position?: number,
    /** The SQLSTATE, when PostgreSQL raised it. */
    readonly sqlState?: string,
  ) {
    super(message, {
      code: forbidden ? WS_ERROR_CODES.queryForbidden : WS_ERROR_CODES.queryFailed,
      httpStatus: forbidden ? 403 : 400,
      details: position === undefined ? undefined : { position },
    });
  }
}

/** SQLSTATEs that mean "not allowed" rather than "wrong": privileges, writes. */
const FORBIDDEN_STATES = new Set(['42501', '25006']);

/**
 * The caller's statement as the one SELECT that runs: wrapped so that only a query expression
 * fits (no SET, no DDL, no second statement), capped at `$n` rows. The cap is a bind
 * parameter on purpose: with at least one parameter every driver uses the extended protocol,
 * which refuses a second statement even if the text managed to close the parenthesis.
 */
export function wrapConsoleSql(sql: string, paramCount: number): { text: string; offset: number } {
  const prefix = 'SELECT * FROM (\n';
  // A trailing semicolon is habit, not a second statement. The newline before `)` ends a
  // trailing `--` comment.
  const body = sql.replace(/[\s;]+$/, '');
  return {
    text: `${prefix}${body}\n) AS console_query LIMIT $${paramCount + 1}`,
    offset: prefix.length,
  };
}

/**
 * Runs SQL console statements: ONE read-only SELECT as fleetscope_analyst, scoped to one
 * project by the views of the `analyst` schema, with a timeout and a row cap.
 */
export class AnalystQueriesRepository {
  private readonly typeNames = new Map<number, string>();

  async run(db: SqlClient, q: AnalystQuery): Promise<AnalystQueryResult> {
    // A courtesy, not the guard (the wrapping, the read-only transaction and the role are):
    // say plainly that only queries run, rather than PostgreSQL's "syntax error at INSERT".
    const keyword = leadingKeyword(q.sql);
    if (!QUERY_KEYWORDS.has(keyword)) {
      throw new ConsoleQueryError(
        `only a SELECT (or WITH … SELECT, VALUES, TABLE) may run in the console, got ${keyword.toUpperCase() || 'nothing'}`,
        true,
      );
    }
    const { text, offset } = wrapConsoleSql(q.sql, q.params.length);
    const params = [...q.params, q.maxRows + 1];
    // Where the caller's SQL starts in the statement that failed (for the error's position).
    let start = offset;
    const result = await db
      .transaction(async (tx) => {
        // NOTE: first statement of the transaction: nothing below can write, whatever the role.
        await tx.query('SET TRANSACTION READ ONLY');
        await this.assertAvailable(tx);
        await tx.query(
          `SELECT set_config('fleetscope.project_id', $1, true),
                  set_config('search_path', 'analyst, pg_catalog', true),
                  set_config('statement_timeout', $2, true),
                  set_config('TimeZone', 'UTC', true)`,
          [q.projectId, String(q.timeoutMs)],
        );
        await tx.query(`SET LOCAL ROLE ${ANALYST_ROLE}`).catch((err: unknown) => {
          throw new ConsoleQueryError(
            `the SQL console is unavailable: ${(err as Error).message} (see docs/operations.md, "SQL console")`,
            true,
          );
        });
        if (q.maxCost !== undefined) {
          start = offset + EXPLAIN.length;
          await this.assertAffordable(tx, text, params, q.maxCost);
          start = offset;
        }
        return tx.query<Record<string, unknown>>(text, params);
      })
      .catch((err: unknown) => {
        throw asConsoleError(err, start, q.sql);
      });
    const fields = result.fields ?? [];
    const local = db.kind === 'pg';
    const truncated = result.rows.length > q.maxRows;
    const rows = (truncated ? result.rows.slice(0, q.maxRows) : result.rows).map((row) => {
      const out: Record<string, unknown> = {};
      for (const f of fields) out[f.name] = toJsonValue(row[f.name], f.dataTypeID, local);
      return out;
    });
    return { columns: await this.columnsOf(db, fields), rows, truncated };
  }

  /** The console's preconditions, checked on every statement (the DBA may revoke later). */
  private async assertAvailable(tx: SqlExecutor): Promise<void> {
    const role = await tx.query<{ ok: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1) AS ok',
      [ANALYST_ROLE],
    );
    if (!role.rows[0]?.ok) {
      throw new ConsoleQueryError(
        `the SQL console is unavailable: the database has no role ${ANALYST_ROLE} (see docs/operations.md, "SQL console")`,
        true,
      );
    }
    const setConfig = await tx.query<{ can: boolean }>(
      `SELECT has_function_privilege($1, '${SET_CONFIG}', 'execute') AS can`,
      [ANALYST_ROLE],
    );
    if (setConfig.rows[0]?.can !== false) {
      // NOTE: the role could change fleetscope.project_id and read other projects.
      throw new ConsoleQueryError(
        `the SQL console is unavailable: ${ANALYST_ROLE} may still execute set_config (it must be revoked from PUBLIC; see docs/operations.md, "SQL console")`,
        true,
      );
    }
  }

  private async assertAffordable(
    tx: SqlExecutor,
    text: string,
    params: readonly unknown[],
    maxCost: number,
  ): Promise<void> {
    const plan = await tx.query<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(
      `${EXPLAIN}${text}`,
      params,
    );
    const cost = Number(plan.rows[0]?.['QUERY PLAN'][0].Plan['Total Cost']);
    if (cost > maxCost) {
      throw new ConsoleQueryError(
        `query refused: its estimated cost ${Math.round(cost)} exceeds QUERY_MAX_COST ${maxCost} (the embedded database cannot interrupt a running statement); narrow it with a time range, a filter or a rollup`,
        false,
      );
    }
  }

  private async columnsOf(db: SqlExecutor, fields: readonly ResultField[]): Promise<QueryColumn[]> {
    const missing = [...new Set(fields.map((f) => f.dataTypeID))].filter(
      (oid) => !this.typeNames.has(oid),
    );
    if (missing.length > 0) {
      const r = await db.query<{ oid: number; name: string }>(
        'SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_catalog.pg_type WHERE oid = ANY($1::int[]::oid[])',
        [missing],
      );
      for (const t of r.rows) this.typeNames.set(Number(t.oid), t.name);
    }
    return fields.map((f) => ({
      name: f.name,
      type: this.typeNames.get(f.dataTypeID) ?? String(f.dataTypeID),
    }));
  }
}

/**
 * PostgreSQL's error as a console error, its position moved back into the caller's SQL
 * (`start`: where that SQL begins in the failed statement). Anything else (a lost
 * connection) is not the caller's doing and passes through.
 */
function asConsoleError(err: unknown, start: number, sql: string): unknown {
  if (err instanceof ConsoleQueryError) return err;
  const e = err as { code?: unknown; message?: unknown; position?: unknown };
  if (typeof e?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return err;
  const at = Number(e.position) - start;
  const position = Number.isInteger(at) && at >= 1 && at <= sql.length ? at : undefined;
  let message = typeof e.message === 'string' ? e.message : 'query failed';
  if (e.code === '42601' && position !== undefined && sql[position - 1] === ';') {
    message = `one statement at a time: ${message}`;
  }
  return new ConsoleQueryError(message, FORBIDDEN_STATES.has(e.code), position, e.code);
}

const QUERY_KEYWORDS = new Set(['select', 'with', 'values', 'table', '(']);

/** The statement's first keyword (lower case), past comments and blanks; '(' for a parenthesis. */
export function leadingKeyword(sql: string): string {
  const rest = sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '');
  return rest.startsWith('(') ? '(' : (/^[A-Za-z_]+/.exec(rest)?.[0] ?? '').toLowerCase();
}

// --- JSON-safe values ------------------------------------------------------------------

const OID = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
} as const;
/** Array type → element type, for the element types converted below. */
const ARRAY_ELEMENT: Record<number, number> = {
  1016: OID.int8,
  1231: OID.numeric,
  1182: OID.date,
  1115: OID.timestamp,
  1185: OID.timestamptz,
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Digits that matter in a decimal string, to tell whether a double holds it exactly. */
const significantDigits = (s: string): number =>
  s
    .replace(/^[-+]/, '')
    .replace(/\.(\d*?)0+$/, '.$1')
    .replace('.', '')
    .replace(/^0+/, '').length;

/**
 * One column value as JSON: bigint and numeric as numbers when a double holds them exactly,
 * else strings; NaN and infinities as strings; dates as YYYY-MM-DD, timestamps as ISO 8601
 * (`Z` for timestamptz, none for timestamp); bytea as `\x` hex.
 * `localTime`: the driver built date and timestamp values in local time (node-postgres)
 * rather than UTC (PGlite).
 */
export function toJsonValue(v: unknown, typeOid: number, localTime: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => toJsonValue(x, ARRAY_ELEMENT[typeOid] ?? 0, localTime));
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') {
    if (typeOid === OID.int8 && /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)))
      return Number(v);
    if (typeOid === OID.numeric && Number.isFinite(Number(v)) && significantDigits(v) <= 15)
      return Number(v);
    return v;
  }
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    if (typeOid === OID.date || typeOid === OID.timestamp) {
      const [y, mo, d, h, mi, s, ms] = localTime
        ? [
            v.getFullYear(),
            v.getMonth() + 1,
            v.getDate(),
            v.getHours(),
            v.getMinutes(),
            v.getSeconds(),
            v.getMilliseconds(),
          ]
        : [
            v.getUTCFullYear(),
            v.getUTCMonth() + 1,
            v.getUTCDate(),
            v.getUTCHours(),
            v.getUTCMinutes(),
            v.getUTCSeconds(),
            v.getUTCMilliseconds(),
          ];
      const day = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
      return typeOid === OID.date ? day : `${day}T${pad(h)}:${pad(mi)}:${pad(s)}.${pad(ms, 3)}`;
    }
    return v.toISOString();
  }
  if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString('hex')}`;
  // node-postgres intervals: their PostgreSQL text form.
  const toPostgres = (v as { toPostgres?: unknown }).toPostgres;
  if (typeof toPostgres === 'function') return String(toPostgres.call(v));
  return v;
}
