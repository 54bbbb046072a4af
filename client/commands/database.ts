/** Which Postgres the worker and the `logs`/`cost` commands use. */
import { findEmbeddedPostgres } from '../../worker/embedded-pg.js';
import { UsageError } from './common.js';

/**
 * DATABASE_URL when set; else the embedded database a running `switchyard start` serves for this
 * data dir. Nothing else is guessed: a worker writing to the wrong database would lose artifacts.
 */
export async function resolveDatabaseUrl(env: NodeJS.ProcessEnv, dataDir: string): Promise<string> {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const embedded = await findEmbeddedPostgres(dataDir);
  if (embedded) return embedded.url;
  throw new UsageError(
    `no database: DATABASE_URL is not set and no \`switchyard start\` is serving the embedded one for ${dataDir}. ` +
      'Set DATABASE_URL=postgres://… or run `switchyard start` (or pass --data-dir to the data dir it uses).',
  );
}
