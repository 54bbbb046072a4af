/**
 * An in-process worker with the real workflow code and test-controlled activities, for tests about
 * workflow logic (the activities have their own tests against real processes and repos).
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { existsSync } from 'node:fs';
import type { SwitchyardActivities } from '../../workflows/activity-types.js';
import { WORKFLOW_BUNDLE, workflowsEntry } from '../../activities/paths.js';
import { createTemporalActivities } from '../../activities/temporal.js';
import { temporalAddress, uniqueTaskQueue } from './temporal.js';

export interface TestWorker {
  client: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startWorkflowWorker(
  activities: Omit<SwitchyardActivities, 'requestGate' | 'isWorkflowRunning'>,
): Promise<TestWorker> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    // Expected workflow failures are logged as warnings; keep test output for real errors.
    Runtime.install({
      logger: new DefaultLogger((process.env.SWITCHYARD_LOG_LEVEL?.toUpperCase() ?? 'ERROR') as LogLevel),
    });
  }
  const address = temporalAddress();
  const taskQueue = uniqueTaskQueue('wf');
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    ...(existsSync(WORKFLOW_BUNDLE)
      ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } }
      : { workflowsPath: workflowsEntry() }),
    activities: { ...activities, ...createTemporalActivities(client, taskQueue) },
    maxHeartbeatThrottleInterval: '1s',
  });
  const running = worker.run();
  return {
    client,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await clientConnection.close();
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails with what it last saw. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
