import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { createPool } from '../../activities/store/pool.js';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../activities/store/migrate.js';
import { forEachDatabase } from '../helpers/databases.js';

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'switchyard-migrations-'));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(files)) await fs.writeFile(path.join(dir, name), sql);
  return dir;
}

test('migration files must be named <number>_<name>.sql and have distinct versions', async () => {
  const badName = await migrationsDir({ '001_ok.sql': 'SELECT 1;', 'add-index.sql': 'SELECT 1;' });
  await expect(readMigrations(badName)).rejects.toThrow(`${path.join(badName, 'add-index.sql')} must be named`);
  const duplicate = await migrationsDir({ '001_a.sql': 'SELECT 1;', '1_b.sql': 'SELECT 1;' });
  await expect(readMigrations(duplicate)).rejects.toThrow(/001_a\.sql and 1_b\.sql .* same version/);
  await expect(readMigrations(path.join(badName, 'missing'))).rejects.toThrow(/cannot read the migrations directory/);
});

forEachDatabase('migrations', (db) => {
  test('the project migrations apply once; a second run applies nothing', async () => {
    const pool = db.pool();
    const expected = (await readMigrations(MIGRATIONS_DIR)).map((m) => m.file);
    expect(expected[0]).toBe('001_initial.sql');

    const logged: string[] = [];
    expect(await migrate(pool, { log: (m) => logged.push(m) })).toEqual(expected);
    expect(logged).toContain('applied migration 001_initial.sql');
    expect(await migrate(pool)).toEqual([]);

    const { rows } = await pool.query(`SELECT name FROM schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.name)).toEqual(expected);
    const tables = await pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['accounts', 'artifacts', 'events', 'schema_migrations', 'usage']),
    );
  });

  test('editing an applied migration is detected', async () => {
    const pool = db.track(createPool(await db.freshUrl()));
    const dir = await migrationsDir({ '001_a.sql': 'CREATE TABLE a (id int);' });
    expect(await migrate(pool, { dir })).toEqual(['001_a.sql']);
    await fs.writeFile(path.join(dir, '001_a.sql'), 'CREATE TABLE a (id bigint);');
    await expect(migrate(pool, { dir })).rejects.toThrow(/migration 001_a\.sql was changed after it was applied/);
  });

  test('a failing migration names its file and the Postgres error and leaves nothing half-applied', async () => {
    const pool = db.track(createPool(await db.freshUrl()));
    const dir = await migrationsDir({
      '001_ok.sql': 'CREATE TABLE ok (id int);',
      '002_broken.sql': 'CREATE TABLE half (id int);\nCREATE TABLEX nope (id int);\n',
    });
    const err = await migrate(pool, { dir }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /^migration 002_broken\.sql failed: syntax error at or near "TABLEX" \(SQLSTATE 42601\) at line 2$/,
    );

    const applied = await pool.query(`SELECT name FROM schema_migrations`);
    expect(applied.rows.map((r) => r.name)).toEqual(['001_ok.sql']);
    const half = await pool.query(`SELECT to_regclass('half') AS t`);
    expect(half.rows[0].t).toBeNull();

    await fs.writeFile(path.join(dir, '002_broken.sql'), 'CREATE TABLE half (id int);\n');
    expect(await migrate(pool, { dir })).toEqual(['002_broken.sql']);
  });

  test('a database migrated by a newer version is refused', async () => {
    const pool = db.track(createPool(await db.freshUrl()));
    const newer = await migrationsDir({ '001_a.sql': 'SELECT 1;', '002_b.sql': 'SELECT 2;' });
    await migrate(pool, { dir: newer });
    const older = await migrationsDir({ '001_a.sql': 'SELECT 1;' });
    await expect(migrate(pool, { dir: older })).rejects.toThrow(/does not know: 002_b\.sql/);
  });

  test('two processes migrating at once apply each file exactly once', async () => {
    const url = await db.freshUrl();
    const [a, b] = [db.track(createPool(url)), db.track(createPool(url))];
    // Not re-runnable on purpose: applying a file twice would fail on the CREATE TABLE.
    const dir = await migrationsDir({
      '001_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(0.3);',
      '002_next.sql': 'CREATE TABLE next (id int);',
      '003_last.sql': 'CREATE TABLE last (id int);',
    });
    const [fromA, fromB] = await Promise.all([migrate(a, { dir }), migrate(b, { dir })]);
    expect([...fromA, ...fromB].sort()).toEqual(['001_slow.sql', '002_next.sql', '003_last.sql']);
    const { rows } = await a.query(`SELECT count(*)::int AS n FROM schema_migrations`);
    expect(rows[0].n).toBe(3);
  });
});
