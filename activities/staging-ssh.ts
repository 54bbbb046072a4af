/**
 * The staging check over ssh: the system ssh client runs the target's command on the host (the host
 * keeps its own environment and secrets; nothing secret is on the command line). Placeholder values
 * are checked before any connection; the output is capped, redacted and teed to the store's spool.
 */
import { ErrorType } from '../workflows/api/index.js';
import { redactSecrets } from '../workflows/redact.js';
import { baseEnv } from './env.js';
import { failure, ProcessStartError } from './errors.js';
import { runActivityProcess, type ProcessResult } from './process.js';
import { expandPlaceholders, type PlaceholderValues } from './placeholders.js';
import {
  classifySsh,
  firstUsefulLine,
  fromTerminal,
  remoteCommand,
  REMOTE_KILL_AFTER_SEC,
  sshArgv,
  type SshOutcome,
  type SshTarget,
} from './ssh-command.js';

export interface SshStagingTarget extends SshTarget {
  command: string[];
  timeoutSec: number;
  retries: number;
}

export interface SshCheckOptions {
  /** The target's name, for messages. */
  name: string;
  values: PlaceholderValues;
  /** Temporal's attempt number of this activity (1 for the first run). */
  attempt: number;
  fullOutputPath?: string;
  /** The ssh binary (tests may point at another). */
  sshPath?: string;
}

export interface SshCheckResult {
  outcome: SshOutcome;
  exitCode: number | null;
  durationMs: number;
  output: string;
  outputBytes: number;
  truncated: boolean;
  /** One line for a person: what happened and where. */
  reason: string;
}

/** ssh's own messages are a few lines; this keeps the last of them whatever the remote side prints. */
const SSH_STDERR_TAIL_BYTES = 8 * 1024;

/** `user@host:port` as messages name a target's host. */
export const hostLabel = (t: SshTarget): string => `${t.user}@${t.host}:${t.port}`;

/**
 * Runs the check once. A transient connection failure is thrown as StagingTransient (retried by the
 * activity's policy) until `retries` retries are spent; then, like every other outcome, it is returned.
 */
export async function runSshCheck(t: SshStagingTarget, opts: SshCheckOptions): Promise<SshCheckResult> {
  let argv: string[];
  try {
    argv = expandPlaceholders(t.command, opts.values);
  } catch (err) {
    throw failure(ErrorType.ConfigInvalid, `staging target ${opts.name}: ${(err as Error).message}`);
  }
  const remote = remoteCommand(argv, t.timeoutSec);
  let res: ProcessResult;
  try {
    res = await runActivityProcess([opts.sshPath ?? 'ssh', ...sshArgv(t, remote)], {
      cwd: process.cwd(),
      env: baseEnv(process.env),
      // The remote timeout ends the check; this only bounds a host that stops answering altogether.
      timeoutMs: (t.connectTimeoutSec + t.timeoutSec + REMOTE_KILL_AFTER_SEC + 30) * 1000,
      phase: 'staging',
      fullOutputPath: opts.fullOutputPath,
      stderrTailBytes: SSH_STDERR_TAIL_BYTES,
    });
  } catch (err) {
    if (err instanceof ProcessStartError)
      throw failure(ErrorType.StagingEnvPermanent, `the ssh client cannot be started on this worker (${err.code})`);
    throw err;
  }
  const output = redactSecrets(fromTerminal(res.output));
  const sshSaid = redactSecrets(fromTerminal(res.stderr ?? ''));
  const outcome: SshOutcome = res.timedOut ? { kind: 'timeout' } : classifySsh(res.exitCode, sshSaid, output);
  const where = `staging target ${opts.name} (${hostLabel(t)})`;
  if (outcome.kind === 'transient' && opts.attempt <= t.retries)
    throw failure(ErrorType.StagingTransient, `${where}: ${outcome.reason} (attempt ${opts.attempt})`);
  return {
    outcome,
    exitCode: res.exitCode,
    durationMs: res.durationMs,
    output,
    outputBytes: res.outputBytes,
    truncated: res.truncated,
    reason: `${where}: ${stagingReason(outcome, output, t)}`,
  };
}

/** What a staging run's outcome says to a person (local runs have passed, failed and timeout only). */
export function stagingReason(
  o: SshOutcome,
  output: string,
  t: Pick<SshStagingTarget, 'timeoutSec'> & { retries?: number },
): string {
  switch (o.kind) {
    case 'passed':
      return 'passed';
    case 'failed':
      return `the check failed (exit ${o.exitCode}): ${firstUsefulLine(output) || 'no output'}`;
    case 'transient':
      return `unreachable after ${(t.retries ?? 0) + 1} attempts: ${o.reason}`;
    case 'env-permanent':
      return `environment problem: ${o.reason}`;
    case 'timeout':
      return `staging check timed out after ${t.timeoutSec} s`;
  }
}
