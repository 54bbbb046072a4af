/** Small helpers the client shares: error text, who is acting (redacted), sleeping. */
import os from 'node:os';
import type { OperatorInput } from '../workflows/api/index.js';
import { redactSecrets } from '../workflows/redact.js';

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause =
      err.cause instanceof Error && !err.message.includes(err.cause.message) ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

/** grpc UNAVAILABLE (14) or a refused connection while talking to the frontend. */
export function isUnavailable(err: unknown): boolean {
  const text = errorText(err);
  const code =
    (err as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
  return code === 14 || /UNAVAILABLE|ECONNREFUSED|No connection established/i.test(text);
}

/** `$USER@hostname`, recorded with answers and operator actions. */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  let user = env.USER || env.USERNAME;
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}`;
}

/** An operator's note and name as sent: redacted, the name defaulting to `defaultActor()`. */
export function operator(input: OperatorInput): OperatorInput {
  return {
    by: redactSecrets(input.by ?? defaultActor()),
    ...(input.note !== undefined ? { note: redactSecrets(input.note) } : {}),
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
