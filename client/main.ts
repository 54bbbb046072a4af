/**
 * The `switchyard` CLI. `buildProgram`/`runCli` run it in-process with any output sinks (tests,
 * embedders); `main` wires it to the real process. Exit codes: 0 ok, 1 failed, 2 bad usage or
 * invalid input, 3 `submit --wait`/`watch` ended waiting for a person.
 */
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ExitCode, processIo, reportError, type CliIo, type CliRun } from './commands/common.js';
import { registerRoute, registerSubmit } from './commands/submit.js';
import { registerInbox } from './commands/inbox.js';
import { registerSetup } from './commands/setup.js';
import { registerStatus } from './commands/status.js';
import { registerWatch } from './commands/watch.js';
import { registerMessages } from './commands/messages.js';
import { registerServe } from './commands/serve.js';
import { registerStore } from './commands/store.js';
import { registerDoctor } from './commands/doctor.js';
import { PROJECT_ROOT } from '../activities/paths.js';

function packageVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ??
      '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(io: CliIo, run: CliRun = { exitCode: ExitCode.ok }): Command {
  const program = new Command('switchyard')
    .description('Run coding-agent tasks through a durable pipeline on Temporal')
    .version(packageVersion())
    .option('--address <host:port>', 'Temporal frontend (default $TEMPORAL_ADDRESS, the profile, or localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default $TEMPORAL_NAMESPACE, the profile, or "default")')
    .option('--profile <name>', 'temporal.toml profile: address, namespace, TLS, API key (default $TEMPORAL_PROFILE)')
    // Settings below are inherited by every subcommand added afterwards.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    })
    .showHelpAfterError('(run `switchyard help <command>` for usage)')
    .allowExcessArguments(false);
  registerServe(program, io, run);
  registerSubmit(program, io, run);
  registerRoute(program, io);
  registerInbox(program, io);
  registerSetup(program, io, run);
  registerStatus(program, io);
  registerMessages(program, io);
  registerWatch(program, io, run);
  registerStore(program, io);
  registerDoctor(program, io, run);
  return program;
}

/** Run one command line (without the node/script prefix) and return its exit code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const run: CliRun = { exitCode: ExitCode.ok };
  const program = buildProgram(io, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return run.exitCode;
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return ExitCode.ok;
    return reportError(io, err);
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const code = await runCli(argv, processIo());
  // Let stdout drain instead of cutting it off with process.exit.
  process.exitCode = code;
}

function isEntry(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) await main();
