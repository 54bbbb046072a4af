/** Reading failures that reach workflow code, so stages can turn them into outcomes. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';

export interface FailureInfo {
  /** ApplicationFailure type (see ErrorType), when the root cause has one. */
  type?: string;
  message: string;
  /** The failure's first detail, when it carries one (e.g. `{ resetAt }` on RateLimited). */
  details?: Record<string, unknown>;
}

/** The innermost ApplicationFailure's type and message; wrappers only say "activity failed". */
export function describeFailure(err: unknown): FailureInfo {
  let cur: unknown = err;
  while (cur instanceof ActivityFailure || cur instanceof ChildWorkflowFailure) {
    if (!cur.cause) break;
    cur = cur.cause;
  }
  if (cur instanceof ApplicationFailure) {
    const first = cur.details?.[0];
    const details = first && typeof first === 'object' ? (first as Record<string, unknown>) : undefined;
    return { type: cur.type ?? undefined, message: cur.message, details };
  }
  if (cur instanceof TemporalFailure) return { message: cur.message };
  if (cur instanceof Error) return { message: cur.message };
  return { message: String(err) };
}

export function failureText(info: FailureInfo): string {
  return info.type ? `${info.type}: ${info.message}` : info.message;
}

/** When every account of a provider is cooling down, the activity says until when. */
export function usageLimitResetAt(info: FailureInfo): number | undefined {
  if (info.type !== 'RateLimited') return undefined;
  const at = info.details?.resetAt;
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}

/** What a failed agent run cost, when the activity said so in the failure's details. */
export function failureCost(info: FailureInfo): number {
  const cost = info.details?.costUsd;
  return typeof cost === 'number' && Number.isFinite(cost) && cost > 0 ? cost : 0;
}

/**
 * Whether a failed submit means the platform could not be reached (5xx, 429, resets and timeouts, past
 * their retries), rather than that it refused the job: only then may a stage fall back to local.
 */
export function platformUnreachable(info: FailureInfo): boolean {
  return info.type === 'ProviderUnavailable';
}
