import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlClient, StorageFlavor } from './sql-client';

/** Where the numbered SQL files live (copied next to dist by nothing: read from the package). */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

interface MigrationFile {
  version: string;
  name: string;
  common?: string;
  timescaledb?: string;
  postgres?: string;
}

/** Lists migrations: `NNNN_name.sql` plus optional `NNNN_name.<flavor>.sql` variants. */
export function listMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  const byVersion = new Map<string, MigrationFile>();
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d{4})_([a-z0-9_]+?)(?:\.(timescaledb|postgres))?\.sql$/.exec(file);
    if (!m) continue;
    const [, version, name, flavor] = m as unknown as [string, string, string, string | undefined];
    const entry = byVersion.get(version) ?? { version, name };
    const sql = readFileSync(join(dir, file), 'utf8');
    if (flavor === 'timescaledb') entry.timescaledb = sql;
    else if (flavor === 'postgres') entry.postgres = sql;
    else entry.common = sql;
    byVersion.set(version, entry);
  }
  return [...byVersion.values()].sort((a, b) => a.version.localeCompare(b.version));
}

/**
 * Capability detection: TimescaleDB when the extension is installed or can be created,
 * plain PostgreSQL otherwise. The same table and view names exist either way.
 */
export async function detectFlavor(db: SqlClient): Promise<StorageFlavor> {
  const installed = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'",
  );
  if ((installed.rows[0]?.n ?? 0) > 0) return 'timescaledb';
  // NOTE: PGlite lists no extensions in pg_available_extensions although it can create
  // TimescaleDB, so try to create it rather than trust that view.
  try {
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return 'timescaledb';
  } catch {
    // Available but not loadable (not in shared_preload_libraries): run as plain PostgreSQL.
    return 'postgres';
  }
}

export interface MigrationReport {
  flavor: StorageFlavor;
  applied: string[];
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so an api and a
 * worker starting together never race each other.
 */
export async function migrate(db: SqlClient, dir = MIGRATIONS_DIR): Promise<MigrationReport> {
  const flavor = await detectFlavor(db);
  const migrations = listMigrations(dir);
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    // 0x666c6565 = "flee": an arbitrary constant shared by every Fleetscope process.
    await tx.query('SELECT pg_advisory_xact_lock(1718379877)');
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      flavor text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const sql of [m.common, flavor === 'timescaledb' ? m.timescaledb : m.postgres]) {
        if (sql) await runScript(tx, sql);
      }
      await tx.query('INSERT INTO schema_migrations (version, name, flavor) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        flavor,
      ]);
      applied.push(`${m.version}_${m.name}`);
    }
  });
  return { flavor, applied };
}

/**
 * Runs a script statement by statement inside the transaction. Statements are split on
 * semicolons at line ends; migration files keep one statement per `;\n` and no function
 * bodies with inner semicolons (those would use `$$` blocks, handled below).
 */
async function runScript(tx: { query: SqlClient['query'] }, script: string): Promise<void> {
  for (const statement of splitStatements(script)) await tx.query(statement);
}

export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = '';
  let inDollar = false;
  for (const line of script.split('\n')) {
    const trimmed = line.trim();
    if (!inDollar && (trimmed.startsWith('--') || trimmed === '')) continue;
    current += line + '\n';
    const dollars = (line.match(/\$\$/g) ?? []).length;
    if (dollars % 2 === 1) inDollar = !inDollar;
    if (!inDollar && trimmed.endsWith(';')) {
      out.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
