/**
 * A real, migrated store for activity and e2e tests: embedded PGlite served over the wire (the
 * store suite itself also runs against the real PostgreSQL server).
 */
import { rm } from 'node:fs/promises';
import { createPool, createStore, migrate, type Store } from '../../activities/store/index.js';
import { startEmbeddedPostgres } from '../../worker/embedded-pg.js';
import { pgliteDataDir } from './databases.js';

export interface TestStore {
  store: Store;
  url: string;
  stop(): Promise<void>;
}

export async function startTestStore(): Promise<TestStore> {
  const dataDir = await pgliteDataDir();
  const pg = await startEmbeddedPostgres({ dataDir, port: 0 });
  const pool = createPool(pg.url);
  await migrate(pool);
  const store = createStore(pool);
  return {
    store,
    url: pg.url,
    async stop() {
      await store.close();
      await pg.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every table of the store, each row as text (bytea content decoded). */
export async function storeDump(url: string): Promise<string> {
  const pool = createPool(url);
  try {
    const tables = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await pool.query(`SELECT * FROM "${table_name}"`);
      for (const row of rows.rows as Record<string, unknown>[]) {
        parts.push(
          `${table_name}: ${JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : v))}`,
        );
        for (const v of Object.values(row)) if (Buffer.isBuffer(v)) parts.push(v.toString('utf8'));
      }
    }
    return parts.join('\n');
  } finally {
    await pool.end();
  }
}
