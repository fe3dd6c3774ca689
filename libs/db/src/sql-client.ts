/**
 * The SqlClient port. Domain and pipeline code talk to the database only through this;
 * two adapters implement it: `pg` (a PostgreSQL or TimescaleDB server, cluster mode) and
 * PGlite-TimescaleDB (in-process WASM, all-in-one mode).
 *
 * Every statement is parameterised ($1, $2, …); no adapter interpolates values.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
  /** The result's columns in order, with their type OIDs (the SQL console reports them). */
  fields?: ResultField[];
}

export interface ResultField {
  name: string;
  dataTypeID: number;
}

export interface SqlExecutor {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>;
}

export type StorageFlavor = 'timescaledb' | 'postgres';

export interface SqlClient extends SqlExecutor {
  /** Which adapter this is, for logs and /health. */
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script without parameters (migrations only). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}
