import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listMigrations, splitStatements } from './migrator';

describe('migrations', () => {
  it('splits scripts into statements, skipping comments and keeping $$ bodies whole', () => {
    const script = `-- a comment
CREATE TABLE a (x int);

CREATE FUNCTION f() RETURNS int AS $$
BEGIN
  RETURN 1;
END;
$$ LANGUAGE plpgsql;
SELECT 1;`;
    const parts = splitStatements(script);
    assert.equal(parts.length, 3);
    assert.equal(parts[0], 'CREATE TABLE a (x int);');
    assert.match(parts[1]!, /RETURN 1;\nEND;\n\$\$ LANGUAGE plpgsql;$/);
    assert.equal(parts[2], 'SELECT 1;');
  });

  it('pairs each numbered migration with its flavour variants', () => {
    const all = listMigrations();
    const core = all.find((m) => m.version === '0001');
    assert.ok(core);
    assert.equal(core.name, 'core');
    assert.match(core.common ?? '', /CREATE TABLE IF NOT EXISTS events/);
    assert.match(core.timescaledb ?? '', /create_hypertable/);
    assert.ok(core.postgres);
    assert.deepEqual(
      all.map((m) => m.version),
      [...all.map((m) => m.version)].sort(),
    );
  });
});
