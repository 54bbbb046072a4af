/**
 * The deploy-staging check on the tested commit, by the target's transport: `local` runs the command
 * in a worktree here, `ssh` runs it on the host (staging-ssh.ts). The summary's class says what the
 * run means; only `failed` is about the code. A command that cannot run, an unreachable host or a
 * hang is an environment question for a person.
 */
import { Context } from '@temporalio/activity';
import { rm } from 'node:fs/promises';
import type { StagingClass, StagingRunInput, StagingSummary } from '../workflows/api/index.js';
import { ErrorType, taskBranch } from '../workflows/api/index.js';
import { redactSecrets } from '../workflows/redact.js';
import { redactKeys } from './agents/redact.js';
import type { SshStagingConfig, StagingConfig } from './config-schema.js';
import { failure } from './errors.js';
import { resolveRepo } from './git.js';
import { outputPreview, runAtCommit, TIMEOUT_EXIT_CODE, type CommitRunDeps } from './run-at-commit.js';
import { firstUsefulLine } from './ssh-command.js';
import { hostLabel, runSshCheck } from './staging-ssh.js';

export interface StagingDeps extends CommitRunDeps {
  /** The ssh client (tests may point at another). */
  sshPath?: string;
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
  const report = target.transport === 'ssh' ? await overSsh(input, target, deps) : await locally(input, target, deps);
  deps.log(
    `staging ${input.target} ${report.outcomeClass} for ${input.taskId} at ${report.commit.slice(0, 12)} in ${report.durationMs}ms`,
  );
  return report;
}

async function locally(
  input: StagingRunInput,
  target: Extract<StagingConfig, { transport: 'local' }>,
  deps: StagingDeps,
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
      reason: `${where}: ${reasonText(outcomeClass, res.exitCode, output, target.timeoutSec)}`,
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

/** `failed` and `timeout` as a person reads them; the ssh classes word their own. */
function reasonText(c: StagingClass, exitCode: number | null, output: string, timeoutSec: number): string {
  if (c === 'passed') return 'passed';
  if (c === 'timeout') return `staging check timed out after ${timeoutSec} s`;
  return `the check failed (exit ${exitCode}): ${firstUsefulLine(output) || 'no output'}`;
}

async function overSsh(input: StagingRunInput, target: SshStagingConfig, deps: StagingDeps): Promise<StagingSummary> {
  const repo = resolveRepo(deps.config, input.repo);
  const fullOutputPath = deps.recorder.spoolPath('staging-log');
  try {
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
      sshPath: deps.sshPath,
    });
    const logRef = await deps.recorder.artifactFromFile('staging-log', fullOutputPath, undefined, redactKeys);
    return {
      status: r.outcome.kind === 'passed' ? 'PASS' : 'FAIL',
      outcomeClass: r.outcome.kind,
      transport: 'ssh',
      host: hostLabel(target),
      reason: r.reason,
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      output: outputPreview(redactKeys(r.output)),
      outputBytes: r.outputBytes,
      truncated: r.truncated,
      target: input.target,
      commit: input.commit,
      logRef,
    };
  } finally {
    await rm(fullOutputPath, { force: true });
  }
}
