/** Timeouts and retry policies for the activities, in one place. */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERRORS } from './api.js';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '5m',
  nonRetryableErrorTypes: NON_RETRYABLE_ERRORS,
};

/** Agents run long; they heartbeat, so a dead worker is noticed within the heartbeat timeout. */
export const agentActivity: ActivityOptions = {
  startToCloseTimeout: '6h',
  heartbeatTimeout: '1m',
  // Wait for the activity to kill its process tree before the stage reports cancelled.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 5 },
};

/** The runner enforces the repo's testTimeoutSec itself; this only bounds a lost worker. */
export const testActivity: ActivityOptions = {
  startToCloseTimeout: '6h',
  heartbeatTimeout: '1m',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...retry, maximumAttempts: 3 },
};

export const stagingActivity: ActivityOptions = {
  startToCloseTimeout: '2h',
  heartbeatTimeout: '1m',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  // StagingTransient is retried, but only a bounded number of times before the task holds.
  retry: { ...retry, maximumAttempts: 4 },
};

/** Store writes wait out an unreachable database: the task pauses, nothing is lost. */
export const storeActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { ...retry, maximumInterval: '1m' },
};

export const shortActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  retry: { ...retry, maximumAttempts: 10 },
};
