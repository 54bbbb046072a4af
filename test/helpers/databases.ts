/**
 * Runs a store suite twice with the same body: against the real PostgreSQL server of this machine
 * (a fresh database per run, dropped afterwards) and against embedded PGlite over the wire.
 *
 * SWITCHYARD_TEST_PG_URL points at the real server (default postgres://postgres@127.0.0.1:5432/postgres).
 * An unreachable server fails the suite; SWITCHYARD_TEST_PG=skip skips that variant instead.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { redactUrlCredentials } from '../../activities/errors.js';
import { createPool, type PoolOptions } from '../../activities/store/pool.js';
import { embeddedPgDataDir, startEmbeddedPostgres } from '../../worker/embedded-pg.js';

export type DatabaseKind = 'postgres' | 'pglite';

export const TEST_PG_URL = process.env.SWITCHYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabases {
  readonly kind: DatabaseKind;
  /** URL of this suite's database (valid once the suite's beforeAll ran). */
  readonly url: string;
  /** A pool on this suite's database, ended when the suite ends. */
  pool(opts?: PoolOptions): pg.Pool;
  /** Ends `pool` (unless the test did) when the suite ends. */
  track(pool: pg.Pool): pg.Pool;
  /** URL of another empty database of the same kind, removed when the suite ends. */
  freshUrl(): Promise<string>;
}

export function forEachDatabase(name: string, body: (db: TestDatabases) => void): void {
  for (const kind of ['postgres', 'pglite'] as const) {
    const skip = kind === 'postgres' && process.env.SWITCHYARD_TEST_PG === 'skip';
    (skip ? describe.skip : describe)(`${name} [${kind}]`, () => {
      const db = new Databases(kind);
      beforeAll(() => db.setup());
      afterAll(() => db.teardown());
      body(db);
    });
  }
}

class Databases implements TestDatabases {
  private mainUrl: string | undefined;
  private readonly pools: pg.Pool[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private admin: pg.Pool | undefined;

  constructor(readonly kind: DatabaseKind) {}

  get url(): string {
    if (!this.mainUrl)
      throw new Error(`the ${this.kind} test database is not set up yet (use it inside tests or hooks)`);
    return this.mainUrl;
  }

  async setup(): Promise<void> {
    if (this.kind === 'postgres') await this.connectAdmin();
    this.mainUrl = await this.freshUrl();
  }

  pool(opts?: PoolOptions): pg.Pool {
    return this.track(createPool(this.url, opts));
  }

  track(pool: pg.Pool): pg.Pool {
    this.pools.push(pool);
    return pool;
  }

  async freshUrl(): Promise<string> {
    if (this.kind === 'postgres') {
      const name = `switchyard_test_${randomBytes(6).toString('hex')}`;
      await this.admin!.query(`CREATE DATABASE ${name}`);
      this.cleanups.push(async () => {
        await this.admin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
      const url = new URL(TEST_PG_URL);
      url.pathname = `/${name}`;
      return url.toString();
    }
    const dataDir = await pgliteDataDir();
    const server = await startEmbeddedPostgres({ dataDir });
    this.cleanups.push(async () => {
      await server.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    });
    return server.url;
  }

  async teardown(): Promise<void> {
    await Promise.all(this.pools.filter((p) => !p.ended).map((p) => p.end()));
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    await this.admin?.end();
  }

  private async connectAdmin(): Promise<void> {
    this.admin = createPool(TEST_PG_URL, { max: 2, connectionTimeoutMs: 3_000 });
    try {
      await this.admin.query('SELECT 1');
    } catch (err) {
      await this.admin.end();
      this.admin = undefined;
      throw new Error(
        `the store tests need PostgreSQL at ${redactUrlCredentials(TEST_PG_URL)} and cannot reach it (${(err as Error).message}). ` +
          `Start it (.ci/run does), point SWITCHYARD_TEST_PG_URL at a server, or set SWITCHYARD_TEST_PG=skip.`,
        { cause: err },
      );
    }
  }
}

/**
 * A new temp data dir whose `pg/` already holds an initialized PGlite cluster: initdb takes a few
 * seconds, so it runs once per PGlite version into a shared cache and each test copies the result.
 */
export async function pgliteDataDir(): Promise<string> {
  const template = await pgliteTemplate();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'switchyard-test-pglite-'));
  await fs.cp(template, embeddedPgDataDir(dataDir), { recursive: true });
  return dataDir;
}

let templateReady: Promise<string> | undefined;

function pgliteTemplate(): Promise<string> {
  templateReady ??= (async () => {
    const pkg = fileURLToPath(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url));
    const { version } = JSON.parse(await fs.readFile(pkg, 'utf8')) as { version: string };
    const dir = path.join(os.tmpdir(), 'switchyard-test-cache', `pglite-${version}`);
    if (await exists(path.join(dir, 'PG_VERSION'))) return dir;
    await fs.mkdir(path.dirname(dir), { recursive: true });
    const building = await fs.mkdtemp(`${dir}.building-`);
    const db = await PGlite.create({ dataDir: building, username: 'postgres', database: 'postgres' });
    await db.close();
    // Another test process may have won the race; either copy is as good.
    await fs.rename(building, dir).catch(() => fs.rm(building, { recursive: true, force: true }));
    return dir;
  })();
  return templateReady;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
