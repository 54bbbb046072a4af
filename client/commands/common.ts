/**
 * What every command shares: where output goes, exit codes, and turning errors into messages.
 * Every command line loads this, `--help` included: nothing here may load Temporal, zod or the
 * store. Commands import what their action needs inside it (`await import`), not at the top.
 */
import { CommanderError, InvalidArgumentError } from 'commander';
import {
  ConnectionError,
  SignalIgnoredError,
  StateError,
  TaskAlreadyRunningError,
  TaskExistsError,
  TaskNotFoundError,
} from '../errors.js';
import { errorText } from '../helpers.js';
import type { SwitchyardClient } from '../switchyard-client.js';
import type { ConnectOptions } from '../views.js';
import { taskIdProblem } from '../../workflows/grammar.js';

export const ExitCode = {
  ok: 0,
  /** The task failed, or the command could not do its job. */
  failed: 1,
  /** Bad usage or invalid input; the message says what and where. */
  usage: 2,
  /** `submit --wait` / `watch` ended with the task waiting for a person. */
  waiting: 3,
} as const;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** How commands reach Temporal (each command closes what this returns); embedders may supply their own. */
  connect?: (opts: ConnectOptions) => Promise<SwitchyardClient>;
}

/** Mutable result of one CLI run: actions set the exit code here instead of calling process.exit. */
export interface CliRun {
  exitCode: number;
}

export interface GlobalOptions {
  address?: string;
  namespace?: string;
  profile?: string;
}

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
  }
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
  };
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (
    err instanceof UsageError ||
    err instanceof StateError ||
    err instanceof SignalIgnoredError ||
    err instanceof TaskNotFoundError ||
    err instanceof TaskAlreadyRunningError ||
    err instanceof TaskExistsError ||
    hasIssues(err)
  ) {
    return ExitCode.usage;
  }
  return ExitCode.failed;
}

/** Print an error with every issue it carries and return the exit code it deserves. */
export function reportError(io: CliIo, err: unknown): number {
  const code = exitCodeFor(err);
  if (err instanceof CommanderError) return code; // commander has already printed it
  const message = err instanceof ConnectionError ? err.message : errorText(err);
  const lines = [`error: ${message}`];
  if (hasIssues(err)) {
    for (const issue of err.issues) if (!message.includes(issue)) lines.push(`  - ${issue}`);
  }
  if (
    code === ExitCode.failed &&
    !(err instanceof ConnectionError) &&
    io.env.SWITCHYARD_DEBUG &&
    err instanceof Error
  ) {
    lines.push(err.stack ?? '');
  }
  io.stderr(lines.join('\n') + '\n');
  return code;
}

/** TaskFileError and ConfigError both carry `issues: string[]`; matched by shape so loading them stays lazy. */
function hasIssues(err: unknown): err is Error & { issues: string[] } {
  return (
    err instanceof Error &&
    Array.isArray((err as { issues?: unknown }).issues) &&
    (err as unknown as { issues: unknown[] }).issues.every((i) => typeof i === 'string')
  );
}

export async function withClient<T>(
  io: CliIo,
  globals: GlobalOptions,
  fn: (client: SwitchyardClient) => Promise<T>,
): Promise<T> {
  const connect = io.connect ?? (await import('../switchyard-client.js')).SwitchyardClient.connect;
  const client = await connect({ ...targetFlags(globals), env: io.env });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** The connection flags of a command line, for resolveTarget (worker/connection.ts). */
export function targetFlags(globals: GlobalOptions): { address?: string; namespace?: string; profile?: string } {
  return { address: globals.address, namespace: globals.namespace, profile: globals.profile };
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
}

/** Task ids as the task file allows them (one grammar); checked before anything talks to Temporal. */
export function checkTaskId(taskId: string, argument = '<taskId>'): string {
  const why = taskIdProblem(taskId);
  if (why) throw new UsageError(`argument ${argument}: ${why}`);
  return taskId;
}

export function positiveNumber(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${what} must be a positive number.`);
    return n;
  };
}

export function positiveInt(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`${what} must be a positive whole number.`);
    }
    return n;
  };
}

export function port(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535)
      throw new InvalidArgumentError(`${what} must be a port number (1-65535).`);
    return n;
  };
}

/**
 * Resolves when the process is asked to stop (SIGINT/SIGTERM). A second signal while shutting
 * down exits at once, so a stuck shutdown never traps the user.
 */
export function shutdownSignal(io: CliIo): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const force = () => {
        io.stderr('second signal: exiting without a clean shutdown\n');
        process.exit(1);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
