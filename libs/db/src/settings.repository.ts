import type { SqlExecutor } from './sql-client';

/**
 * Process-wide settings every process must agree on (the generated VAPID key pair, say).
 * `ensure` is first-writer-wins: racing processes all end up reading the same value.
 */
export class SettingsRepository {
  async get<T>(db: SqlExecutor, key: string): Promise<T | null> {
    const r = await db.query<{ value: unknown }>('SELECT value FROM settings WHERE key = $1', [
      key,
    ]);
    const v = r.rows[0]?.value;
    if (v === undefined) return null;
    return (typeof v === 'string' ? JSON.parse(v) : v) as T;
  }

  /** Stores `value` unless the key exists, then returns what is stored. */
  async ensure<T>(db: SqlExecutor, key: string, value: T): Promise<T> {
    await db.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING`,
      [key, JSON.stringify(value)],
    );
    return (await this.get<T>(db, key))!;
  }
}
