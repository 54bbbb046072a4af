/** Timeouts and retry policies for the activities, in one place. */
import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERRORS } from './api/index.js';

const retry = {
  // Also the delay between a heartbeat timeout and the retry.
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '5m',
  nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
};

/**
 * A dead worker is noticed by the heartbeat timeout: every phase of these activities heartbeats at
 * least every 2 s (the worker's keep-alive and runProcess), so 10 s is safe, and a retry starts
 * within timeout + the first retry interval (≈ 12 s) of the worker's death.
 */
const HEARTBEAT_TIMEOUT = '10s';

/**
 * An activity that runs a process tree: the stage waits for the activity to kill it before it
 * reports cancelled, and a dead worker is noticed by the heartbeat timeout.
 */
function processActivity(startToCloseTimeout: string, maximumAttempts: number): ActivityOptions {
  return {
    startToCloseTimeout,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...retry, maximumAttempts },
  };
}

/** Agents run long; the adapter classifies what is worth another attempt. */
export const agentActivity = processActivity('6h', 5);

/**
 * A submit is one POST: 5xx, 429 (after its Retry-After), resets and timeouts are retried here, so a
 * platform that stays unreachable holds the task (or falls back to local) after about 15 s of backoff
 * plus the requests' own timeouts and any Retry-After. A cancelled submit finishes its POST and deletes
 * the job it made before the stage reports cancelled.
 */
export const delegatedSubmitActivity: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumInterval: '10s', maximumAttempts: 5 },
};

/**
 * Awaiting a job: every attempt resumes polling the same job, so a lost worker or a platform outage
 * costs nothing but time. The activity itself ends the wait at the job's deadline (timeoutSec from the
 * submit); the limits here only back that up.
 */
export function delegatedAwaitActivity(timeoutSec: number): ActivityOptions {
  return {
    startToCloseTimeout: `${timeoutSec + 600}s`,
    scheduleToCloseTimeout: `${timeoutSec + 1800}s`,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { ...retry, maximumInterval: '30s' },
  };
}

/** Options on the agent task queue (pipeline.agentTaskQueue) when the task has one, else as they are. */
export function onQueue(options: ActivityOptions, taskQueue: string | undefined): ActivityOptions {
  return taskQueue ? { ...options, taskQueue } : options;
}

/** The runner enforces the repo's testTimeoutSec itself; this only bounds a lost worker. */
export const testActivity = processActivity('6h', 3);

/** StagingTransient is retried until the target's `retries` (at most 10) are spent; the rest covers lost workers. */
export const stagingActivity = processActivity('2h', 12);

/**
 * A webhook delivery: its own retries, about 4 minutes in all (2 s doubling, 8 attempts), apart from
 * the task, which never waits for it. An endpoint answering a 4xx other than 408/429 is not retried.
 */
export const webhookActivity: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: { ...retry, initialInterval: '2s', maximumInterval: '5m', maximumAttempts: 8 },
};

/** Store writes wait out an unreachable database: the task pauses, nothing is lost. */
export const storeActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  // A dead worker's store write is retried within seconds, not after the whole minute.
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { ...retry, maximumInterval: '1m' },
};

/**
 * A short call the task makes at its boundaries (send a notice): run by the worker that runs the
 * workflow task, with no trip through a task queue and a marker in history instead of three activity
 * events. A worker lost meanwhile means the workflow task is retried and the call made again (a
 * notice and its events are keyed, so they are filed once). Not for a call that waits on another
 * workflow's task (a gate request): it would hold this workflow task's slot while it waits.
 */
export const localShortActivity: LocalActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { ...retry, maximumAttempts: 10 },
};

/**
 * Asking a gate: a cancel waits until the request has landed, so the release that follows it cannot
 * overtake it (an update that arrived after the release would make a cancelled task the holder).
 */
export const gateRequestActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 10 },
};

export const shortActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { ...retry, maximumAttempts: 10 },
};
