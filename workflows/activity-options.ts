/** Timeouts and retry policies for the activities, in one place. */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
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

/** Agents run long; they heartbeat, so a dead worker is noticed within the heartbeat timeout. */
export const agentActivity: ActivityOptions = {
  startToCloseTimeout: '6h',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // Wait for the activity to kill its process tree before the stage reports cancelled.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 5 },
};

/** The runner enforces the repo's testTimeoutSec itself; this only bounds a lost worker. */
export const testActivity: ActivityOptions = {
  startToCloseTimeout: '6h',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 3 },
};

export const stagingActivity: ActivityOptions = {
  startToCloseTimeout: '2h',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  // StagingTransient is retried, but only a bounded number of times before the task holds.
  retry: { ...retry, maximumAttempts: 4 },
};

/** Store writes wait out an unreachable database: the task pauses, nothing is lost. */
export const storeActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  // A dead worker's store write is retried within seconds, not after the whole minute.
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { ...retry, maximumInterval: '1m' },
};

export const shortActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { ...retry, maximumAttempts: 10 },
};
