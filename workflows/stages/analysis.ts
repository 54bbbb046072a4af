import { isCancellation, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { AgentRunInput, AnalysisStageInput, AnalysisStageResult } from '../api/index.js';
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

/** The analyst reads the repo at the base and either plans the change or asks blocking questions. */
export async function analysisWorkflow(input: AnalysisStageInput): Promise<AnalysisStageResult> {
  // The agent activities go to the agent task queue when the task has one (workers of their own).
  const q = input.agentTaskQueue;
  const { runAnalyst } = proxyActivities<SwitchyardActivities>(onQueue(agentActivity, q));
  const { submitDelegatedJob } = proxyActivities<SwitchyardActivities>(onQueue(delegatedSubmitActivity, q));
  const { cancelDelegatedJob } = proxyActivities<SwitchyardActivities>(onQueue(shortActivity, q));
  setCurrentDetails(
    `Analyst **${input.provider}** is reading \`${input.repo}\` at \`${input.base}\` (attempt ${input.attempt}).`,
  );
  const agentInput: AgentRunInput = {
    taskId: input.taskId,
    role: 'analyst',
    attempt: input.attempt,
    repo: input.repo,
    ref: input.base,
    provider: input.provider,
    prompt: input.prompt,
    budgetLeftUsd: input.budgetLeftUsd,
    allowFallback: input.allowFallback,
    bodyRef: input.bodyRef,
  };
  const local = (provider: string) => waitingOutUsageLimits('analysis', () => runAnalyst({ ...agentInput, provider }));
  try {
    const delegation = input.delegation;
    const { result: r, ranOn } = delegation
      ? await onThePlatform('analysis', delegation, {
          submit: () => submitDelegatedJob({ ...agentInput, base: delegation.base, jobKey: delegation.jobKey }),
          await: (job) =>
            proxyActivities<SwitchyardActivities>(
              onQueue(delegatedAwaitActivity(job.timeoutSec), q),
            ).awaitDelegatedAnalysis({
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
    const base = {
      ...(ranOn ? { ranOn } : {}),
      artifacts: r.artifacts,
      analysis: preview(r.analysis),
      // Questions travel in state and prompts: bounded (the full file is an artifact).
      questions: r.questions.slice(0, 20).map((q) => preview(q, 500)),
      summary: preview(r.summary),
      costUsd: r.costUsd,
    };
    if (!r.ok) return { ...base, outcome: 'agent-failed', failure: r.failure ?? `agent exited ${r.exitCode}` };
    return { ...base, outcome: r.questions.length > 0 ? 'needs-input' : 'ready' };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return {
      outcome: 'agent-failed',
      analysis: '',
      questions: [],
      summary: '',
      // A failed run still cost money: the task's total and budget must know.
      costUsd: failureCost(describeFailure(err)),
      failure: failureText(describeFailure(err)),
    };
  }
}
