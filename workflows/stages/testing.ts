import { isCancellation, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { TestingStageInput, TestingStageResult } from '../api/index.js';
import { testActivity } from '../activity-options.js';
import type { SwitchyardActivities } from '../activity-types.js';
import { describeFailure, failureText } from '../failures.js';
import { preview } from '../preview.js';

const { runTests } = proxyActivities<SwitchyardActivities>(testActivity);

/** The repo's own test command on the exact commit development pushed. */
export async function testingWorkflow(input: TestingStageInput): Promise<TestingStageResult> {
  setCurrentDetails(
    `Running the tests of \`${input.repo}\` on \`${input.commit.slice(0, 12)}\` (attempt ${input.attempt}).`,
  );
  try {
    const report = await runTests({
      taskId: input.taskId,
      repo: input.repo,
      commit: input.commit,
      attempt: input.attempt,
    });
    const short = { ...report, output: preview(report.output) };
    return { outcome: report.status === 'PASS' ? 'passed' : 'failed', report: short };
  } catch (err) {
    if (isCancellation(err)) throw err;
    // The runner could not run at all: an environment problem, never a test failure.
    return { outcome: 'tool-error', failure: failureText(describeFailure(err)) };
  }
}
