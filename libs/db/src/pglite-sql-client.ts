import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import type { QueryResult, SqlClient, SqlExecutor } from './sql-client';

/**
 * SqlClient on PGlite with the TimescaleDB extension, in-process (all-in-one mode).
 *
 * NOTE: PGlite is one connection. It serialises queries and transactions internally, so
 * concurrent callers queue; batching (group commit) is what makes it fast, not parallelism.
 */
export class PgliteSqlClient implements SqlClient {
  readonly kind = 'pglite' as const;

  private constructor(private readonly db: PGlite) {}

  /** `dataDir` undefined → in memory (tests). */
  static async open(dataDir?: string): Promise<PgliteSqlClient> {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    // NOTE: the WASM module is instantiated here, not at import: cluster-mode processes that
    // import this file never pay for it.
    // NOTE: PGlite(undefined, options) ignores the options; pass memory:// explicitly.
    const db = new PGlite(dataDir ?? 'memory://', { extensions: { timescaledb } });
    await db.waitReady;
    // NOTE: load the extension library before anything touches TimescaleDB. When a reopened
    // data directory loads it lazily instead (first use of a hypertable), its licensed module
    // fails to load and every policy, refresh and compression call errors with "not supported
    // under the current license"; continuous aggregates would silently stop materialising.
    await db.exec("LOAD 'timescaledb'");
    // One connection serves everything: give its sorts and hashes room (the server default,
    // 4 MB, spills a day's histogram merge to disk).
    await db.exec("SET work_mem = '64MB'");
    return new PgliteSqlClient(db);
  }

  /** The raw PGlite handle, for serving it over pglite-socket in tests. */
  get raw(): PGlite {
    return this.db;
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.db.query<T>(sql, params as unknown[]);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length, fields: r.fields };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t: Transaction) => {
      const tx: SqlExecutor = {
        query: async <R>(sql: string, params: readonly unknown[] = []) => {
          const r = await t.query<R>(sql, params as unknown[]);
          return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length, fields: r.fields };
        },
      };
      return fn(tx);
    });
  }

  async exec(script: string): Promise<void> {
    await this.db.exec(script);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
