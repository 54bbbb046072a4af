import pg from 'pg';
import { redactUrlCredentials } from '../errors.js';

export interface PoolOptions {
  /** Connections in the pool (default 5: a few activities at once plus migrations). */
  max?: number;
  /** How long to wait for a connection before failing (default 5 s; such failures count as unavailable). */
  connectionTimeoutMs?: number;
  /** Where idle-connection errors (e.g. the server restarting) are reported; they never crash the process. */
  log?: (msg: string) => void;
}

export function createPool(url: string, opts: PoolOptions = {}): pg.Pool {
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new Error(
      `store URL must start with postgres:// or postgresql://, got ${JSON.stringify(redactUrlCredentials(url))}`,
    );
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 5,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'switchyard',
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, that kills the process.
  pool.on('error', (err) => opts.log?.(`store connection lost: ${err.message}`));
  return pool;
}
