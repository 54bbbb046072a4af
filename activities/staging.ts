/**
 * The deploy-staging check on the tested commit, by the target's transport: `local` runs the command
 * in a worktree here, `ssh` runs it on the host (staging-ssh.ts). The summary's class says what the
 * run means; only `failed` is about the code. A command that cannot run, an unreachable host or a
 * hang is an environment question for a person.
 */
import { Context } from '@temporalio/activity';
import type { StagingClass, StagingRunInput, StagingSummary } from '../workflows/api/index.js';
import { ErrorType, taskBranch } from '../workflows/api/index.js';
import { redactSecrets } from '../workflows/redact.js';
import type { SshStagingConfig, StagingConfig } from './config-schema.js';
import { failure } from './errors.js';
import { resolveRepo } from './git.js';
import { runAtCommit, TIMEOUT_EXIT_CODE, withStoredLog, type CommitRunDeps } from './run-at-commit.js';
import type { SshOutcome } from './ssh-command.js';
import { hostLabel, runSshCheck, stagingReason } from './staging-ssh.js';

export async function runStagingCheck(input: StagingRunInput, deps: CommitRunDeps): Promise<StagingSummary> {
  const target = deps.config.staging[input.target];
  if (!target) {
    const known = Object.keys(deps.config.staging);
    throw failure(
      ErrorType.ConfigInvalid,
      `no staging target named "${input.target}" in config.staging (known: ${known.join(', ') || 'none'})`,
    );
  }
  const report = target.transport === 'ssh' ? await overSsh(input, target, deps) : await locally(input, target, deps);
  deps.log(
    `staging ${input.target} ${report.outcomeClass} for ${input.taskId} at ${report.commit.slice(0, 12)} in ${report.durationMs}ms`,
  );
  return report;
}

async function locally(
  input: StagingRunInput,
  target: Extract<StagingConfig, { transport: 'local' }>,
  deps: CommitRunDeps,
): Promise<StagingSummary> {
  const where = `staging target ${input.target}`;
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
    const outcomeClass: StagingClass = res.timedOut ? 'timeout' : res.exitCode === 0 ? 'passed' : 'failed';
    const output = redactSecrets(res.output);
    return {
      status: outcomeClass === 'passed' ? 'PASS' : 'FAIL',
      outcomeClass,
      transport: 'local',
      reason: `${where}: ${stagingReason(localOutcome(outcomeClass, res.exitCode), output, target)}`,
      exitCode: res.timedOut ? TIMEOUT_EXIT_CODE : res.exitCode,
      durationMs: res.durationMs,
      output: res.timedOut ? `${output}\n[switchyard: staging check timed out after ${target.timeoutSec} s]\n` : output,
      outputBytes: res.outputBytes,
      truncated: res.truncated,
      target: input.target,
      commit,
    };
  });
}

function localOutcome(c: StagingClass, exitCode: number | null): SshOutcome {
  return c === 'failed' ? { kind: 'failed', exitCode: exitCode ?? -1 } : { kind: c as 'passed' | 'timeout' };
}

async function overSsh(input: StagingRunInput, target: SshStagingConfig, deps: CommitRunDeps): Promise<StagingSummary> {
  const repo = resolveRepo(deps.config, input.repo);
  return withStoredLog(deps.recorder, 'staging-log', async (fullOutputPath) => {
    const r = await runSshCheck(target, {
      name: input.target,
      values: {
        commit: input.commit,
        branch: input.branch ?? taskBranch(input.taskId),
        taskId: input.taskId,
        repo: repo.name,
        repoUrl: repo.url,
      },
      attempt: Context.current().info.attempt,
      fullOutputPath,
    });
    return {
      status: r.outcome.kind === 'passed' ? 'PASS' : 'FAIL',
      outcomeClass: r.outcome.kind,
      transport: 'ssh',
      host: hostLabel(target),
      reason: r.reason,
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      output: r.output,
      outputBytes: r.outputBytes,
      truncated: r.truncated,
      target: input.target,
      commit: input.commit,
    };
  });
}
