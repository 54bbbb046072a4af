/**
 * pipeline.agentTaskQueue: the agent activities of every task go to a queue of their own, served by
 * workers started with `switchyard worker --queue <it>`; workflows, tests and staging stay on the main
 * queue. Through the built CLI, two real worker processes and the histories Temporal kept.
 */
import { execa, type ResultPromise } from 'execa';
import { appendFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageWorkflowId } from '../../workflows/api/index.js';
import { CLI, e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { temporalAddress } from '../helpers/temporal.js';

let env: E2eEnv;
let agents: ResultPromise | undefined;
let agentQueue: string;

/** The task queue each activity of a stage workflow was scheduled on. */
async function scheduledQueues(workflowId: string): Promise<Record<string, string>> {
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return Object.fromEntries(
      (history.events ?? [])
        .map((e) => e.activityTaskScheduledEventAttributes)
        .filter((a) => !!a)
        .map((a) => [a.activityType?.name ?? '?', a.taskQueue?.name ?? '?']),
    );
  } finally {
    await connection.close();
  }
}

beforeAll(async () => {
  env = await e2eEnv('agent-queue');
  agentQueue = `${env.taskQueue}-agents`;
  await appendFile(env.configPath, `pipeline:\n  agentTaskQueue: ${agentQueue}\n`);
  await env.startWorker();
}, 120_000);

afterAll(async () => {
  agents?.kill('SIGTERM');
  await agents?.catch(() => undefined);
  await env?.cleanup();
});

describe('a task queue for agent activities', () => {
  it('agents wait for a worker on their queue; with one, the task finishes; tests stay on the main queue', async () => {
    const file = await env.writeTask('queued-agents', 'Fix the greeting.');
    expect((await env.cli(['submit', file])).exitCode).toBe(0);
    // No worker polls the agent queue yet: the analyst is scheduled there and waits.
    const analysis = stageWorkflowId('queued-agents', 'analysis', 1);
    for (let i = 0; !(await scheduledQueues(analysis).catch((): Record<string, string> => ({}))).runAnalyst; i++) {
      if (i > 100) throw new Error('the analyst was never scheduled');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await scheduledQueues(analysis)).runAnalyst).toBe(agentQueue);
    expect((await env.status('queued-agents')).stage).toBe('analysis');

    agents = execa('node', [CLI, 'worker', '--config', env.configPath, '--queue', agentQueue], {
      env: env.env,
      cwd: env.dir,
      reject: false,
      all: true,
    });
    const done = await env.waitForState('queued-agents', ['done', 'hold', 'failed'], 120_000);
    expect(done.state, done.holdReason).toBe('done');
    expect((await scheduledQueues(stageWorkflowId('queued-agents', 'development', 1))).runDeveloper).toBe(agentQueue);
    expect((await scheduledQueues(stageWorkflowId('queued-agents', 'testing', 1))).runTests).toBe(env.taskQueue);
  });
});
