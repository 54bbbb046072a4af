/**
 * The embedded store: PGlite with its data under `<dataDir>/pg`, served over the Postgres wire
 * protocol so the worker and CLI processes use the same `pg` code as with a real server.
 *
 * `<dataDir>/pg.json` records the serving process and URL. It is the lock that keeps a second
 * process from opening the same files (PGlite itself would happily do so and corrupt them) and it
 * lets a CLI process find the running server.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteWireServer } from './pglite-wire-server.js';
import { isAlive } from './pid.js';
import { ownerAlive, processStartTime } from '../activities/ownership.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  log?: (msg: string) => void;
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface ServerRecord {
  pid: number;
  /** /proc start time of pid, so a recycled pid does not hold the lock (absent in older records). */
  pidStart?: number;
  url: string | null;
  startedAt: string;
}

/** The recording process still runs: same pid and, when recorded, the same start time. */
function holderAlive(r: ServerRecord): boolean {
  if (r.pidStart === undefined || processStartTime(r.pid) === undefined) return isAlive(r.pid);
  return ownerAlive({ pid: r.pid, startTime: r.pidStart });
}
const pidStart = (): number | undefined => processStartTime(process.pid);

export const embeddedPgDataDir = (dataDir: string): string => path.join(dataDir, 'pg');
const recordFile = (dataDir: string): string => path.join(dataDir, 'pg.json');

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = opts.host ?? '127.0.0.1';
  const pgDir = embeddedPgDataDir(opts.dataDir);
  await fs.mkdir(opts.dataDir, { recursive: true });
  await takeLock(opts.dataDir);

  let db: PGlite | undefined;
  let server: PgliteWireServer | undefined;
  try {
    const fresh = !(await exists(path.join(pgDir, 'PG_VERSION')));
    if (fresh) opts.log?.(`creating the embedded PostgreSQL database in ${pgDir} (first start only)`);
    db = await PGlite.create({ dataDir: pgDir, username: 'postgres', database: 'postgres' });
    server = new PgliteWireServer(db, { host, port: opts.port ?? 0, log: opts.log });
    const port = await server.start();
    const url = `postgres://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`;
    await writeRecord(opts.dataDir, {
      pid: process.pid,
      pidStart: pidStart(),
      url,
      startedAt: new Date().toISOString(),
    });
    opts.log?.(`embedded PostgreSQL (PGlite) for ${pgDir} on ${url}`);

    let stopping: Promise<void> | undefined;
    const [openDb, openServer] = [db, server];
    return {
      url,
      port,
      stop: () =>
        (stopping ??= (async () => {
          await openServer.stop();
          await openDb.close();
          await fs.rm(recordFile(opts.dataDir), { force: true });
        })()),
    };
  } catch (err) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    await fs.rm(recordFile(opts.dataDir), { force: true });
    throw new Error(`cannot start the embedded PostgreSQL in ${pgDir}: ${(err as Error).message}`, { cause: err });
  }
}

/** The URL of the embedded server another process runs for this data dir, if one is running. */
export async function findEmbeddedPostgres(dataDir: string): Promise<{ url: string; pid: number } | undefined> {
  const record = await readRecord(dataDir);
  if (!record || !record.url || !holderAlive(record)) return undefined;
  return { url: record.url, pid: record.pid };
}

async function takeLock(dataDir: string): Promise<void> {
  const file = recordFile(dataDir);
  for (let tries = 0; tries < 2; tries++) {
    try {
      const record: ServerRecord = {
        pid: process.pid,
        pidStart: pidStart(),
        url: null,
        startedAt: new Date().toISOString(),
      };
      await fs.writeFile(file, JSON.stringify(record), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readRecord(dataDir);
    if (holder && holderAlive(holder)) {
      const who = holder.pid === process.pid ? 'this process' : `process ${holder.pid}`;
      throw new Error(
        `the embedded PostgreSQL data in ${embeddedPgDataDir(dataDir)} is already served by ${who}` +
          `${holder.url ? ` at ${holder.url}` : ''}; stop it first (if no switchyard is running, delete ${file})`,
      );
    }
    await fs.rm(file, { force: true }); // left behind by a process that died
  }
  throw new Error(`cannot lock ${file}: another process keeps recreating it`);
}

async function readRecord(dataDir: string): Promise<ServerRecord | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(recordFile(dataDir), 'utf8')) as ServerRecord;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined; // missing, or half-written by a process that died
  }
}

async function writeRecord(dataDir: string, record: ServerRecord): Promise<void> {
  const tmp = `${recordFile(dataDir)}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(record));
  await fs.rename(tmp, recordFile(dataDir));
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
