import { isCancellation, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { StagingStageInput, StagingStageResult } from '../api/index.js';
import { stagingActivity } from '../activity-options.js';
import type { SwitchyardActivities } from '../activity-types.js';
import { describeFailure, failureText } from '../failures.js';
import { preview } from '../preview.js';

const { runStagingCheck } = proxyActivities<SwitchyardActivities>(stagingActivity);

/** The staging target's check for the tested commit: PASS, FAIL, or an environment problem. */
export async function deployStagingWorkflow(input: StagingStageInput): Promise<StagingStageResult> {
  setCurrentDetails(
    `Staging check on **${input.target}** for \`${input.commit.slice(0, 12)}\` (attempt ${input.attempt}).`,
  );
  try {
    const report = await runStagingCheck({
      taskId: input.taskId,
      repo: input.repo,
      commit: input.commit,
      target: input.target,
      attempt: input.attempt,
    });
    return {
      outcome: report.status === 'PASS' ? 'passed' : 'failed',
      report: { ...report, output: preview(report.output) },
    };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Permanent problems, or transient ones whose retries ran out.
    return { outcome: 'env-problem', failure: failureText(describeFailure(err)) };
  }
}
