/**
 * The worker process: one connection, the prebuilt workflow bundle, and every activity with its
 * dependencies injected. Used by `switchyard worker`, `switchyard start` and the tests.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { createActivities } from '../activities/index.js';
import { createTemporalActivities } from '../activities/temporal.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/api.js';
import type { SwitchyardActivities } from '../workflows/activity-types.js';
import type { ConfigSource } from './config.js';
import { WORKFLOW_BUNDLE, workflowsEntry } from './paths.js';

export interface WorkerOptions {
  address: string;
  namespace?: string;
  taskQueue?: string;
  configSource: ConfigSource;
  /** Absolute; caches and worktrees live under it. */
  dataDir: string;
  log?: (msg: string) => void;
  /** Bounds how many agents/test runs one worker runs at once (they are heavy). */
  maxConcurrentActivities?: number;
}

export interface RunningWorker {
  taskQueue: string;
  /** Settles when the worker has stopped (rejects if it crashed). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/** The SDK logs every poll at INFO; a user watching `switchyard start` wants warnings only. */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.SWITCHYARD_LOG_LEVEL?.toUpperCase() ?? 'WARN') as LogLevel;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed by someone else in this process (tests): keep theirs.
  }
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  installRuntime();
  const namespace = opts.namespace ?? 'default';
  const taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
  const log = opts.log ?? ((m: string) => console.error(m));

  const clientConnection = await Connection.connect({ address: opts.address });
  const client = new Client({ connection: clientConnection, namespace });
  const temporalActivities = createTemporalActivities(client, taskQueue);
  const activities = {
    ...createActivities({
      config: () => opts.configSource.current(),
      dataDir: opts.dataDir,
      log,
      isWorkflowRunning: temporalActivities.isWorkflowRunning,
    }),
    ...temporalActivities,
  } satisfies SwitchyardActivities;

  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(existsSync(WORKFLOW_BUNDLE)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } }
      : { workflowsPath: workflowsEntry() }),
    activities,
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 8,
    shutdownGraceTime: '10s',
    // Cancellation reaches an activity with a heartbeat response: keep that latency short.
    maxHeartbeatThrottleInterval: '2s',
  });

  const done = worker.run().finally(async () => {
    await connection.close();
    await clientConnection.close();
  });
  return {
    taskQueue,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
