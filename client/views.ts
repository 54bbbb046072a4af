/** What SwitchyardClient takes and returns: options, results, the status and list views, the state groups. */
import type { TaskState, TaskStatus, Transition } from '../workflows/api/index.js';
import type { TemporalTarget } from '../worker/connection.js';

/** States in which a task waits for nothing but a person, or has ended: `watch` stops there. */
export const SETTLED_STATES: readonly TaskState[] = ['done', 'failed', 'cancelled', 'needs-input', 'hold'];
export const FINAL_STATES: readonly TaskState[] = ['done', 'failed', 'cancelled'];

export interface SubmitOptions {
  /** Start a new run of a task id whose earlier run has closed, on a branch of its own. */
  rerun?: boolean;
}

export interface ConnectOptions {
  address?: string;
  namespace?: string;
  /** A temporal.toml profile (else $TEMPORAL_PROFILE, else "default" when the file has one). */
  profile?: string;
  /** Exactly this server, no profile or TEMPORAL_* variables (`start`, which runs its own). */
  target?: TemporalTarget;
  taskQueue?: string;
  env?: NodeJS.ProcessEnv;
}

export interface SubmitResult {
  taskId: string;
  workflowId: string;
  runId: string;
  /** 1 for the id's first run, n + 1 for a rerun. */
  run: number;
  branch: string;
}

/** TaskStatus, plus why it had to be pieced together from Temporal's own records when no worker answered. */
export interface TaskStatusView extends TaskStatus {
  queryError?: string;
  /** What the running stage's activity last heartbeated (agent turns, last tool, cost so far). */
  progress?: ActivityProgressView;
}

export interface ActivityProgressView {
  activity: string;
  attempt: number;
  details?: Record<string, unknown>;
  lastFailure?: string;
}

export interface TaskListRow {
  taskId: string;
  workflowId: string;
  title: string;
  state: TaskState | string;
  stage: string;
  repo: string;
  provider: string;
  costUsd: number;
  startTime: string;
  closeTime?: string;
  /** Temporal's execution status (RUNNING, COMPLETED, CANCELLED, ...). */
  status: string;
}

/** A task whose current stage waits on the job platform (`list --delegated`), read from the await activity's heartbeat. */
export interface DelegatedJobRow {
  taskId: string;
  stage: string;
  /** Absent until the await activity's first heartbeat. */
  jobId?: string;
  target?: string;
  provider?: string;
  /** What the platform last said (queued, running, …), or the activity's state before its first poll. */
  platformStatus: string;
  /** Since the submit (or since the await was scheduled, before its first heartbeat). */
  elapsedMs: number;
  attempt: number;
  /** Why the last attempt failed (the platform unreachable, …), when one did. */
  lastFailure?: string;
}

export interface ListFilter {
  state?: string;
  repo?: string;
  limit?: number;
}

export type MessageKind = 'answer' | 'resume' | 'pause' | 'unpause' | 'cancel';
/** The operator messages that are signals (cancel is a Temporal cancellation). */
export type SignalKind = Exclude<MessageKind, 'cancel'>;

export interface WatchOptions {
  intervalMs?: number;
  /** Called once per distinct problem while polling goes on (e.g. no worker answering). */
  onProblem?: (message: string) => void;
  signal?: AbortSignal;
}

export type WatchCallback = (
  status: TaskStatusView,
  previous: TaskStatusView | undefined,
  newTransitions: Transition[],
) => void;
