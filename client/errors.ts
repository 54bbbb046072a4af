/**
 * The client's errors: each says what went wrong and what to do; the CLI maps them to exit codes.
 * Loaded by every command (reportError), so it imports nothing from Temporal: api/ids.js, not the
 * api index, which loads @temporalio/workflow and @temporalio/common.
 */
import type { TaskState, TaskStatus } from '../workflows/api/index.js';
import { taskWorkflowId } from '../workflows/api/ids.js';
import { errorText } from './helpers.js';
import { FINAL_STATES, type SignalKind } from './views.js';

export class ConnectionError extends Error {
  override name = 'ConnectionError';
}

/** The task is not in a state where the requested message makes sense. */
export class StateError extends Error {
  override name = 'StateError';
  constructor(
    message: string,
    readonly taskId: string,
    readonly state: TaskState,
  ) {
    super(message);
  }
}

/** The workflow received the signal and recorded it in `ignoredSignals` instead of acting on it. */
export class SignalIgnoredError extends Error {
  override name = 'SignalIgnoredError';
  constructor(
    readonly taskId: string,
    readonly signal: SignalKind,
    readonly reason: string,
  ) {
    super(`task ${taskId} ignored the ${signal}: ${reason}`);
  }
}

export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
  constructor(
    readonly taskId: string,
    namespace: string,
  ) {
    super(`no task "${taskId}" (workflow ${taskWorkflowId(taskId)} not found in namespace "${namespace}")`);
  }
}

export class TaskAlreadyRunningError extends Error {
  override name = 'TaskAlreadyRunningError';
  constructor(
    readonly taskId: string,
    /** Its state when known. */
    readonly state?: TaskStatus,
  ) {
    const where = state ? `state ${state.state}, stage ${state.stage}` : 'state unknown';
    super(
      state && FINAL_STATES.includes(state.state)
        ? `task ${taskId} is still finishing (${where}); submit it again once \`switchyard status ${taskId}\` shows it has closed`
        : `task ${taskId} is already running (${where}); use \`switchyard status ${taskId}\``,
    );
  }
}

/** The start input fails the workflow's own schema (workflows/messages.ts). */
export class InvalidTaskInputError extends Error {
  override name = 'InvalidTaskInputError';
  constructor(readonly issues: string[]) {
    super(`the task's start input is not valid (${issues.length} problem(s))`);
  }
}

/** A signal payload the workflow would ignore (too long, empty, …): refused before it is sent. */
export class InvalidMessageError extends Error {
  override name = 'InvalidMessageError';
  readonly issues: string[];
  constructor(kind: string, reason: string) {
    super(`cannot ${kind}: ${reason}`);
    this.issues = [reason];
  }
}

/** A task with this id already ran and closed; its id is not reused without `--rerun`. */
export class TaskExistsError extends Error {
  override name = 'TaskExistsError';
  constructor(
    readonly taskId: string,
    readonly state: TaskStatus | undefined,
    readonly nextBranch: string,
  ) {
    const where = state ? `${state.state}${state.branch ? `, branch ${state.branch}` : ''}` : 'closed';
    super(
      `task ${taskId} already ran (${where}); its id is not reused silently. ` +
        `Run it again with \`switchyard submit --rerun <file>\` (a new run on branch ${nextBranch}; ` +
        'the earlier branch and records stay), or give the task a new id.',
    );
  }
}

export function unreachable(address: string, err: unknown): ConnectionError {
  // A server on this machine is most likely `start` not running; elsewhere, the settings that say how to reach it.
  const hint = /^(localhost|127\.|\[::1\])/.test(address)
    ? 'is `switchyard start` running?'
    : 'check --address / --profile and its TLS and API key settings';
  return new ConnectionError(`cannot reach Temporal at ${address} — ${hint} (${errorText(err)})`, { cause: err });
}
