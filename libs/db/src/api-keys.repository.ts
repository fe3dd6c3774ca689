import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SqlExecutor } from './sql-client';

export interface ApiKeyPrincipal {
  keyId: string;
  projectId: string;
  scopes: string[];
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** API keys: only the SHA-256 of a key is stored; lookups compare hashes in SQL. */
export class ApiKeysRepository {
  async findByKey(db: SqlExecutor, key: string): Promise<ApiKeyPrincipal | null> {
    const r = await db.query<{ id: string; project_id: string; scopes: string[] }>(
      'SELECT id, project_id, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hashApiKey(key)],
    );
    const row = r.rows[0];
    return row ? { keyId: row.id, projectId: row.project_id, scopes: row.scopes } : null;
  }

  /** Creates a key and returns its plaintext, which is never stored. */
  async create(
    db: SqlExecutor,
    projectId: string,
    name: string,
    scopes: string[] = ['ingest', 'read'],
  ): Promise<{ id: string; key: string }> {
    const key = `fsk_${randomBytes(24).toString('base64url')}`;
    const id = randomUUID();
    await db.query(`INSERT INTO projects (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING`, [
      projectId,
    ]);
    await db.query(
      `INSERT INTO api_keys (id, project_id, name, key_hash, key_prefix, scopes)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, projectId, name, hashApiKey(key), key.slice(0, 8), scopes],
    );
    return { id, key };
  }
}
