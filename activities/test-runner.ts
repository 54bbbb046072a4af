/**
 * The testing stage's runner: the repo's testCommand on a fresh worktree at the exact commit.
 * The exit code decides PASS/FAIL; a command that cannot start is an environment problem
 * (ToolMissing → hold), never a code failure.
 */
import type { TestRunInput, TestSummary } from '../workflows/api/index.js';
import { ErrorType } from '../workflows/api/index.js';
import { redactSecrets } from '../workflows/redact.js';
import { failure } from './errors.js';
import { resolveRepo } from './git.js';
import { runAtCommit, TIMEOUT_EXIT_CODE, type CommitRunDeps } from './run-at-commit.js';
import { parseTestCounts } from './test-parsers.js';

export async function runTests(input: TestRunInput, deps: CommitRunDeps): Promise<TestSummary> {
  const repo = resolveRepo(deps.config, input.repo);
  const command = repo.testCommand;
  if (!command) {
    throw failure(
      ErrorType.ToolMissing,
      `repo ${repo.name} has no testCommand${repo.configured ? ` (set repos.${repo.name}.testCommand in the config)` : ' (it is not in config.repos)'}`,
    );
  }
  // The command as it is shown (status, history, failure messages): secret-shaped words masked.
  const shown = command.map(redactSecrets);
  const run = {
    repo,
    commit: input.commit,
    worktreeLabel: `${input.taskId}-testing-${input.attempt}`,
    argv: command,
    envNames: repo.env,
    vars: (commit: string) => ({ CI: 'true', SWITCHYARD_COMMIT: commit, SWITCHYARD_TASK_ID: input.taskId }),
    timeoutSec: repo.testTimeoutSec,
    phase: 'tests',
    logKind: 'test-log',
    cannotRun: ErrorType.ToolMissing,
    names: {
      program: `test command ${JSON.stringify(shown[0])} of repo ${repo.name}`,
      command: `test command ${JSON.stringify(shown.join(' '))} of repo ${repo.name}`,
    },
  };
  return runAtCommit<TestSummary>(run, deps, ({ res, commit }) => {
    const status = res.timedOut ? 'TIMEOUT' : res.exitCode === 0 ? 'PASS' : 'FAIL';
    deps.log(`tests ${status} for ${input.taskId} at ${commit.slice(0, 12)} in ${res.durationMs}ms`);
    return {
      status,
      exitCode: res.timedOut ? TIMEOUT_EXIT_CODE : res.exitCode,
      durationMs: res.durationMs,
      counts: parseTestCounts(res.output),
      output: res.output,
      outputBytes: res.outputBytes,
      truncated: res.truncated,
      command: shown,
      commit,
    };
  });
}
