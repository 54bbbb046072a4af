/** Reading failures that reach workflow code, so stages can turn them into outcomes. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TemporalFailure } from '@temporalio/workflow';

export interface FailureInfo {
  /** ApplicationFailure type (see ErrorType), when the root cause has one. */
  type?: string;
  message: string;
}

/** The innermost ApplicationFailure's type and message; wrappers only say "activity failed". */
export function describeFailure(err: unknown): FailureInfo {
  let cur: unknown = err;
  while (cur instanceof ActivityFailure || cur instanceof ChildWorkflowFailure) {
    if (!cur.cause) break;
    cur = cur.cause;
  }
  if (cur instanceof ApplicationFailure) return { type: cur.type ?? undefined, message: cur.message };
  if (cur instanceof TemporalFailure) return { message: cur.message };
  if (cur instanceof Error) return { message: cur.message };
  return { message: String(err) };
}

export function failureText(info: FailureInfo): string {
  return info.type ? `${info.type}: ${info.message}` : info.message;
}
