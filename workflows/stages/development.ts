import { isCancellation, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { DeveloperInput, DevelopmentStageInput, DevelopmentStageResult } from '../api/index.js';
import {
  agentActivity,
  delegatedAwaitActivity,
  delegatedSubmitActivity,
  onQueue,
  shortActivity,
} from '../activity-options.js';
import type { SwitchyardActivities } from '../activity-types.js';
import { describeFailure, failureCost, failureText } from '../failures.js';
import { preview } from '../preview.js';
import { onThePlatform } from './delegated.js';
import { waitingOutUsageLimits } from './usage-limit.js';

/** The developer changes a fresh worktree; the result is a commit pushed to the task's branch. */
export async function developmentWorkflow(input: DevelopmentStageInput): Promise<DevelopmentStageResult> {
  // The agent activities go to the agent task queue when the task has one (workers of their own).
  const q = input.agentTaskQueue;
  const { runDeveloper } = proxyActivities<SwitchyardActivities>(onQueue(agentActivity, q));
  const { submitDelegatedJob } = proxyActivities<SwitchyardActivities>(onQueue(delegatedSubmitActivity, q));
  const { cancelDelegatedJob } = proxyActivities<SwitchyardActivities>(onQueue(shortActivity, q));
  setCurrentDetails(
    `Developer **${input.provider}** is working on \`${input.branch}\` from \`${input.ref}\` (attempt ${input.attempt}).`,
  );
  const agentInput: DeveloperInput = {
    taskId: input.taskId,
    role: 'developer',
    attempt: input.attempt,
    repo: input.repo,
    ref: input.ref,
    branch: input.branch,
    expectedTip: input.expectedTip,
    trailer: input.trailer,
    provider: input.provider,
    prompt: input.prompt,
    budgetLeftUsd: input.budgetLeftUsd,
    allowFallback: input.allowFallback,
    bodyRef: input.bodyRef,
  };
  const local = (provider: string) =>
    waitingOutUsageLimits('development', () => runDeveloper({ ...agentInput, provider }));
  try {
    const delegation = input.delegation;
    const { result: r, ranOn } = delegation
      ? await onThePlatform('development', delegation, {
          submit: () => submitDelegatedJob({ ...agentInput, base: delegation.base, jobKey: delegation.jobKey }),
          await: (job) =>
            proxyActivities<SwitchyardActivities>(
              onQueue(delegatedAwaitActivity(job.timeoutSec), q),
            ).awaitDelegatedDevelopment({
              // The prompt went with the submit (and is stored): no second copy in history.
              ...agentInput,
              prompt: '',
              bodyRef: undefined,
              job,
            }),
          cancel: (job) => cancelDelegatedJob({ taskId: input.taskId, provider: job.provider, jobId: job.jobId }),
          local,
        })
      : { result: await local(input.provider), ranOn: undefined };
    return {
      ...(ranOn ? { ranOn } : {}),
      outcome: r.outcome,
      branch: r.branch,
      commit: r.commit,
      summary: preview(r.summary),
      changedFiles: r.changedFiles.slice(0, 200),
      costUsd: r.costUsd,
      failure: r.failure,
      artifacts: r.artifacts,
    };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return {
      outcome: 'agent-failed',
      branch: input.branch,
      summary: '',
      changedFiles: [],
      // A failed run still cost money: the task's total and budget must know.
      costUsd: failureCost(describeFailure(err)),
      failure: failureText(describeFailure(err)),
    };
  }
}
