import { isCancellation, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { StagingStageInput, StagingStageResult } from '../api/index.js';
import { stagingActivity } from '../activity-options.js';
import type { SwitchyardActivities } from '../activity-types.js';
import { describeFailure, failureText } from '../failures.js';
import { preview } from '../preview.js';
import { stagingHoldReason, stagingOutcome } from '../staging-outcome.js';

const { runStagingCheck } = proxyActivities<SwitchyardActivities>(stagingActivity);

/**
 * The staging target's check for the tested commit. Only a check that ran and failed goes back to
 * development; a hang, an unreachable host or a broken host is an environment problem (hold).
 */
export async function deployStagingWorkflow(input: StagingStageInput): Promise<StagingStageResult> {
  setCurrentDetails(
    `Staging check on **${input.target}** for \`${input.commit.slice(0, 12)}\` (attempt ${input.attempt}).`,
  );
  try {
    const report = await runStagingCheck({
      taskId: input.taskId,
      repo: input.repo,
      commit: input.commit,
      branch: input.branch,
      target: input.target,
      attempt: input.attempt,
    });
    const outcome = stagingOutcome(report);
    const short = { ...report, output: preview(report.output) };
    return outcome === 'env-problem'
      ? { outcome, report: short, failure: stagingHoldReason(report) }
      : { outcome, report: short };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Permanent problems, or transient ones whose retries ran out.
    return { outcome: 'env-problem', failure: failureText(describeFailure(err)) };
  }
}
