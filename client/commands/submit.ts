/**
 * `switchyard submit <task.md> [--wait] [--json]`: validate everything locally, then start the task.
 * `switchyard route <task.md> [--json]`: the same checks, and who would run it, without starting anything.
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { TaskInput } from '../../workflows/api/index.js';
import { ExitCode, printJson, withClient, type CliIo, type CliRun, type GlobalOptions } from './common.js';
import { exitCodeForSettled } from './watch.js';

interface SubmitOptions {
  wait?: boolean;
  rerun?: boolean;
  json?: boolean;
  config?: string;
}

/** Everything that can be wrong with a submission is found here, before Temporal is contacted. */
export async function prepareSubmission(io: CliIo, file: string, configFlag?: string): Promise<TaskInput> {
  const { requireConfig } = await import('./config-path.js');
  const { loadConfig } = await import('../../worker/config.js');
  const { parseTaskFile } = await import('../task-file.js');
  const { resolveTaskInput } = await import('../resolve.js');
  const located = requireConfig(io, configFlag);
  const { config } = loadConfig(located.path);
  const task = await parseTaskFile(path.resolve(io.cwd, file));
  return resolveTaskInput(task, config);
}

export function registerSubmit(program: Command, io: CliIo, run: CliRun): void {
  program
    .command('submit')
    .description('validate a task file and start it')
    .argument('<task.md>', 'task file: YAML front matter + markdown body')
    .option('--wait', 'follow the task until it is done, fails or waits for a person')
    .option('--rerun', 'run a task id again whose earlier run has ended (a new run on its own branch)')
    .option('--json', 'print one JSON document on stdout')
    .option('--config <file>', 'config file (default: switchyard.config.yaml or $SWITCHYARD_CONFIG)')
    .action(async (file: string, opts: SubmitOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const input = await prepareSubmission(io, file, opts.config);
      const { formatChange, formatStatus } = await import('../output.js');
      // With --json, stdout holds the document alone; progress goes to stderr.
      const say = opts.json ? io.stderr : io.stdout;
      await withClient(io, globals, async (client) => {
        const started = await client.submit(input, { rerun: opts.rerun });
        const { task } = input;
        if (!opts.json) {
          say(
            `submitted ${task.id} — ${task.title}\n` +
              `  workflow ${started.workflowId} (run ${started.runId})\n` +
              (started.run > 1 ? `  rerun ${started.run}: pushes to ${started.branch}\n` : '') +
              `  provider ${input.provider} — ${input.providerReason}\n`,
          );
        }
        if (!opts.wait) {
          if (opts.json) printJson(io, { taskId: started.taskId, workflowId: started.workflowId });
          else say(`follow it with: switchyard watch ${task.id}\n`);
          return;
        }
        if (opts.json) say(`submitted ${task.id} (${started.workflowId}); waiting\n`);
        const final = await client.watch(
          task.id,
          (s, prev, transitions) => {
            for (const line of formatChange(s, prev, transitions)) say(line + '\n');
          },
          { onProblem: (p) => io.stderr(`(still waiting: ${p})\n`) },
        );
        if (opts.json) printJson(io, { taskId: started.taskId, workflowId: started.workflowId, status: final });
        else say('\n' + formatStatus(final));
        run.exitCode = exitCodeForSettled(final.state);
      });
      if (!opts.wait) run.exitCode = ExitCode.ok;
    });
}

export function registerRoute(program: Command, io: CliIo): void {
  program
    .command('route')
    .description('show who would run a task (provider, local or delegated, and why) without submitting it')
    .argument('<task.md>', 'task file: YAML front matter + markdown body')
    .option('--json', 'print one JSON document on stdout')
    .option('--config <file>', 'config file (default: switchyard.config.yaml or $SWITCHYARD_CONFIG)')
    .action(async (file: string, opts: { json?: boolean; config?: string }) => {
      const input = await prepareSubmission(io, file, opts.config);
      const decision = {
        taskId: input.task.id,
        provider: input.provider,
        mode: input.providerMode ?? 'local',
        reason: input.providerReason,
        ...(input.localFallback ? { localFallback: input.localFallback } : {}),
      };
      if (opts.json) return printJson(io, decision);
      const fallback = decision.localFallback
        ? `  fallback  ${decision.localFallback} (local), when the job platform cannot be reached\n`
        : '';
      io.stdout(
        `${decision.taskId}\n  provider  ${decision.provider}\n  mode      ${decision.mode}\n  reason    ${decision.reason}\n${fallback}`,
      );
    });
}
