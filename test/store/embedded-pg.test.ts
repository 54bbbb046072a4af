/** The embedded PGlite server: persistence, restarts, the data-dir lock and several clients at once. */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, expect, test } from 'vitest';
import { createPool } from '../../activities/store/pool.js';
import { migrate } from '../../activities/store/migrate.js';
import { isStoreUnavailable, withStoreRetry } from '../../activities/store/retry.js';
import { createStore } from '../../activities/store/store.js';
import { findEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from '../../worker/embedded-pg.js';
import { PROJECT_ROOT } from '../../activities/paths.js';
import { pgliteDataDir } from '../helpers/databases.js';

const dataDirs: string[] = [];
const servers: EmbeddedPostgres[] = [];
const pools: pg.Pool[] = [];

afterEach(async () => {
  await Promise.all(
    pools
      .splice(0)
      .filter((p) => !p.ended)
      .map((p) => p.end()),
  );
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await Promise.all(dataDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function newDataDir(): Promise<string> {
  const dir = await pgliteDataDir();
  dataDirs.push(dir);
  return dir;
}

async function start(dataDir: string, port = 0): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port });
  servers.push(server);
  return server;
}

function poolOn(url: string, log?: (msg: string) => void): pg.Pool {
  const pool = createPool(url, { log });
  pools.push(pool);
  return pool;
}

test('data persists across stop and start', async () => {
  const dataDir = await newDataDir();
  let server = await start(dataDir);
  let pool = poolOn(server.url);
  expect(await migrate(pool)).not.toEqual([]);
  const ref = await createStore(pool).putArtifact({
    key: 'k',
    taskId: 't',
    stage: 'analysis',
    attempt: 1,
    kind: 'analysis',
    content: 'kept',
  });
  await pool.end();
  await server.stop();

  server = await start(dataDir);
  pool = poolOn(server.url);
  expect(await migrate(pool)).toEqual([]);
  expect(await createStore(pool).artifactText(ref.id)).toBe('kept');
});

test('withStoreRetry waits while the server is down and carries on once it is back', async () => {
  const dataDir = await newDataDir();
  const first = await startEmbeddedPostgres({ dataDir });
  const pool = poolOn(first.url, () => undefined);
  await migrate(pool);
  const store = createStore(pool);
  const before = await store.putArtifact({
    key: 'before',
    taskId: 't',
    stage: 'testing',
    attempt: 1,
    kind: 'log',
    content: 'written before the outage',
  });
  await first.stop();

  const waits: unknown[] = [];
  let restarted: Promise<EmbeddedPostgres> | undefined;
  const after = await withStoreRetry(
    () =>
      store.putArtifact({
        key: 'after',
        taskId: 't',
        stage: 'testing',
        attempt: 1,
        kind: 'log',
        content: 'written after',
      }),
    {
      onWait: (attempt, err) => {
        waits.push(err);
        // Down for two waits, then back on the same port.
        if (attempt === 2) restarted = start(dataDir, first.port);
      },
    },
  );
  expect(waits.length).toBeGreaterThanOrEqual(2);
  expect(waits.every(isStoreUnavailable)).toBe(true);
  expect((await restarted)?.url).toBe(first.url);
  expect(await store.artifactText(before.id)).toBe('written before the outage');
  expect(await store.artifactText(after.id)).toBe('written after');
});

test('the data dir is locked to one server; a lock left by a dead process is taken over', async () => {
  const dataDir = await newDataDir();
  const server = await start(dataDir);
  expect(await findEmbeddedPostgres(dataDir)).toEqual({ url: server.url, pid: process.pid });
  await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(
    `the embedded PostgreSQL data in ${path.join(dataDir, 'pg')} is already served by this process at ${server.url}`,
  );
  await server.stop();
  expect(await findEmbeddedPostgres(dataDir)).toBeUndefined();

  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  await fs.writeFile(
    path.join(dataDir, 'pg.json'),
    JSON.stringify({ pid: Number(dead.stdout), url: 'postgres://x', startedAt: '' }),
  );
  expect(await findEmbeddedPostgres(dataDir)).toBeUndefined();
  const again = await start(dataDir);
  expect((await poolOn(again.url).query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});

test("a batch split across writes is not interleaved with another connection's batch", async () => {
  const server = await start(await newDataDir());
  const [a, b] = await Promise.all([RawClient.connect(server.port), RawClient.connect(server.port)]);
  const aBind = bind('from a');
  a.send(Buffer.concat([parse('SELECT $1::text'), aBind.subarray(0, 8)]));
  await a.until('1'); // ParseComplete: the server has run A's Parse
  b.send(Buffer.concat([parse('SELECT $1::text || $2::text'), bind('from ', 'b'), execute, sync]));
  // Lets B's batch reach the server before A's is finished. A per-message multiplexer such as
  // @electric-sql/pglite-socket 0.2.17 runs B's Parse in between and A's Bind then fails with
  // 'bind message supplies 1 parameters, but prepared statement "" requires 2'.
  await sleep(200);
  a.send(Buffer.concat([aBind.subarray(8), execute, sync]));
  expect(results(await a.until('Z'))).toEqual(['from a']);
  expect(results(await b.until('Z'))).toEqual(['from b']);
  a.close();
  b.close();
});

test('large statements from several pooled connections all land', async () => {
  const server = await start(await newDataDir());
  const [a, b] = [poolOn(server.url), poolOn(server.url)];
  await a.query('CREATE TABLE big (k int, body text)');
  const body = 'x'.repeat(2_000_000);
  const results = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => {
      if (i % 2 === 0) return (await a.query('INSERT INTO big (k, body) VALUES ($1, $2)', [i, body])).rowCount === 1;
      const { rows } = await b.query('SELECT $1::int AS v, $2::text AS w', [i, `w${i}`]);
      return rows[0].v === i && rows[0].w === `w${i}`;
    }),
  );
  expect(results.every(Boolean)).toBe(true);
  expect((await b.query('SELECT count(*)::int AS n, sum(length(body))::bigint AS s FROM big')).rows[0]).toEqual({
    n: 12,
    s: '24000000',
  });
});

test("a transaction holds the session until it ends; a dropped client's transaction is rolled back", async () => {
  const server = await start(await newDataDir());
  const pool = poolOn(server.url);
  await pool.query('CREATE TABLE t (v int)');

  const tx = await pool.connect();
  await tx.query('BEGIN');
  await tx.query('INSERT INTO t VALUES (1)');
  await expect(tx.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
  // Waits for the session: it must see the table without the aborted transaction's row.
  const other = pool.query('SELECT count(*)::int AS n FROM t');
  await tx.query('ROLLBACK');
  tx.release();
  expect((await other).rows[0].n).toBe(0);

  const lost = new pg.Client({ connectionString: server.url });
  lost.on('error', () => undefined);
  await lost.connect();
  await lost.query('BEGIN');
  await lost.query('INSERT INTO t VALUES (2)');
  (lost as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  expect((await pool.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(0);
  await pool.query('INSERT INTO t VALUES (3)');
  expect((await pool.query('SELECT array_agg(v) AS vs FROM t')).rows[0].vs).toEqual([3]);
});

test('another process reads and writes while this one writes', async () => {
  const server = await start(await newDataDir());
  const pool = poolOn(server.url);
  await migrate(pool);
  const store = createStore(pool);

  // The child plays `switchyard logs`: its own process, its own pool, the same server.
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import pg from 'pg';
       const pool = new pg.Pool({ connectionString: process.argv[1], max: 3 });
       for (let i = 0; i < 30; i++) {
         await Promise.all([
           pool.query("SELECT content FROM artifacts WHERE task_id = 'shared'"),
           pool.query("INSERT INTO events (key, task_id, kind) VALUES ($1, 'shared', 'cli')", ['cli-' + i]),
         ]);
       }
       await pool.end();`,
      server.url,
    ],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));

  for (let i = 0; i < 20; i++) {
    await store.putArtifact({
      key: `shared/${i}`,
      taskId: 'shared',
      stage: 'testing',
      attempt: i,
      kind: 'log',
      content: `log ${i} `.repeat(20_000),
    });
  }
  expect(await exited, stderr).toBe(0);
  expect((await store.listEvents('shared')).length).toBe(30);
  expect((await store.listArtifacts({ taskId: 'shared' })).length).toBe(20);
});

/** A bare wire-protocol client: enough to split a batch across writes on purpose. */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new RawClient(socket);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    client.send(Buffer.concat([startup, params]));
    await client.until('Z');
    return client;
  }

  send(data: Buffer): void {
    this.socket.write(data);
  }

  /** Backend messages up to and including the first of type `last`; consumed. */
  async until(last: string): Promise<{ type: string; body: Buffer }[]> {
    for (;;) {
      const out: { type: string; body: Buffer }[] = [];
      let at = 0;
      while (at + 5 <= this.buf.length) {
        const end = at + 1 + this.buf.readInt32BE(at + 1);
        if (end > this.buf.length) break;
        const message = { type: String.fromCharCode(this.buf[at]), body: this.buf.subarray(at + 5, end) };
        out.push(message);
        at = end;
        if (message.type === last) {
          this.buf = this.buf.subarray(at);
          return out;
        }
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const frame = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
};
const int16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const cstr = (s: string) => Buffer.from(`${s}\0`);
const parse = (sql: string) => frame('P', cstr(''), cstr(sql), int16(0));
const bind = (...params: string[]) =>
  frame(
    'B',
    cstr(''),
    cstr(''),
    int16(0),
    int16(params.length),
    ...params.flatMap((p) => [int32(Buffer.byteLength(p)), Buffer.from(p)]),
    int16(0),
  );
const execute = frame('E', cstr(''), int32(0));
const sync = frame('S');
/** The first column of each DataRow, or the message of an ErrorResponse. */
const results = (messages: { type: string; body: Buffer }[]): string[] =>
  messages.flatMap(({ type, body }) => {
    if (type === 'D') return [body.subarray(6, 6 + body.readInt32BE(2)).toString()];
    if (type === 'E') return [`error: ${/\0M([^\0]*)/.exec(body.toString())?.[1]}`];
    return [];
  });
