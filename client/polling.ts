/**
 * What the client learns by polling a task's status: `watch`'s stream of changes, and whether the
 * workflow took a signal just sent. Neither needs a worker to answer; both stop at a bound.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { stageWorkflowId, type TaskStatus } from '../workflows/api/index.js';
import { TaskNotFoundError } from './errors.js';
import { errorText, sleep } from './helpers.js';
import { newEntries, signalOutcome, transitionKey, type SignalOutcome } from './signal-outcome.js';
import { statusChanged } from './status-render.js';
import {
  FINAL_STATES,
  SETTLED_STATES,
  type ActivityProgressView,
  type SignalKind,
  type TaskStatusView,
  type WatchCallback,
  type WatchOptions,
} from './views.js';

/** How long the CLI waits for the workflow to take a signal before saying it is still pending. */
export const SIGNAL_WAIT_MS = 10_000;

/** What polling needs of SwitchyardClient. */
export interface StatusSource {
  status(taskId: string): Promise<TaskStatusView>;
  workerPolling(): Promise<boolean>;
  progress(status: TaskStatus): Promise<ActivityProgressView | undefined>;
}

export interface SignalWaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Whether the workflow took `signal`, sent once `before` was seen: polls the status until it shows
 * the signal applied or ignored, for at most `timeoutMs`. With no worker polling nothing can take
 * it, so that is said at once (Temporal keeps the signal for when a worker runs).
 */
export async function awaitSignalOutcome(
  source: StatusSource,
  taskId: string,
  signal: SignalKind,
  before: TaskStatusView,
  opts: SignalWaitOptions = {},
): Promise<SignalOutcome> {
  if (!(await source.workerPolling())) return { kind: 'pending', why: 'no worker is running' };
  const timeoutMs = opts.timeoutMs ?? SIGNAL_WAIT_MS;
  const deadline = Date.now() + timeoutMs;
  let problem = `no worker has taken it within ${Math.round(timeoutMs / 1000)} s`;
  for (;;) {
    try {
      const after = await source.status(taskId);
      const outcome = signalOutcome(signal, before, after);
      if (outcome) return outcome;
      if (after.queryError) problem = after.queryError;
    } catch (err) {
      if (err instanceof TaskNotFoundError) throw err;
      problem = errorText(err); // the server restarting, say: worth waiting out
    }
    if (Date.now() >= deadline) return { kind: 'pending', why: problem };
    await sleep(Math.min(opts.intervalMs ?? 250, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Poll the task's status and report every change until it is done, failed, cancelled or waits
 * for a person. Returns the last status seen.
 */
export async function watchTask(
  source: StatusSource,
  taskId: string,
  onChange: WatchCallback,
  opts: WatchOptions = {},
): Promise<TaskStatusView> {
  const intervalMs = opts.intervalMs ?? 1000;
  let previous: TaskStatusView | undefined;
  let lastProblem: string | undefined;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('watch aborted');
    let current: TaskStatusView | undefined;
    try {
      current = await source.status(taskId);
      if (current.state === 'running') current.progress = await source.progress(current).catch(() => undefined);
    } catch (err) {
      // A missing task is final; anything else (server restarting) is worth waiting out.
      if (err instanceof TaskNotFoundError || opts.signal?.aborted) throw err;
      const problem = errorText(err);
      if (problem !== lastProblem) opts.onProblem?.(problem);
      lastProblem = problem;
    }
    if (current) {
      // An ended task is read from Temporal's record by design: no worker to wait for, nothing to warn about.
      if (current.queryError && !FINAL_STATES.includes(current.state)) {
        if (current.queryError !== lastProblem) opts.onProblem?.(`no worker answered: ${current.queryError}`);
        lastProblem = current.queryError;
      } else {
        lastProblem = undefined;
      }
      // A status pieced together without a worker is too thin to report as progress, unless it is final.
      if (!current.queryError || SETTLED_STATES.includes(current.state)) {
        if (!previous || statusChanged(previous, current)) {
          const added = previous ? newEntries(previous.transitions, current.transitions, transitionKey) : [];
          // A record keeps only the last few transitions; the ones seen before are still true.
          if (previous && current.queryError) current.transitions = [...previous.transitions, ...added];
          onChange(current, previous, previous ? added : current.transitions);
          previous = current;
        }
        if (SETTLED_STATES.includes(current.state)) return current;
      }
    }
    await sleep(intervalMs, opts.signal);
  }
}

/** The running stage's pending activity, as the Web UI shows it: heartbeat details and last failure. */
export async function stageProgress(client: Client, status: TaskStatus): Promise<ActivityProgressView | undefined> {
  const id = stageWorkflowId(status.taskId, status.stage, status.attempts[status.stage]);
  const d = await client.workflow.getHandle(id).describe();
  const pending = d.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const payload = pending.heartbeatDetails?.payloads?.[0];
  const details = payload ? (defaultPayloadConverter.fromPayload(payload) as Record<string, unknown>) : undefined;
  return {
    activity: pending.activityType?.name ?? 'activity',
    attempt: pending.attempt ?? 1,
    details: details && typeof details === 'object' ? details : undefined,
    lastFailure: pending.lastFailure?.message ?? undefined,
  };
}
