/**
 * The deploy-staging check, local transport: the target's command in a worktree at the tested
 * commit; exit 0 = passed. A command that cannot run is a staging environment problem
 * (StagingEnvPermanent → hold), not a failure of the code under test.
 */
import type { StagingRunInput, StagingSummary } from '../workflows/api/index.js';
import { ErrorType } from '../workflows/api/index.js';
import type { Config } from './config-schema.js';
import { baseEnv } from './agents/command.js';
import { failure, ProcessStartError } from './errors.js';
import { prepareWorktree, removeWorktree, resolveRepo } from './git.js';
import { tailText } from './output-cap.js';
import { heartbeatPhase, runActivityProcess } from './process.js';
import { SHELL_NOT_FOUND_CODES, TIMEOUT_EXIT_CODE } from './test-runner.js';
import { redactSecrets } from '../workflows/redact.js';

export interface StagingDeps {
  config: Config;
  dataDir: string;
  log: (msg: string) => void;
  /** The full output is written here too (the store keeps it). */
  fullOutputPath?: string;
}

export async function runStagingCheck(input: StagingRunInput, deps: StagingDeps): Promise<StagingSummary> {
  const target = deps.config.staging[input.target];
  if (!target) {
    const known = Object.keys(deps.config.staging);
    throw failure(
      ErrorType.ConfigInvalid,
      `no staging target named "${input.target}" in config.staging (known: ${known.join(', ') || 'none'})`,
    );
  }
  const repo = resolveRepo(deps.config, input.repo);
  heartbeatPhase('worktree');
  const wt = await prepareWorktree(repo.url, input.commit, {
    dataDir: deps.dataDir,
    log: deps.log,
    repoLabel: repo.name,
    label: `${input.taskId}-staging-${input.attempt}`,
  });
  try {
    let res;
    try {
      res = await runActivityProcess(target.command, {
        cwd: wt.dir,
        env: {
          ...baseEnv(process.env, target.env),
          SWITCHYARD_COMMIT: wt.commit,
          SWITCHYARD_TARGET: input.target,
          SWITCHYARD_TASK_ID: input.taskId,
        },
        timeoutMs: target.timeoutSec * 1000,
        phase: 'staging',
        fullOutputPath: deps.fullOutputPath,
      });
    } catch (err) {
      if (err instanceof ProcessStartError) {
        throw failure(
          ErrorType.StagingEnvPermanent,
          `staging command ${JSON.stringify(redactSecrets(target.command[0]))} of target ${input.target} cannot be started (${err.code})`,
        );
      }
      throw err;
    }
    if (!res.timedOut && res.exitCode !== null && SHELL_NOT_FOUND_CODES.includes(res.exitCode)) {
      throw failure(
        ErrorType.StagingEnvPermanent,
        `staging command of target ${input.target} exited ${res.exitCode} (command not found or not executable): ${tailText(redactSecrets(res.output.trim()), 1000)}`,
      );
    }
    // A check that hangs is reported as failed (exit 124, like timeout(1)) with a note in the output.
    const output = res.timedOut
      ? `${res.output}\n[switchyard: staging check timed out after ${target.timeoutSec}s]\n`
      : res.output;
    const status = res.exitCode === 0 && !res.timedOut ? 'PASS' : 'FAIL';
    deps.log(
      `staging ${input.target} ${status} for ${input.taskId} at ${wt.commit.slice(0, 12)} in ${res.durationMs}ms`,
    );
    return {
      status,
      exitCode: res.timedOut ? TIMEOUT_EXIT_CODE : res.exitCode,
      durationMs: res.durationMs,
      output,
      outputBytes: res.outputBytes,
      truncated: res.truncated,
      target: input.target,
      commit: wt.commit,
    };
  } finally {
    await removeWorktree(wt);
  }
}
