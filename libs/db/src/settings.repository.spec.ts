import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migrate } from './migrator';
import { PgliteSqlClient } from './pglite-sql-client';
import { SettingsRepository } from './settings.repository';

describe('settings', () => {
  let db: PgliteSqlClient;
  const repo = new SettingsRepository();
  before(async () => {
    db = await PgliteSqlClient.open();
    await migrate(db);
  });
  after(async () => db.close());

  it('first writer wins: a second ensure returns the stored value', async () => {
    assert.equal(await repo.get(db, 'vapid'), null);
    const first = await repo.ensure(db, 'vapid', { publicKey: 'a', privateKey: 'b' });
    const second = await repo.ensure(db, 'vapid', { publicKey: 'c', privateKey: 'd' });
    assert.deepEqual(first, { publicKey: 'a', privateKey: 'b' });
    assert.deepEqual(second, first);
  });

  it('widens channels.kind to webpush', async () => {
    await db.query(
      `INSERT INTO channels (project_id, id, name, kind, config, secret)
       VALUES ('p', 'c1', 'n', 'webpush', '{}'::jsonb, 's')`,
    );
    await assert.rejects(
      db.query(
        `INSERT INTO channels (project_id, id, name, kind, config, secret)
         VALUES ('p', 'c2', 'm', 'carrier-pigeon', '{}'::jsonb, 's')`,
      ),
    );
  });
});
