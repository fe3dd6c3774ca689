import { Client } from 'pg';
import { servicesEnv, uniq } from './env';

/** A fresh database on the local PostgreSQL server per test file, dropped at the end. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = servicesEnv().DATABASE_URL;
  const name = uniq('fs_test_');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`); // name is generated: [a-z0-9_] only
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            return;
          } catch (err) {
            // NOTE: FORCE refuses (42501) when an autovacuum worker is in the database and the
            // user is not a superuser: after a large DELETE one may start at any moment. It
            // ends within a moment (a plain DROP cancels it too), so try again.
            if ((err as { code?: string }).code !== '42501' || attempt >= 20) throw err;
            await new Promise((r) => setTimeout(r, 250));
            await c.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}

export async function queryOne<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows[0] as T;
  } finally {
    await c.end();
  }
}
