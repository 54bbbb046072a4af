/**
 * Operator messages: answer, resume, pause, unpause, cancel. Each is checked against the task's state
 * first; after a signal the command waits (bounded) for the workflow to take it or ignore it, and says which.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ResumeInput } from '../../workflows/api/index.js';
import { SignalIgnoredError } from '../errors.js';
import type { SwitchyardClient } from '../switchyard-client.js';
import type { SignalKind, TaskStatusView } from '../views.js';
import {
  UsageError,
  checkTaskId,
  positiveInt,
  positiveNumber,
  withClient,
  type CliIo,
  type GlobalOptions,
} from './common.js';

interface AnswerOptions {
  text?: string;
  file?: string;
  by?: string;
}

/** The answer text from exactly one of --text / --file; never empty. */
export function answerText(io: CliIo, opts: AnswerOptions): string {
  if (opts.text !== undefined && opts.file !== undefined)
    throw new UsageError('give the answer with --text or --file, not both');
  if (opts.text === undefined && opts.file === undefined) {
    throw new UsageError('an answer is required: --text "…" or --file answer.md');
  }
  let text: string;
  if (opts.file !== undefined) {
    const p = path.resolve(io.cwd, opts.file);
    try {
      text = fs.readFileSync(p, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --file ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!text.trim()) throw new UsageError(`--file ${p} is empty; the answer needs some text`);
  } else {
    text = opts.text ?? '';
    if (!text.trim()) throw new UsageError('--text is empty; the answer needs some text');
  }
  return text;
}

/** Temporal keeps a message for a task whose worker is down; say so instead of implying it took effect. */
function noteIfNoWorker(io: CliIo, before: TaskStatusView): void {
  if (before.queryError) {
    io.stderr(`note: ${before.queryError}; Temporal keeps the message and the task acts on it when a worker runs.\n`);
  }
}

/**
 * What became of a signal sent once `before` was seen: taken (print `taken`), ignored by the workflow
 * (exit 2 with its reason), or not taken yet (exit 0: Temporal keeps it for when a worker runs).
 */
async function reportOutcome(
  io: CliIo,
  client: SwitchyardClient,
  taskId: string,
  signal: SignalKind,
  before: TaskStatusView,
  taken: string,
): Promise<void> {
  const outcome = await client.signalOutcome(taskId, signal, before);
  if (outcome.kind === 'ignored') throw new SignalIgnoredError(taskId, signal, outcome.reason);
  if (outcome.kind === 'applied') return io.stdout(`${taken}\n`);
  io.stdout(
    `${signal} sent to ${taskId} but not applied yet (${outcome.why}); Temporal keeps it and the task acts on it ` +
      `when a worker runs. Check with: switchyard status ${taskId}\n`,
  );
}

export function registerMessages(program: Command, io: CliIo): void {
  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

  program
    .command('answer')
    .description('answer the questions of a task that is needs-input')
    .argument('<taskId>')
    .option('--text <text>', 'the answer')
    .option('--file <file>', 'read the answer from a file')
    .option('--by <who>', 'recorded as the author (default $USER@hostname)')
    .action(async (taskId: string, opts: AnswerOptions, cmd: Command) => {
      checkTaskId(taskId);
      const text = answerText(io, opts);
      await withClient(io, globals(cmd), async (client) => {
        const before = await client.answer(taskId, { text, by: opts.by });
        const taken = `answer taken by ${taskId}; analysis runs again with it. Follow with: switchyard watch ${taskId}`;
        await reportOutcome(io, client, taskId, 'answer', before, taken);
      });
    });

  program
    .command('resume')
    .description('go on with a task on hold: retry the held stage (default) or abort')
    .argument('<taskId>')
    .option('--abort', 'give up: the task fails')
    .option('--budget <usd>', 'raise the budget (USD, cumulative)', positiveNumber('--budget'))
    .option('--attempts <n>', 'raise the development attempt limit', positiveInt('--attempts'))
    .option('--note <text>', 'a note for the record (and the agent, on retry)')
    .option('--by <who>', 'recorded as the operator (default $USER@hostname)')
    .action(
      async (
        taskId: string,
        opts: { abort?: boolean; budget?: number; attempts?: number; note?: string; by?: string },
        cmd: Command,
      ) => {
        checkTaskId(taskId);
        if (opts.abort && (opts.budget !== undefined || opts.attempts !== undefined)) {
          throw new UsageError('--abort cannot be combined with --budget or --attempts');
        }
        const input: ResumeInput = { action: opts.abort ? 'abort' : 'retry' };
        if (opts.note !== undefined) input.note = opts.note;
        if (opts.budget !== undefined) input.budgetUsd = opts.budget;
        if (opts.attempts !== undefined) input.maxDevAttempts = opts.attempts;
        if (opts.by !== undefined) input.by = opts.by;
        await withClient(io, globals(cmd), async (client) => {
          const before = await client.resume(taskId, input);
          const taken = opts.abort
            ? `abort taken by ${taskId}; it ends as failed.`
            : `resume taken by ${taskId}; ${before.heldStage ?? 'the held stage'} runs again. Follow with: switchyard watch ${taskId}`;
          await reportOutcome(io, client, taskId, 'resume', before, taken);
        });
      },
    );

  for (const kind of ['pause', 'unpause'] as const) {
    program
      .command(kind)
      .description(
        kind === 'pause'
          ? 'park a task at its next stage boundary'
          : 'let a paused task go on from where it was parked',
      )
      .argument('<taskId>')
      .option('--note <text>', 'a note for the record')
      .option('--by <who>', 'recorded as the operator (default $USER@hostname)')
      .action(async (taskId: string, opts: { note?: string; by?: string }, cmd: Command) => {
        checkTaskId(taskId);
        await withClient(io, globals(cmd), async (client) => {
          const before = await client[kind](taskId, { note: opts.note, by: opts.by });
          const taken =
            kind === 'pause'
              ? `pause taken by ${taskId}; it stops at the next stage boundary. Continue with: switchyard unpause ${taskId}`
              : `unpause taken by ${taskId}; it goes on.`;
          await reportOutcome(io, client, taskId, kind, before, taken);
        });
      });
  }

  program
    .command('cancel')
    .description('cancel a task (running agents and tests are stopped)')
    .argument('<taskId>')
    .action(async (taskId: string, _opts: unknown, cmd: Command) => {
      checkTaskId(taskId);
      await withClient(io, globals(cmd), async (client) => {
        const before = await client.cancel(taskId);
        io.stdout(`cancellation requested for ${taskId} (was ${before.state}, stage ${before.stage}).\n`);
        noteIfNoWorker(io, before);
      });
    });
}
