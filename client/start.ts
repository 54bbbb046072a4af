/**
 * `switchyard start` / `switchyard demo`: the embedded setup in one foreground process — a Temporal
 * dev server (SQLite under the data dir, Web UI), a worker, and on first start the bundled example
 * task — shut down cleanly on Ctrl-C.
 */
import { startEmbeddedPostgres } from '../worker/embedded-pg.js';
import fs from 'node:fs';
import path from 'node:path';
import { findConfigPath, fileConfigSource, loadConfig } from '../worker/config.js';
import { ensureTemporalCli } from '../worker/temporal-cli.js';
import { startDevServer, type DevServer } from '../worker/dev-server.js';
import { startWorker, type RunningWorker } from '../worker/worker.js';
import { prepareExample } from './example.js';
import { parseTaskFile } from './task-file.js';
import { resolveTaskInput } from './resolve.js';
import { DEFAULT_TASK_QUEUE, taskWorkflowId } from '../workflows/api/index.js';
import { TaskAlreadyRunningError } from './errors.js';
import { errorText } from './helpers.js';
import { SwitchyardClient } from './switchyard-client.js';
import { DEFAULT_NAMESPACE } from '../worker/connection.js';
import { ExitCode, UsageError, shutdownSignal, type CliIo } from './commands/common.js';
import { DEFAULT_DATA_DIR, writeConfigInUse } from './commands/config-path.js';

export interface StartOptions {
  port?: number;
  uiPort?: number;
  dataDir?: string;
  /** false with --no-example. */
  example: boolean;
  config?: string;
  namespace?: string;
  /** `switchyard demo`: always use and submit the bundled example. */
  demo?: boolean;
}

/** Present in the data dir once the example task has been submitted there. */
export const EXAMPLE_MARKER = 'example-submitted';

interface ChosenConfig {
  path: string;
  dataDir: string;
  isExample: boolean;
  exampleTaskPath?: string;
}

async function chooseConfig(opts: StartOptions, io: CliIo, log: (m: string) => void): Promise<ChosenConfig> {
  const flagDataDir = opts.dataDir ? path.resolve(io.cwd, opts.dataDir) : undefined;
  let userConfig: string | undefined;
  if (opts.config) {
    userConfig = path.resolve(io.cwd, opts.config);
    if (!fs.existsSync(userConfig))
      throw new UsageError(`config file not found: ${userConfig} (from --config ${opts.config})`);
  } else {
    const found = findConfigPath(io.cwd, io.env);
    if (found && opts.demo) log(`demo uses the bundled example config (not ${found}; pass --config to use it)`);
    else userConfig = found;
  }
  if (userConfig) {
    const loaded = loadConfig(userConfig); // a ConfigError here lists every issue and starts nothing
    const dataDir = flagDataDir ?? path.resolve(loaded.dir, loaded.config.dataDir);
    return { path: loaded.path, dataDir, isExample: false };
  }
  const dataDir = flagDataDir ?? path.resolve(io.cwd, DEFAULT_DATA_DIR);
  const example = await prepareExample(dataDir);
  loadConfig(example.configPath);
  return { path: example.configPath, dataDir, isExample: true, exampleTaskPath: example.taskPath };
}

export async function runStart(opts: StartOptions, io: CliIo): Promise<number> {
  const log = (m: string) => io.stderr(`[switchyard] ${m}\n`);
  const chosen = await chooseConfig(opts, io, log);
  fs.mkdirSync(chosen.dataDir, { recursive: true });

  log('locating the Temporal CLI (the first run may download or build it; that can take a few minutes)');
  const temporalCli = await ensureTemporalCli({ log, env: io.env });
  const server: DevServer = await startDevServer({
    dataDir: chosen.dataDir,
    port: opts.port ?? 7233,
    uiPort: opts.uiPort,
    temporalCli,
    namespace: opts.namespace,
    log,
  });
  const stopping = shutdownSignal(io);
  const taskQueue = io.env.SWITCHYARD_TASK_QUEUE || DEFAULT_TASK_QUEUE;
  let worker: RunningWorker;
  let database: { url: string; stop(): Promise<void> } | undefined;
  const stopServices = async () => {
    await database?.stop().catch((err: unknown) => log(`embedded database: ${errorText(err)}`));
    await server.stop();
  };
  try {
    // Without DATABASE_URL the store is an embedded PGlite under the data dir, served over the wire.
    database = io.env.DATABASE_URL ? undefined : await startEmbeddedPostgres({ dataDir: chosen.dataDir, log });
    worker = await startWorker({
      target: { address: server.address, namespace: server.namespace },
      taskQueue,
      configSource: fileConfigSource(chosen.path, log),
      dataDir: chosen.dataDir,
      databaseUrl: io.env.DATABASE_URL || database!.url,
      log,
    });
  } catch (err) {
    await stopServices();
    throw err;
  }
  // Observed at once so a worker crash is never an unhandled rejection.
  const workerEnded = worker.done.then(
    () => ({ crashed: undefined as unknown }),
    (err: unknown) => ({ crashed: err ?? new Error('worker stopped') }),
  );
  writeConfigInUse(chosen.dataDir, chosen.path);
  io.stdout(banner(server, chosen));

  const markerPath = path.join(chosen.dataDir, EXAMPLE_MARKER);
  const wantExample = opts.example && chosen.isExample && (opts.demo || !fs.existsSync(markerPath));
  if (wantExample && chosen.exampleTaskPath) {
    await submitExample(chosen, server, io, log).then(
      () => fs.writeFileSync(markerPath, new Date().toISOString() + '\n'),
      // The server and worker are fine; a failed example is reported and the process stays up.
      (err: unknown) => log(`could not submit the example task: ${errorText(err)}`),
    );
  } else if (opts.demo && !chosen.isExample) {
    log('demo: the example task needs the bundled example config; not submitted');
  }

  const outcome = await Promise.race([stopping.then((sig) => ({ sig })), workerEnded]);
  if ('sig' in outcome) {
    log(`${outcome.sig}: stopping the worker, then the Temporal server`);
    await worker.shutdown().catch((err: unknown) => log(`worker shutdown: ${errorText(err)}`));
    await workerEnded;
    await stopServices();
    log('stopped');
    return ExitCode.ok;
  }
  log(
    `the worker stopped unexpectedly${outcome.crashed ? `: ${errorText(outcome.crashed)}` : ''}; stopping the Temporal server`,
  );
  await stopServices();
  return ExitCode.failed;
}

function workflowsUrl(server: DevServer): string | undefined {
  if (!server.uiUrl) return undefined;
  return `${server.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(server.namespace)}/workflows`;
}

/** The Web UI's workflow list filtered to tasks (no stage or gate children), or to tasks waiting for people. */
export function taskListLinks(workflows: string): { tasks: string; needsInput: string } {
  const q = (query: string) => `${workflows}?query=${encodeURIComponent(query)}`;
  return {
    tasks: q('WorkflowType="taskWorkflow"'),
    needsInput: q('WorkflowType="taskWorkflow" AND SwitchyardState="needs-input"'),
  };
}

function banner(server: DevServer, chosen: ChosenConfig): string {
  const ui = workflowsUrl(server);
  const links = ui ? taskListLinks(ui) : undefined;
  const lines = [
    '',
    'Switchyard is running.',
    `  Web UI    ${links?.tasks ?? '(not started)'}`,
    ...(links ? [`  waiting   ${links.needsInput}`] : []),
    `  Temporal  ${server.address} (namespace ${server.namespace})`,
    `  config    ${chosen.path}${chosen.isExample ? ' (bundled example)' : ''}`,
    `  data      ${chosen.dataDir}`,
  ];
  const exports: string[] = [];
  if (server.port !== 7233) exports.push(`export TEMPORAL_ADDRESS=${server.address}`);
  if (server.namespace !== DEFAULT_NAMESPACE) exports.push(`export TEMPORAL_NAMESPACE=${server.namespace}`);
  if (exports.length) lines.push('', 'In other shells, first:', ...exports.map((e) => `  ${e}`));
  lines.push(
    '',
    'From another shell (in this checkout `switchyard` is `npx switchyard`; `npm link` puts it on PATH):',
    '  switchyard submit path/to/task.md     # start a task',
    '  switchyard list                       # all tasks',
    '  switchyard status <taskId>            # where it is, questions, hold reason',
    '  switchyard answer <taskId> --text "…" # answer its questions',
    '',
    'Ctrl-C stops the worker and the server (task state is kept in the data dir).',
    '',
  );
  return lines.join('\n');
}

async function submitExample(chosen: ChosenConfig, server: DevServer, io: CliIo, log: (m: string) => void) {
  const task = await parseTaskFile(chosen.exampleTaskPath!);
  const { config } = loadConfig(chosen.path);
  const input = resolveTaskInput(task, config);
  const client = await SwitchyardClient.connect({
    target: { address: server.address, namespace: server.namespace },
    env: io.env,
  });
  try {
    const ui = workflowsUrl(server);
    const link = ui ? `${ui}/${encodeURIComponent(taskWorkflowId(task.id))}` : undefined;
    try {
      await client.submit(input);
      io.stdout(`Submitted the example task "${task.title}" (${task.id}).\n`);
    } catch (err) {
      if (!(err instanceof TaskAlreadyRunningError)) throw err;
      log(`the example task ${task.id} is already running`);
    }
    if (link) io.stdout(`  Web UI  ${link}\n`);
    io.stdout(`  follow  switchyard watch ${task.id}\n\n`);
  } finally {
    await client.close();
  }
}
