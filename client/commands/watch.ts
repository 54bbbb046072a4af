/** `switchyard watch <taskId>`: one timestamped line per change until the task ends or waits. */
import type { Command } from 'commander';
import type { TaskState } from '../../workflows/api/index.js';
import {
  ExitCode,
  checkTaskId,
  positiveNumber,
  withClient,
  type CliIo,
  type CliRun,
  type GlobalOptions,
} from './common.js';

/** done → 0; failed/cancelled → 1; waiting for a person (needs-input, hold) → 3. */
export function exitCodeForSettled(state: TaskState): number {
  if (state === 'done') return ExitCode.ok;
  if (state === 'needs-input' || state === 'hold') return ExitCode.waiting;
  return ExitCode.failed;
}

export function registerWatch(program: Command, io: CliIo, run: CliRun): void {
  program
    .command('watch')
    .description('follow a task: one line per change until it is done, fails or waits for a person')
    .argument('<taskId>')
    .option('--interval <seconds>', 'polling interval', positiveNumber('--interval'), 1)
    .action(async (taskId: string, opts: { interval: number }, cmd: Command) => {
      checkTaskId(taskId);
      const { formatChange, formatStatus } = await import('../output.js');
      await withClient(io, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const final = await client.watch(
          taskId,
          (s, prev, transitions) => {
            for (const line of formatChange(s, prev, transitions)) io.stdout(line + '\n');
          },
          { intervalMs: opts.interval * 1000, onProblem: (p) => io.stderr(`(still watching: ${p})\n`) },
        );
        io.stdout('\n' + formatStatus(final));
        run.exitCode = exitCodeForSettled(final.state);
      });
    });
}
