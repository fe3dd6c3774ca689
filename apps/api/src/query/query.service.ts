import { Inject, Injectable } from '@nestjs/common';
import {
  FleetscopeError,
  WS_ERROR_CODES,
  type QueryColumn,
  type SqlParam,
} from '@fleetscope/domain';
import type { Principal } from '../auth/principal';
import { RUNTIME, type Runtime } from '../runtime/runtime';

/** What a console statement answers (the WebSocket `query_result` without its envelope). */
export interface QueryOutcome {
  columns: QueryColumn[];
  rows: Record<string, unknown>[];
  rowCount: number;
  truncated: boolean;
  elapsed_ms: number;
}

/**
 * The SQL console, shared by the WebSocket `query` message and POST /query: one read-only
 * SELECT over the caller's project, bounded by QUERY_TIMEOUT_MS and QUERY_MAX_ROWS.
 * Failures are FleetscopeErrors coded `query_failed` (the statement's fault) or
 * `query_forbidden` (not allowed, or the console is unavailable on this database).
 */
@Injectable()
export class QueryService {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  /** The console reads data: keys need the `read` scope (or `admin`). */
  authorize(principal: Principal): void {
    if (principal.scopes.includes('read') || principal.scopes.includes('admin')) return;
    throw new FleetscopeError('the SQL console needs an API key with the read scope', {
      code: WS_ERROR_CODES.queryForbidden,
      httpStatus: 403,
      details: { missing_scopes: ['read'] },
    });
  }

  async run(
    principal: Principal,
    sql: string,
    params: readonly SqlParam[] = [],
  ): Promise<QueryOutcome> {
    this.authorize(principal);
    const { db, config } = this.runtime;
    const started = performance.now();
    const r = await this.runtime.analystQueries.run(db, {
      projectId: principal.projectId,
      sql,
      params,
      maxRows: config.query.maxRows,
      timeoutMs: config.query.timeoutMs,
      // NOTE: PGlite has no timer behind statement_timeout; a plan-cost bound stands in.
      maxCost: db.kind === 'pglite' ? config.query.maxCost : undefined,
    });
    return {
      columns: r.columns,
      rows: r.rows,
      rowCount: r.rows.length,
      truncated: r.truncated,
      elapsed_ms: Math.round(performance.now() - started),
    };
  }
}
