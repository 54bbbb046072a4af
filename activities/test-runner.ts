/**
 * The testing stage's runner: the repo's testCommand on a fresh worktree at the exact commit.
 * The exit code decides PASS/FAIL; a command that cannot start is an environment problem
 * (ToolMissing → hold), never a code failure.
 */
import type { TestRunInput, TestSummary } from '../workflows/api/index.js';
import { ErrorType } from '../workflows/api/index.js';
import type { Config } from './config-schema.js';
import { baseEnv } from './agents/command.js';
import { failure, ProcessStartError } from './errors.js';
import { prepareWorktree, removeWorktree, resolveRepo } from './git.js';
import { tailText } from './output-cap.js';
import { heartbeatPhase, runActivityProcess } from './process.js';
import { parseTestCounts } from './test-parsers.js';
import { redactSecrets } from '../workflows/redact.js';

/** Shell conventions for "command not found" and "found but not executable". */
export const SHELL_NOT_FOUND_CODES = [127, 126];
export const TIMEOUT_EXIT_CODE = 124;

export interface TestRunnerDeps {
  config: Config;
  dataDir: string;
  log: (msg: string) => void;
  /** The full output is written here too (the store keeps it). */
  fullOutputPath?: string;
}

export async function runTests(input: TestRunInput, deps: TestRunnerDeps): Promise<TestSummary> {
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
  heartbeatPhase('worktree');
  const wt = await prepareWorktree(repo.url, input.commit, {
    dataDir: deps.dataDir,
    log: deps.log,
    repoLabel: repo.name,
    label: `${input.taskId}-testing-${input.attempt}`,
  });
  try {
    let res;
    try {
      res = await runActivityProcess(command, {
        cwd: wt.dir,
        env: {
          ...baseEnv(process.env, repo.env),
          CI: 'true',
          SWITCHYARD_COMMIT: wt.commit,
          SWITCHYARD_TASK_ID: input.taskId,
        },
        timeoutMs: repo.testTimeoutSec * 1000,
        phase: 'tests',
        fullOutputPath: deps.fullOutputPath,
      });
    } catch (err) {
      if (err instanceof ProcessStartError) {
        throw failure(
          ErrorType.ToolMissing,
          `test command ${JSON.stringify(shown[0])} of repo ${repo.name} cannot be started (${err.code})`,
        );
      }
      throw err;
    }
    if (!res.timedOut && res.exitCode !== null && SHELL_NOT_FOUND_CODES.includes(res.exitCode)) {
      throw failure(
        ErrorType.ToolMissing,
        `test command ${JSON.stringify(shown.join(' '))} of repo ${repo.name} exited ${res.exitCode} (command not found or not executable): ${tailText(redactSecrets(res.output.trim()), 1000)}`,
      );
    }
    const status = res.timedOut ? 'TIMEOUT' : res.exitCode === 0 ? 'PASS' : 'FAIL';
    deps.log(`tests ${status} for ${input.taskId} at ${wt.commit.slice(0, 12)} in ${res.durationMs}ms`);
    return {
      status,
      exitCode: res.timedOut ? TIMEOUT_EXIT_CODE : res.exitCode,
      durationMs: res.durationMs,
      counts: parseTestCounts(res.output),
      output: res.output,
      outputBytes: res.outputBytes,
      truncated: res.truncated,
      command: shown,
      commit: wt.commit,
    };
  } finally {
    await removeWorktree(wt);
  }
}
