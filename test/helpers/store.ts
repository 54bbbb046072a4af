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
