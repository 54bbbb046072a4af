/**
 * Plain SQL migrations: `migrations/NNN_name.sql`, applied in version order, each in its own
 * transaction, recorded with a checksum in `schema_migrations`. Workers run this at start; an
 * advisory lock makes concurrent starts apply each file once.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { PROJECT_ROOT } from '../paths.js';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');

// Arbitrary constant shared by every Switchyard process ("swyd").
const LOCK_KEY = 0x73777964;
const FILE_PATTERN = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

export interface MigrateOptions {
  log?: (msg: string) => void;
  /** Defaults to the project's `migrations/`. */
  dir?: string;
}

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

/** Applies the pending migrations; returns the file names applied by this call. */
export async function migrate(pool: pg.Pool, opts: MigrateOptions = {}): Promise<string[]> {
  const files = await readMigrations(opts.dir ?? MIGRATIONS_DIR);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text        NOT NULL,
        checksum   text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const done = await appliedMigrations(client);
      const known = new Set(files.map((f) => f.version));
      const unknown = [...done.values()].filter((m) => !known.has(m.version));
      if (unknown.length) {
        throw new Error(
          `the database has migrations this version of Switchyard does not know: ${unknown.map((m) => m.name).join(', ')} ` +
            `(it was migrated by a newer version; upgrade this one)`,
        );
      }
      for (const file of files) {
        const previous = done.get(file.version);
        if (previous) {
          checkUnchanged(file, previous);
          continue;
        }
        if (await applyOne(client, file)) {
          applied.push(file.file);
          opts.log?.(`applied migration ${file.file}`);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } catch (err) {
    // A broken connection must not go back to the pool (and neither may its advisory lock).
    client.release(err as Error);
    throw err;
  }
  client.release();
  return applied;
}

/** The migration files in `dir`, in version order, validated. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    throw new Error(`cannot read the migrations directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const files: MigrationFile[] = [];
  for (const file of names.filter((n) => n.endsWith('.sql')).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) {
      throw new Error(
        `migration file ${path.join(dir, file)} must be named <number>_<name>.sql (e.g. 002_add_index.sql)`,
      );
    }
    const sql = (await fs.readFile(path.join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    files.push({ version: Number(match[1]), name: match[2], file, sql, checksum: sha256(sql) });
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    if (files[i].version === files[i - 1].version) {
      throw new Error(`migrations ${files[i - 1].file} and ${files[i].file} in ${dir} have the same version number`);
    }
  }
  return files;
}

interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

async function appliedMigrations(client: pg.PoolClient): Promise<Map<number, AppliedMigration>> {
  const { rows } = await client.query<AppliedMigration>('SELECT version, name, checksum FROM schema_migrations');
  return new Map(rows.map((r) => [r.version, r]));
}

function checkUnchanged(file: MigrationFile, applied: AppliedMigration): void {
  if (applied.checksum !== file.checksum) {
    throw new Error(
      `migration ${file.file} was changed after it was applied (checksum ${applied.checksum.slice(0, 12)} in the ` +
        `database, ${file.checksum.slice(0, 12)} on disk); add a new migration instead of editing an applied one`,
    );
  }
}

/** Applies one file in its own transaction; false when another process applied it meanwhile. */
async function applyOne(client: pg.PoolClient, file: MigrationFile): Promise<boolean> {
  await client.query('BEGIN');
  try {
    // Checked again inside the transaction: on embedded PGlite every connection shares one
    // session, so the advisory lock does not exclude a concurrent migrator — transactions do.
    const { rows } = await client.query<AppliedMigration>(
      'SELECT version, name, checksum FROM schema_migrations WHERE version = $1',
      [file.version],
    );
    if (rows.length) {
      await client.query('COMMIT');
      checkUnchanged(file, rows[0]);
      return false;
    }
    await client.query(file.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      file.version,
      file.file,
      file.checksum,
    ]);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (err instanceof Error && err.message.startsWith(`migration ${file.file}`)) throw err;
    throw new Error(`migration ${file.file} failed: ${describePgError(err, file.sql)}`, { cause: err });
  }
}

function describePgError(err: unknown, sql: string): string {
  const e = err as { message?: string; code?: string; position?: string };
  let where = '';
  const position = Number(e.position);
  if (position > 0) where = ` at line ${sql.slice(0, position - 1).split('\n').length}`;
  return `${e.message ?? String(err)}${e.code ? ` (SQLSTATE ${e.code})` : ''}${where}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
