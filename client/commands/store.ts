/**
 * `logs` and `cost`: what runs produced and what they cost, read from the store (Postgres), not
 * from Temporal — artifacts never travel through workflow history.
 */
import path from 'node:path';
import type { Command } from 'commander';
// shapes.js and ids.js, not the api index: the index loads Temporal, and `--help` needs only the stage names.
import { STAGES } from '../../workflows/api/shapes.js';
import { taskWorkflowId } from '../../workflows/api/ids.js';
import type { CostGrouping, Store } from '../../activities/store/index.js';
import { TaskNotFoundError } from '../errors.js';
import { errorText } from '../helpers.js';
import { UsageError, checkTaskId, withClient, type CliIo, type GlobalOptions } from './common.js';

interface StoreFlags {
  dataDir?: string;
  config?: string;
  json?: boolean;
}

/** The data dir decides which embedded database a running `start` serves. */
async function dataDirFor(io: CliIo, flags: StoreFlags): Promise<string> {
  if (flags.dataDir) return path.resolve(io.cwd, flags.dataDir);
  const { DEFAULT_DATA_DIR, locateConfig } = await import('./config-path.js');
  const { loadConfig } = await import('../../worker/config.js');
  const located = locateConfig(io, flags.config);
  if (!located) return path.resolve(io.cwd, DEFAULT_DATA_DIR);
  const loaded = loadConfig(located.path);
  return path.resolve(loaded.dir, loaded.config.dataDir);
}

async function withStore<T>(io: CliIo, flags: StoreFlags, fn: (store: Store) => Promise<T>): Promise<T> {
  const { resolveDatabaseUrl } = await import('./database.js');
  const url = await resolveDatabaseUrl(io.env, await dataDirFor(io, flags));
  const { createPool, createStore } = await import('../../activities/store/index.js');
  const store = createStore(createPool(url, { max: 2 }));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function positiveInt(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a whole number ≥ 1, got "${v}"`);
    return n;
  };
}

function parseSince(v: string): Date {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--since expects a date such as 2026-11-01, got "${v}"`);
  return d;
}

/**
 * Nothing stored for the id: an unknown task is an error like in every other command (exit 2); a
 * task Temporal knows that has stored nothing yet is not.
 */
async function checkTaskKnown(io: CliIo, globals: GlobalOptions, store: Store, taskId: string): Promise<void> {
  const [artifacts, events] = await Promise.all([store.listArtifacts({ taskId }), store.listEvents(taskId)]);
  if (artifacts.length || events.length) return;
  const { WorkflowNotFoundError } = await import('@temporalio/client');
  try {
    await withClient(io, globals, (client) =>
      client.client.workflow
        .getHandle(taskWorkflowId(taskId))
        .describe()
        .catch((err: unknown) => {
          throw err instanceof WorkflowNotFoundError ? new TaskNotFoundError(taskId, client.namespace) : err;
        }),
    );
  } catch (err) {
    if (err instanceof TaskNotFoundError) throw err;
    throw new UsageError(
      `nothing stored for task ${taskId}, and Temporal could not say whether the task exists: ${errorText(err)}`,
    );
  }
}

export function registerStore(program: Command, io: CliIo): void {
  program
    .command('logs <taskId>')
    .description('print what the task produced: analysis, questions, transcripts, test and staging logs, events')
    .option('--stage <stage>', `only this stage (${STAGES.join(', ')})`)
    .option('--kind <kind>', 'only this kind (prompt, transcript, analysis, questions, summary, diff, test-log, …)')
    .option('--attempt <n>', 'only this attempt', positiveInt('--attempt'))
    .option('--data-dir <dir>', "data dir of the embedded store (default: the config's dataDir)")
    .option('--config <file>', 'config file (for its dataDir)')
    .option('--json', 'one JSON document: artifacts and events')
    .action(
      async (taskId: string, flags: StoreFlags & { stage?: string; kind?: string; attempt?: number }, cmd: Command) => {
        checkTaskId(taskId);
        if (flags.stage && !(STAGES as readonly string[]).includes(flags.stage))
          throw new UsageError(`--stage must be one of ${STAGES.join(', ')}, got "${flags.stage}"`);
        const { formatLogs } = await import('../output.js');
        await withStore(io, flags, async (store) => {
          const artifacts = await store.listArtifacts({
            taskId,
            stage: flags.stage,
            kind: flags.kind,
            attempt: flags.attempt,
          });
          const events = flags.stage || flags.kind || flags.attempt ? [] : await store.listEvents(taskId);
          if (!artifacts.length && !events.length) await checkTaskKnown(io, cmd.optsWithGlobals(), store, taskId);
          if (flags.json) {
            io.stdout(`${JSON.stringify({ taskId, artifacts, events }, null, 2)}\n`);
            return;
          }
          if (!artifacts.length && !events.length)
            throw new UsageError(
              `nothing stored for task ${taskId}${flags.stage || flags.kind ? ' with those filters' : ''}`,
            );
          io.stdout(formatLogs(artifacts, events));
        });
      },
    );

  program
    .command('cost')
    .description('tokens and USD from the usage ledger')
    .option('--since <date>', 'only runs at or after this date (YYYY-MM-DD or ISO time)', parseSince)
    .option('--by <grouping>', 'task | provider | day | job (delegated jobs)', 'task')
    .option('--data-dir <dir>', "data dir of the embedded store (default: the config's dataDir)")
    .option('--config <file>', 'config file (for its dataDir)')
    .option('--json', 'one JSON document')
    .action(async (flags: StoreFlags & { since?: Date; by: string }) => {
      if (!['task', 'provider', 'day', 'job'].includes(flags.by))
        throw new UsageError(`--by must be task, provider, day or job, got "${flags.by}"`);
      const { formatCostTable } = await import('../output.js');
      await withStore(io, flags, async (store) => {
        const rows = await store.costReport({ since: flags.since, by: flags.by as CostGrouping });
        if (flags.json) io.stdout(`${JSON.stringify({ by: flags.by, since: flags.since, rows }, null, 2)}\n`);
        else io.stdout(formatCostTable(flags.by, rows));
      });
    });
}
