/**
 * Long-running commands: `start`, `demo` and `worker`. Their heavy modules (dev server, Temporal
 * worker) load only when one of them runs, so the other commands start fast.
 */
import path from 'node:path';
import type { Command } from 'commander';
// ids.js, not the api index: the index loads Temporal's workflow library.
import { DEFAULT_TASK_QUEUE } from '../../workflows/api/ids.js';
import { errorText } from '../helpers.js';
import { namespaceProblem } from '../../workflows/grammar.js';
import {
  ExitCode,
  UsageError,
  port,
  shutdownSignal,
  targetFlags,
  type CliIo,
  type CliRun,
  type GlobalOptions,
} from './common.js';

interface StartFlags {
  port?: number;
  uiPort?: number;
  dataDir?: string;
  example: boolean;
  config?: string;
}

export function registerServe(program: Command, io: CliIo, run: CliRun): void {
  for (const demo of [false, true]) {
    program
      .command(demo ? 'demo' : 'start')
      .description(
        demo
          ? 'start, then run the bundled example task end to end on a bundled repo'
          : 'embedded setup: Temporal dev server + Web UI + worker, in the foreground',
      )
      .option('--port <n>', 'Temporal frontend port', port('--port'), 7233)
      .option('--ui-port <n>', 'Web UI port (default: the Temporal port + 1000, so 8233)', port('--ui-port'))
      .option('--data-dir <dir>', "where state is kept (default: the config's dataDir, else ./.switchyard)")
      .option('--no-example', 'do not submit the bundled example task')
      .option('--config <file>', 'config file (default: switchyard.config.yaml, $SWITCHYARD_CONFIG, else the example)')
      .action(async (opts: StartFlags, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        for (const flag of ['address', 'profile'] as const) {
          if (globals[flag]) io.stderr(`[switchyard] --${flag} is ignored by ${cmd.name()}: it runs its own server\n`);
        }
        if (globals.namespace) {
          const bad = namespaceProblem(globals.namespace);
          if (bad) throw new UsageError(`--namespace: ${bad}`);
        }
        const { runStart } = await import('../start.js');
        run.exitCode = await runStart({ ...opts, namespace: globals.namespace, demo }, io);
      });
  }

  program
    .command('worker')
    .description('run a worker against an existing Temporal server (--address, --profile or $TEMPORAL_ADDRESS)')
    .option('--queue <name>', 'task queue to poll (default $SWITCHYARD_TASK_QUEUE or "switchyard")')
    .option('--config <file>', 'config file (default: switchyard.config.yaml or $SWITCHYARD_CONFIG)')
    .option('--data-dir <dir>', "where caches and worktrees go (default: the config's dataDir)")
    .action(async (opts: { queue?: string; config?: string; dataDir?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const { requireConfig } = await import('./config-path.js');
      const located = requireConfig(io, opts.config);
      const { loadConfig, fileConfigSource } = await import('../../worker/config.js');
      const loaded = loadConfig(located.path); // invalid config: every issue listed, nothing started
      const dataDir = opts.dataDir
        ? path.resolve(io.cwd, opts.dataDir)
        : path.resolve(loaded.dir, loaded.config.dataDir);
      const taskQueue = opts.queue || io.env.SWITCHYARD_TASK_QUEUE || DEFAULT_TASK_QUEUE;
      const log = (m: string) => io.stderr(`[worker] ${m}\n`);

      // Fail fast with a readable message when the server is not there.
      const { SwitchyardClient } = await import('../switchyard-client.js');
      const { describeTarget } = await import('../../worker/connection.js');
      const probe = await SwitchyardClient.connect({ ...targetFlags(globals), env: io.env });
      const { target } = probe;
      await probe.close();

      const { resolveDatabaseUrl } = await import('./database.js');
      const databaseUrl = await resolveDatabaseUrl(io.env, dataDir);
      const { startWorker } = await import('../../worker/worker.js');
      const stopping = shutdownSignal(io);
      const worker = await startWorker({
        target,
        taskQueue,
        configSource: fileConfigSource(loaded.path, log),
        dataDir,
        databaseUrl,
        log,
        // Read once: a process's concurrency, cache and listeners do not change under it.
        maxConcurrentActivities: loaded.config.worker.maxConcurrentActivities,
        maxCachedWorkflows: loaded.config.worker.maxCachedWorkflows,
        shutdownGraceSec: loaded.config.worker.shutdownGraceSec,
        metrics: loaded.config.worker.metrics,
        health: loaded.config.worker.health,
      });
      const ended = worker.done.then(
        () => undefined,
        (err: unknown) => err ?? new Error('worker stopped'),
      );
      log(`polling "${taskQueue}" on ${describeTarget(target)} with config ${loaded.path}`);
      const outcome = await Promise.race([stopping.then((sig) => ({ sig })), ended.then((crashed) => ({ crashed }))]);
      if ('sig' in outcome) {
        log(`${outcome.sig}: shutting down (running activities are given time to finish)`);
        await worker.shutdown().catch((err: unknown) => log(`shutdown: ${errorText(err)}`));
        const crashed = await ended;
        run.exitCode = crashed ? ExitCode.failed : ExitCode.ok;
        if (crashed) log(`worker ended with an error: ${errorText(crashed)}`);
        return;
      }
      log(`the worker stopped unexpectedly${outcome.crashed ? `: ${errorText(outcome.crashed)}` : ''}`);
      run.exitCode = ExitCode.failed;
    });
}
