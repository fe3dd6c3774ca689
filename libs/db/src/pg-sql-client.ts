import { Pool, type PoolConfig } from 'pg';
import type { QueryResult, ResultField, SqlClient, SqlExecutor } from './sql-client';

/** SqlClient on a `pg` pool: PostgreSQL ≥ 14 or a TimescaleDB server. */
export class PgSqlClient implements SqlClient {
  readonly kind = 'pg' as const;
  private readonly pool: Pool;

  constructor(connectionString: string, options: Omit<PoolConfig, 'connectionString'> = {}) {
    this.pool = new Pool({
      connectionString,
      max: 10,
      // NOTE: a slow or dead database must surface as an error the caller can act on
      // (pause the partition, answer 503), never as a hang.
      connectionTimeoutMillis: 10_000,
      ...options,
    });
    // An idle client losing its connection emits 'error' on the pool; without a listener
    // that would crash the process. The next query gets a fresh connection.
    this.pool.on('error', () => undefined);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
    const r = await this.pool.query(sql, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0, fields: fieldsOf(r.fields) };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: SqlExecutor = {
        query: async <R>(sql: string, params: readonly unknown[] = []) => {
          const r = await client.query(sql, params as unknown[]);
          return { rows: r.rows as R[], rowCount: r.rowCount ?? 0, fields: fieldsOf(r.fields) };
        },
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const fieldsOf = (fields: readonly ResultField[] | undefined): ResultField[] =>
  (fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
