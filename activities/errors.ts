/**
 * ApplicationFailures with the error taxonomy of docs/architecture.md §5. Retryability follows
 * NON_RETRYABLE_ERRORS unless the caller says otherwise, so a failure type and its retry
 * behaviour cannot drift apart.
 */
import { ApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE_ERRORS, type ErrorTypeName } from '../workflows/api/index.js';
import { redactUrlCredentials } from '../workflows/redact.js';

export interface FailureOptions {
  nonRetryable?: boolean;
  cause?: Error;
  details?: unknown[];
  /** For RateLimited: when the provider's quota resets. */
  nextRetryDelayMs?: number;
}

// Failure messages end up in workflow history: URL credentials never do.
export { redactUrlCredentials } from '../workflows/redact.js';

export function failure(type: ErrorTypeName, message: string, opts: FailureOptions = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message: redactUrlCredentials(message),
    nonRetryable: opts.nonRetryable ?? NON_RETRYABLE_ERRORS.includes(type),
    cause: opts.cause,
    details: opts.details,
    nextRetryDelay: opts.nextRetryDelayMs,
  });
}

/** A process could not be started at all (binary missing or not executable, bad cwd). */
export class ProcessStartError extends Error {
  constructor(
    readonly argv: readonly string[],
    /** ENOENT, EACCES, … as reported by spawn. */
    readonly code: string,
    readonly cwd: string,
    detail: string,
  ) {
    super(`cannot start ${JSON.stringify(argv[0])} in ${cwd}: ${code} (${detail})`);
    this.name = 'ProcessStartError';
  }
}
