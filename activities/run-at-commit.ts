/**
 * One command run on a fresh worktree at an exact commit, the skeleton of the testing and the
 * deploy-staging checks: the worktree is removed whatever happens, the full output goes to the store
 * (redacted) and the result carries a short preview. A command that cannot run at all (spawn error,
 * or the shell's 126/127) is an environment problem of the caller's chosen type, never a code failure.
 */
import type { ArtifactRef, ErrorTypeName } from '../workflows/api/index.js';
import { cutText, tailText } from '../workflows/preview.js';
import { redactSecrets } from '../workflows/redact.js';
import { rm } from 'node:fs/promises';
import type { Config } from './config-schema.js';
import { redactKeys } from './agents/redact.js';
import { baseEnv } from './env.js';
import { failure, ProcessStartError } from './errors.js';
import { prepareWorktree, removeWorktree, type ResolvedRepo } from './git.js';
import { heartbeatPhase, runActivityProcess, type ProcessResult } from './process.js';
import type { Recorder } from './recorder.js';

/** Shell conventions for "command not found" and "found but not executable". */
export const SHELL_NOT_FOUND_CODES = [127, 126];
/** What a run that hit its timeout reports as its exit code, like timeout(1). */
export const TIMEOUT_EXIT_CODE = 124;

export interface CommitRunDeps {
  config: Config;
  dataDir: string;
  log: (msg: string) => void;
  /** Stores the full output (the process runner spools it to a file first). */
  recorder: Recorder;
}

export interface CommitRun {
  repo: ResolvedRepo;
  commit: string;
  /** Names the worktree, e.g. `${taskId}-testing-${attempt}`. */
  worktreeLabel: string;
  argv: string[];
  /** Worker variables passed by name on top of the base environment. */
  envNames: readonly string[];
  /** Set for the command, given the commit the worktree is at. */
  vars: (commit: string) => Record<string, string>;
  timeoutSec: number;
  /** Heartbeat phase while the command runs. */
  phase: string;
  /** Artifact kind of the full output. */
  logKind: string;
  /** What a command that cannot run is: an environment problem, never a failure of the code. */
  cannotRun: ErrorTypeName;
  /** How messages name the command: its program (cannot start) and the command line (exit 126/127). */
  names: { program: string; command: string };
}

/** What the caller turns into its summary; `output` is the capped output, not yet redacted. */
export interface CommitRunResult {
  res: ProcessResult;
  commit: string;
}

/** The caller's summary with its output cut to a preview and the full log's reference. */
export type WithLog<T extends { output: string }> = T & { logRef: ArtifactRef };

export async function runAtCommit<T extends { output: string }>(
  run: CommitRun,
  deps: CommitRunDeps,
  summarize: (r: CommitRunResult) => T,
): Promise<WithLog<T>> {
  return withStoredLog(deps.recorder, run.logKind, (path) => runInWorktree(run, deps, path, summarize));
}

/**
 * Runs `produce` with a spool file for the full output, then stores that file (redacted) as the
 * `logKind` artifact and returns the report with its output cut to a preview and the log's reference.
 */
export async function withStoredLog<T extends { output: string }>(
  recorder: Recorder,
  logKind: string,
  produce: (fullOutputPath: string) => Promise<T>,
): Promise<WithLog<T>> {
  const fullOutputPath = recorder.spoolPath(logKind);
  try {
    const report = await produce(fullOutputPath);
    const logRef = await recorder.artifactFromFile(logKind, fullOutputPath, undefined, redactKeys);
    return { ...report, output: outputPreview(redactKeys(report.output)), logRef };
  } finally {
    await rm(fullOutputPath, { force: true });
  }
}

async function runInWorktree<T>(
  run: CommitRun,
  deps: CommitRunDeps,
  fullOutputPath: string,
  summarize: (r: CommitRunResult) => T,
): Promise<T> {
  heartbeatPhase('worktree');
  const wt = await prepareWorktree(run.repo.url, run.commit, {
    dataDir: deps.dataDir,
    log: deps.log,
    repoLabel: run.repo.name,
    label: run.worktreeLabel,
  });
  try {
    let res;
    try {
      res = await runActivityProcess(run.argv, {
        cwd: wt.dir,
        env: { ...baseEnv(process.env, run.envNames), ...run.vars(wt.commit) },
        timeoutMs: run.timeoutSec * 1000,
        phase: run.phase,
        fullOutputPath,
      });
    } catch (err) {
      if (err instanceof ProcessStartError) {
        throw failure(run.cannotRun, `${run.names.program} cannot be started (${err.code})`);
      }
      throw err;
    }
    if (!res.timedOut && res.exitCode !== null && SHELL_NOT_FOUND_CODES.includes(res.exitCode)) {
      throw failure(
        run.cannotRun,
        `${run.names.command} exited ${res.exitCode} (command not found or not executable): ${tailText(redactSecrets(res.output.trim()), 1000)}`,
      );
    }
    return summarize({ res, commit: wt.commit });
  } finally {
    await removeWorktree(wt);
  }
}

/** Workflow state gets at most 4 KB of output: mostly the end, where failures are. */
function outputPreview(text: string): string {
  // The truncation marker comes on top of the kept bytes.
  return cutText(text, { max: 4000, unit: 'bytes', head: 1000 }).text;
}
