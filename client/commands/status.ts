/** `switchyard status <taskId>` and `switchyard list`. */
import type { Command } from 'commander';
// shapes.js, not the api index: the index loads Temporal, and `--help` needs only the state names.
import { TASK_STATES } from '../../workflows/api/shapes.js';
import {
  UsageError,
  checkTaskId,
  positiveInt,
  printJson,
  withClient,
  type CliIo,
  type GlobalOptions,
} from './common.js';

export function registerStatus(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("show a task's state, stage, questions, hold reason and history")
    .argument('<taskId>')
    .option('--json', 'print the full status as one JSON document')
    .action(async (taskId: string, opts: { json?: boolean }, cmd: Command) => {
      checkTaskId(taskId);
      const { formatStatus } = await import('../output.js');
      await withClient(io, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
        const status = await client.status(taskId);
        if (opts.json) printJson(io, status);
        else io.stdout(formatStatus(status));
      });
    });

  program
    .command('list')
    .description('list tasks, newest first')
    .option('--state <state>', `only tasks in this state (${TASK_STATES.join(', ')})`)
    .option('--repo <repo>', 'only tasks on this repo')
    .option('--limit <n>', 'at most this many rows', positiveInt('--limit'), 100)
    .option('--delegated', 'only tasks whose stage waits on the job platform, with job id, target, status, elapsed')
    .option('--json', 'print the rows as one JSON array')
    .action(
      async (
        opts: { state?: string; repo?: string; limit: number; json?: boolean; delegated?: boolean },
        cmd: Command,
      ) => {
        if (opts.delegated) {
          if (opts.state || opts.repo)
            throw new UsageError('--delegated lists waiting stages; it takes no --state or --repo');
          const { formatDelegatedJobs } = await import('../output.js');
          await withClient(io, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
            const rows = await client.delegatedJobs(opts.limit);
            if (opts.json) printJson(io, rows);
            else io.stdout(formatDelegatedJobs(rows));
          });
          return;
        }
        if (opts.state && !(TASK_STATES as readonly string[]).includes(opts.state)) {
          throw new UsageError(`--state ${opts.state} is not a task state; expected one of ${TASK_STATES.join(', ')}`);
        }
        if (opts.repo !== undefined && (opts.repo === '' || /['"\\]/.test(opts.repo))) {
          throw new UsageError(`--repo "${opts.repo}" must be a non-empty name without quotes or backslashes`);
        }
        const { formatList } = await import('../output.js');
        await withClient(io, cmd.optsWithGlobals<GlobalOptions>(), async (client) => {
          const [rows, worker] = await Promise.all([
            client.list({ state: opts.state, repo: opts.repo, limit: opts.limit }),
            client.workerPolling(),
          ]);
          if (opts.json) printJson(io, rows);
          else io.stdout(formatList(rows));
          // The rows come from Temporal's visibility store either way; a person should know nothing moves.
          if (!worker)
            io.stderr(`note: no worker is polling task queue ${client.taskQueue}; running tasks wait for one\n`);
        });
      },
    );
}
