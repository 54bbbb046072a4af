/**
 * A Temporal server that refuses update-with-start (an older server, or a namespace with
 * `frontend.enableExecuteMultiOperation` off): the worker asks the gates by signal-with-start and
 * waits for their grant signal, and a task still runs to done. Its own dev server, with the setting off.
 */
import { Client, Connection } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gateAcquireSignal,
  gateGrantedSignal,
  gateReleaseSignal,
  gateWorkflowId,
  taskWorkflowId,
} from '../../workflows/api/index.js';
import { startDevServer, type DevServer } from '../../worker/dev-server.js';
import { ensureTemporalCli } from '../../worker/temporal-cli.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';

let env: E2eEnv;
let server: DevServer;
let serverDir: string;
let connection: Connection;

beforeAll(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'switchyard-no-uws-'));
  server = await startDevServer({
    dataDir: serverDir,
    port: 0,
    dbFile: null,
    headless: true,
    temporalCli: await ensureTemporalCli({ log: () => undefined }),
    dynamicConfig: { 'frontend.enableExecuteMultiOperation': false },
  });
  connection = await Connection.connect({ address: server.address });
  env = await e2eEnv('gate-by-signal');
  env.env.TEMPORAL_ADDRESS = server.address;
  // The worker's one warning about the fallback is part of what is checked.
  env.env.SWITCHYARD_LOG_LEVEL = 'WARN';
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await connection?.close();
  await server?.stop();
  if (serverDir) await rm(serverDir, { recursive: true, force: true });
});

/** The signal names a workflow's history received, in order. */
async function signalsOf(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
    .filter((n): n is string => !!n);
}

describe('a server without update-with-start', () => {
  it(
    'asks the gate by signal and takes its grant; two tasks on one repo take turns and both finish',
    { timeout: 300_000 },
    async () => {
      const worker = await env.startWorker();
      for (const id of ['nouws-1', 'nouws-2']) {
        const submitted = await env.cli(['submit', await env.writeTask(id, 'Fix the greeting.')]);
        expect(submitted.exitCode, submitted.stderr).toBe(0);
      }
      for (const id of ['nouws-1', 'nouws-2']) {
        const done = await env.waitForState(id, ['done', 'hold', 'failed'], 120_000);
        expect(done.state, `${id}: ${done.holdReason ?? done.detail}`).toBe('done');
      }

      const client = new Client({ connection });
      // The gate was asked by signal (the server refused the update) and granted each task by signal.
      const gateSignals = await signalsOf(client, gateWorkflowId(env.repoName));
      expect(gateSignals.filter((n) => n === gateAcquireSignal.name)).toHaveLength(2);
      expect(gateSignals.filter((n) => n === gateReleaseSignal.name)).toHaveLength(2);
      for (const id of ['nouws-1', 'nouws-2'])
        expect(await signalsOf(client, taskWorkflowId(id))).toContain(gateGrantedSignal.name);
      // Said once, not per request.
      expect(worker.output().match(/does not take update-with-start/g)).toHaveLength(1);
    },
  );
});
