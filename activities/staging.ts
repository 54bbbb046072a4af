/**
 * The deploy-staging check, local transport: the target's command in a worktree at the tested
 * commit; exit 0 = passed. A command that cannot run is a staging environment problem
 * (StagingEnvPermanent → hold), not a failure of the code under test.
 */
import type { StagingRunInput, StagingSummary } from '../workflows/api/index.js';
import { ErrorType } from '../workflows/api/index.js';
import { redactSecrets } from '../workflows/redact.js';
import { failure } from './errors.js';
import { resolveRepo } from './git.js';
import { runAtCommit, TIMEOUT_EXIT_CODE, type CommitRunDeps } from './run-at-commit.js';

export async function runStagingCheck(input: StagingRunInput, deps: CommitRunDeps): Promise<StagingSummary> {
  const target = deps.config.staging[input.target];
  if (!target) {
    const known = Object.keys(deps.config.staging);
    throw failure(
      ErrorType.ConfigInvalid,
      `no staging target named "${input.target}" in config.staging (known: ${known.join(', ') || 'none'})`,
    );
  }
  const run = {
    repo: resolveRepo(deps.config, input.repo),
    commit: input.commit,
    worktreeLabel: `${input.taskId}-staging-${input.attempt}`,
    argv: target.command,
    envNames: target.env,
    vars: (commit: string) => ({
      SWITCHYARD_COMMIT: commit,
      SWITCHYARD_TARGET: input.target,
      SWITCHYARD_TASK_ID: input.taskId,
    }),
    timeoutSec: target.timeoutSec,
    phase: 'staging',
    logKind: 'staging-log',
    cannotRun: ErrorType.StagingEnvPermanent,
    names: {
      program: `staging command ${JSON.stringify(redactSecrets(target.command[0]))} of target ${input.target}`,
      command: `staging command of target ${input.target}`,
    },
  };
  return runAtCommit<StagingSummary>(run, deps, ({ res, commit }) => {
    // A check that hangs is reported as failed (exit 124, like timeout(1)) with a note in the output.
    const output = res.timedOut
      ? `${res.output}\n[switchyard: staging check timed out after ${target.timeoutSec}s]\n`
      : res.output;
    const status = res.exitCode === 0 && !res.timedOut ? 'PASS' : 'FAIL';
    deps.log(`staging ${input.target} ${status} for ${input.taskId} at ${commit.slice(0, 12)} in ${res.durationMs}ms`);
    return {
      status,
      exitCode: res.timedOut ? TIMEOUT_EXIT_CODE : res.exitCode,
      durationMs: res.durationMs,
      output,
      outputBytes: res.outputBytes,
      truncated: res.truncated,
      target: input.target,
      commit,
    };
  });
}
