/**
 * The worker process: one connection, the prebuilt workflow bundle, and every activity with its
 * dependencies injected. Used by `switchyard worker`, `switchyard start` and the tests.
 */
import { Client, Connection } from '@temporalio/client';
import {
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type ActivityInterceptors,
  type LogLevel,
} from '@temporalio/worker';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context as ActivityContext } from '@temporalio/activity';
import { createActivities } from '../activities/index.js';
import { configureProcessRecords, keepHeartbeating, releaseProcessRecords } from '../activities/process.js';
import { reapDeadOwners } from '../activities/reaper.js';
import { createTemporalActivities, noticeStarter } from '../activities/temporal.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/api/index.js';
import type { SwitchyardActivities } from '../workflows/activity-types.js';
import { createPool, createStore, migrate, type Store } from '../activities/store/index.js';
import type { ConfigSource } from './config.js';
import { connectionOptions, type TemporalTarget } from './connection.js';
import { WORKFLOW_BUNDLE, workflowsEntry } from '../activities/paths.js';

export interface WorkerOptions {
  /** Where Temporal is and how to reach it (worker/connection.ts): TLS, API key and headers included. */
  target: TemporalTarget;
  taskQueue?: string;
  configSource: ConfigSource;
  /** Absolute; caches and worktrees live under it. */
  dataDir: string;
  log?: (msg: string) => void;
  /** Postgres for artifacts, usage and events: a server, or the embedded one `start` serves. */
  databaseUrl: string;
  /** Bounds how many agents/test runs one worker runs at once (they are heavy). */
  maxConcurrentActivities?: number;
  /** Workflows kept in memory (SDK default: about 2000 per GB of heap, so nearly every parked task). */
  maxCachedWorkflows?: number;
  /** On shutdown, how long running activities may finish before they are cancelled. */
  shutdownGraceSec?: number;
  /** Prometheus exporter of the SDK runtime (only one per process: the first worker's settings win). */
  metrics?: { host: string; port: number };
  /** GET /healthz on this address. */
  health?: { host: string; port: number };
}

export interface RunningWorker {
  taskQueue: string;
  /** Settles when the worker has stopped (rejects if it crashed). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The SDK logs every poll at INFO; a user watching `switchyard start` wants warnings only. With
 * `metrics`, the runtime's own Prometheus exporter serves the SDK's metrics and ours (the metric meter).
 */
function installRuntime(metrics?: { host: string; port: number }): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.SWITCHYARD_LOG_LEVEL?.toUpperCase() ?? 'WARN') as LogLevel;
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      ...(metrics
        ? {
            telemetryOptions: {
              metrics: {
                prometheus: {
                  bindAddress: `${metrics.host.includes(':') ? `[${metrics.host}]` : metrics.host}:${metrics.port}`,
                  countersTotalSuffix: true,
                  // Stages and gate waits last minutes to hours, not the default buckets' milliseconds.
                  histogramBucketOverrides: Object.fromEntries(
                    LONG_HISTOGRAMS.flatMap((n) => [n, `temporal_${n}`]).map((n) => [n, LONG_BUCKETS_MS]),
                  ),
                },
              },
            },
          }
        : {}),
      // `switchyard worker` stops on SIGTERM itself (client/commands/serve.ts): one shutdown, ours.
      shutdownSignals: [],
    });
  } catch (err) {
    // Already installed by someone else in this process (tests): keep theirs. Anything else (a metrics
    // address in use) must stop the worker with its reason, not leave it running without metrics.
    if (/already/i.test(String((err as Error)?.message))) return;
    runtimeInstalled = false;
    throw new Error(`worker.metrics: the metrics exporter could not start: ${(err as Error)?.message ?? String(err)}`);
  }
}

const LONG_HISTOGRAMS = ['switchyard_stage_duration', 'switchyard_gate_wait'];
const LONG_BUCKETS_MS = [1_000, 5_000, 15_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 14_400_000, 86_400_000];

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  installRuntime(opts.metrics);
  const { namespace } = opts.target;
  const taskQueue = opts.taskQueue ?? DEFAULT_TASK_QUEUE;
  const log = opts.log ?? ((m: string) => console.error(m));

  // Before any work: a watchdog ties this process's children to it, and what a crashed predecessor
  // left in the data dir (processes, worktrees, spool files) goes.
  configureProcessRecords(opts.dataDir);
  await reapDeadOwners(opts.dataDir, { log });
  const store = await openStore(opts.databaseUrl, log);
  const cleanup: (() => Promise<void>)[] = [() => store.close(), async () => releaseProcessRecords()];
  const closeAll = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  };
  try {
    const clientConnection = await Connection.connect(connectionOptions(opts.target));
    cleanup.push(() => clientConnection.close());
    const client = new Client({ connection: clientConnection, namespace });
    const temporalActivities = createTemporalActivities(client, taskQueue);
    const activities = {
      ...createActivities({
        config: () => opts.configSource.current(),
        dataDir: opts.dataDir,
        log,
        store,
        isWorkflowRunning: temporalActivities.isWorkflowRunning,
        startNotice: noticeStarter(client, taskQueue),
      }),
      ...temporalActivities,
    } satisfies SwitchyardActivities;

    const connection = await NativeConnection.connect(connectionOptions(opts.target));
    cleanup.push(() => connection.close());
    const worker = await createWorker(connection, namespace, taskQueue, activities, opts);
    if (opts.health) {
      const server = await serveHealth(opts.health, { temporal: clientConnection, store }, log);
      cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    }
    const done = worker.run().finally(closeAll);
    return {
      taskQueue,
      done,
      async shutdown() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Connects and migrates; a migration that fails stops the worker with the migration's name. */
async function openStore(url: string, log: (m: string) => void): Promise<Store> {
  const pool = createPool(url, { log });
  try {
    const applied = await migrate(pool, { log });
    if (applied.length) log(`store: applied migrations ${applied.join(', ')}`);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return createStore(pool);
}

function createWorker(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  activities: SwitchyardActivities,
  opts: Pick<WorkerOptions, 'maxConcurrentActivities' | 'maxCachedWorkflows' | 'shutdownGraceSec'>,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(existsSync(WORKFLOW_BUNDLE)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } }
      : { workflowsPath: workflowsEntry() }),
    activities,
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 8,
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    shutdownGraceTime: `${opts.shutdownGraceSec ?? 10}s`,
    // Cancellation reaches an activity with a heartbeat response: keep that latency short.
    maxHeartbeatThrottleInterval: '2s',
    // A workflow task (a signal) for a worker that died moves to the shared queue after 1 s instead
    // of 10 s, so the next worker handles it at once; a live worker answers its sticky queue in ms.
    stickyQueueScheduleToStartTimeout: '1s',
    interceptors: { activity: [keepAlive] },
  });
}

const KEEPALIVE_MS = 2_000;

/** Every activity with a heartbeat timeout heartbeats in every phase (see keepHeartbeating). */
function keepAlive(ctx: ActivityContext): ActivityInterceptors {
  return {
    inbound: {
      async execute(input, next) {
        if (!ctx.info.heartbeatTimeoutMs) return next(input);
        const stop = keepHeartbeating(ctx, KEEPALIVE_MS);
        try {
          return await next(input);
        } finally {
          stop();
        }
      },
    },
  };
}

/** GET /healthz: Temporal and the store answer (200), or which does not (503). Anything else is 404. */
async function serveHealth(
  at: { host: string; port: number },
  deps: { temporal: Connection; store: Store },
  log: (m: string) => void,
): Promise<Server> {
  const check = async (fn: () => Promise<unknown>) =>
    Promise.race([
      fn().then(() => 'ok'),
      new Promise<string>((r) => setTimeout(() => r('no answer within 3 s'), 3000).unref()),
    ]).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      const [temporal, store] = await Promise.all([
        check(() => deps.temporal.workflowService.getSystemInfo({})),
        check(() => deps.store.ping()),
      ]);
      const ok = temporal === 'ok' && store === 'ok';
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok, temporal, store }));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  log(`health at http://${at.host}:${(server.address() as AddressInfo).port}/healthz`);
  return server;
}
