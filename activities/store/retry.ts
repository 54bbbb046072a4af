/** Telling "the store is unreachable" apart from real errors, and waiting it out. */
import { setTimeout as sleep } from 'node:timers/promises';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

// Class 08 (connection exception), 57P01-57P03 (shutdown, crash, starting up), 53300 (too many connections).
const SQLSTATE = /^(08...|57P0[123]|53300)$/;

const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error and is not queryable/i,
  /server closed the connection unexpectedly/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

export function isStoreUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const { code, message, cause, errors } = e as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof message === 'string' && MESSAGES.some((re) => re.test(message))) return true;
    // Node reports a refused connection to every address of a host as an AggregateError.
    if (Array.isArray(errors) && errors.some(visit)) return true;
    return visit(cause);
  };
  return visit(err);
}

export interface StoreRetryOptions {
  /** Called before each wait; `attempt` counts from 1. The caller heartbeats from here. */
  onWait?: (attempt: number, err: unknown) => void | Promise<void>;
  /** Aborting stops the waiting and rethrows the signal's reason. */
  signal?: AbortSignal;
  /** Give up (rethrowing the last error) once this much time has been spent waiting. Default: never. */
  maxWaitMs?: number;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;

/** Runs `fn`, retrying with backoff (250 ms doubling to 10 s) while the store is unreachable. */
export async function withStoreRetry<T>(fn: () => Promise<T>, opts: StoreRetryOptions = {}): Promise<T> {
  const { signal } = opts;
  let delay = FIRST_DELAY_MS;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      if (opts.maxWaitMs !== undefined && waited + delay > opts.maxWaitMs) throw err;
      await opts.onWait?.(attempt, err);
      try {
        await sleep(delay, undefined, { signal });
      } catch (sleepErr) {
        if (signal?.aborted) throw signal.reason;
        throw sleepErr;
      }
      waited += delay;
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
