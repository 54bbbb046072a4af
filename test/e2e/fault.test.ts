/**
 * The fault suite, part 1: kill -9 a real worker process in analysis, in development (agent
 * mid-run), in testing (a test command that sleeps), during a staging check over ssh (a real sshd),
 * mid-submit and mid-await on the job platform (a real HTTP server) and while the task waits for input, then start
 * a new worker. Each time: the task ends done with one commit on its branch, nothing of the old
 * worker runs a few seconds later (by the pids it recorded, its environment marker, and cwd), no
 * worktree or spool file is left, the ledger holds exactly the agent runs that completed, and the
 * retry started within 15 s of the kill (a signal after the restart is handled within 3 s).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { answerSignal, stageWorkflowId, taskWorkflowId, type Stage } from '../../workflows/api/index.js';
import { isAlive } from '../../worker/pid.js';
import { e2eEnv, git as gitOut, type E2eEnv, type WorkerProcess } from '../helpers/e2e.js';
import {
  activityAttempts,
  commitsOnBranch,
  entries,
  ownerTagOf,
  processesMarkedBy,
  processesWithCwdIn,
  runningProcessFile,
  signalLatencies,
  usageRows,
  waitForPoller,
  within,
} from '../helpers/faults.js';
import { startSshd } from '../helpers/sshd.js';
import { temporalAddress } from '../helpers/temporal.js';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { startFakePlatform } from '../fakes/job-platform.js';

/** Bounds the issue sets: processes of a dead worker, the retry, a signal after a restart. */
const ORPHAN_BOUND_MS = 5_000;
const RETRY_BOUND_MS = 15_000;
const SIGNAL_BOUND_MS = 3_000;
const PLATFORM_TOKEN = `fault-platform-${'t'.repeat(24)}`;

const envs: E2eEnv[] = [];
afterAll(async () => {
  await Promise.all(envs.map((e) => e.cleanup()));
});
const measured: string[] = [];
afterAll(() => console.log(`fault suite measurements:\n  ${measured.join('\n  ')}`));

async function environment(name: string): Promise<E2eEnv> {
  const env = await e2eEnv(name);
  envs.push(env);
  return env;
}

/** Kills `worker` with SIGKILL and checks that all it started is gone within the bound. */
async function killWorker(env: E2eEnv, worker: WorkerProcess, started: number[] = []) {
  const tag = ownerTagOf(worker);
  const dataDir = join(env.dir, 'data');
  const worktrees = entries(dataDir, 'worktrees')
    .filter((n) => n.startsWith(`${tag}_`))
    .map((n) => join(dataDir, 'worktrees', n));
  const killedAt = Date.now();
  worker.kill('SIGKILL');
  await worker.exited;
  const orphansGoneMs = await within(`the processes of worker ${tag} to end`, ORPHAN_BOUND_MS, () => {
    return (
      started.every((pid) => !isAlive(pid)) &&
      processesMarkedBy(tag).length === 0 &&
      worktrees.every((dir) => processesWithCwdIn(dir).length === 0)
    );
  });
  return { killedAt, tag, worktrees, orphansGoneMs };
}

/** What every scenario ends with: done, one commit, no leftovers, the ledger, the reaper's line. */
async function checkAfterRecovery(env: E2eEnv, taskId: string, paidRuns: number, deadTag: string, next: WorkerProcess) {
  const done = await env.waitForState(taskId, ['done', 'failed', 'hold'], 120_000);
  expect(done.state, done.detail).toBe('done');
  expect(await commitsOnBranch(env.repoDir, done.branch!)).toBe(1);
  const dataDir = join(env.dir, 'data');
  expect(entries(dataDir, 'worktrees')).toEqual([]);
  expect(entries(dataDir, 'spool')).toEqual([]);
  expect(entries(dataDir, 'procs').filter((n) => n.startsWith(`${deadTag}_`))).toEqual([]);
  // The killed run reported no cost (the fake reports usage at the end): one row per completed run.
  const rows = await usageRows(env.env.DATABASE_URL, taskId);
  expect(rows).toHaveLength(paidRuns);
  expect(new Set(rows.map((r) => r.key)).size).toBe(paidRuns);
  expect(rows.reduce((s, r) => s + r.costUsd, 0)).toBeCloseTo(done.costUsd, 6);
  expect(next.output()).toContain(`reaped what stopped workers left (${deadTag})`);
  return done;
}

async function retryDelay(taskId: string, stage: Stage, activity: string, killedAt: number): Promise<number> {
  const attempts = await activityAttempts(temporalAddress(), stageWorkflowId(taskId, stage, 1));
  const retried = attempts.find((a) => a.activityType === activity);
  expect(retried?.attempt, JSON.stringify(attempts)).toBe(2);
  return retried!.startedAt - killedAt;
}

describe.concurrent('a worker killed with SIGKILL', () => {
  it('in analysis (agent mid-run): the retry runs the analyst once more, nothing of the first run survives', async () => {
    const env = await environment('kill-analysis');
    const marker = join(env.dir, 'analyst.json');
    const first = await env.startWorker();
    const task = await env.writeTask('kill-analysis', `Fix the greeting.\n\nfake-agent: stall-analyst ${marker}`);
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const agent = await runningProcessFile(marker);
    const killed = await killWorker(env, first, [agent.pid, agent.child]);
    expect(killed.worktrees).toHaveLength(1);
    const second = await env.startWorker();
    await checkAfterRecovery(env, 'kill-analysis', 2, killed.tag, second);
    const retry = await retryDelay('kill-analysis', 'analysis', 'runAnalyst', killed.killedAt);
    measured.push(`analysis: orphans gone ${killed.orphansGoneMs} ms, retry started ${retry} ms after the kill`);
    expect(retry).toBeLessThanOrEqual(RETRY_BOUND_MS);
  });

  it('in development (agent mid-run, editing its worktree): one commit, one paid development run', async () => {
    const env = await environment('kill-development');
    const marker = join(env.dir, 'developer.json');
    const first = await env.startWorker();
    const task = await env.writeTask('kill-dev', `Fix the greeting.\n\nfake-agent: stall-developer ${marker}`);
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const agent = await runningProcessFile(marker);
    const killed = await killWorker(env, first, [agent.pid, agent.child]);
    expect(killed.worktrees).toHaveLength(1);
    const second = await env.startWorker();
    await checkAfterRecovery(env, 'kill-dev', 2, killed.tag, second);
    const retry = await retryDelay('kill-dev', 'development', 'runDeveloper', killed.killedAt);
    measured.push(`development: orphans gone ${killed.orphansGoneMs} ms, retry started ${retry} ms after the kill`);
    expect(retry).toBeLessThanOrEqual(RETRY_BOUND_MS);
  });

  it('in testing (a test command that sleeps): the tests run again and pass', async () => {
    const env = await environment('kill-testing');
    const marker = join(env.dir, 'tests.json');
    // The first run records itself and a background child, then sleeps; later runs test for real.
    const script = `if [ ! -e "$0" ]; then sleep 300 & printf '{"pid":%s,"child":%s}' $$ $! > "$0.tmp" && mv "$0.tmp" "$0"; wait; fi; exec node --test`;
    await env.writeConfig(['sh', '-c', script, marker]);
    const first = await env.startWorker();
    const task = await env.writeTask('kill-test', 'Fix the greeting.');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const tests = await runningProcessFile(marker);
    const killed = await killWorker(env, first, [tests.pid, tests.child]);
    expect(killed.worktrees).toHaveLength(1);
    const second = await env.startWorker();
    const done = await checkAfterRecovery(env, 'kill-test', 2, killed.tag, second);
    expect(done.lastTest?.status).toBe('PASS');
    const retry = await retryDelay('kill-test', 'testing', 'runTests', killed.killedAt);
    measured.push(`testing: orphans gone ${killed.orphansGoneMs} ms, retry started ${retry} ms after the kill`);
    expect(retry).toBeLessThanOrEqual(RETRY_BOUND_MS);
  });
});

describe('a worker killed with SIGKILL during a staging check over ssh', () => {
  it('the check runs again and passes; nothing of the first run is left on the host or here', async () => {
    const sshd = await startSshd();
    try {
      const env = await environment('kill-staging');
      const marker = join(sshd.dir, 'check.json');
      const runs = join(sshd.dir, 'runs');
      // The first run records itself and a background child on the host, then sleeps; later runs pass.
      const check = join(sshd.dir, 'check');
      await writeFile(
        check,
        `#!/bin/sh\nif [ ! -e ${marker} ]; then sleep 300 & printf '{"pid":%s,"child":%s}' $$ $! > ${marker}.tmp && mv ${marker}.tmp ${marker}; wait; fi\necho "$1" >> ${runs}\n`,
        { mode: 0o755 },
      );
      await appendFile(
        env.configPath,
        [
          'staging:',
          '  host-1:',
          '    transport: ssh',
          `    host: ${sshd.host}`,
          `    port: ${sshd.port}`,
          `    user: ${sshd.user}`,
          `    identityFile: ${JSON.stringify(sshd.identityFile)}`,
          `    knownHostsFile: ${JSON.stringify(sshd.knownHostsFile)}`,
          `    command: [${JSON.stringify(check)}, "{commit}"]`,
          '',
        ].join('\n'),
      );
      const first = await env.startWorker();
      const task = await env.writeTask('kill-staging', 'Fix the greeting.', { staging: 'host-1' });
      expect((await env.cli(['submit', task])).exitCode).toBe(0);
      const remote = await runningProcessFile(marker);
      const killed = await killWorker(env, first, [remote.pid, remote.child]);
      const second = await env.startWorker();
      const done = await checkAfterRecovery(env, 'kill-staging', 2, killed.tag, second);
      expect(done.lastStaging).toMatchObject({ outcomeClass: 'passed', transport: 'ssh' });
      // Ran to the end once, on the tested commit.
      expect(await readFile(runs, 'utf8')).toBe(`${done.commit}\n`);
      const retry = await retryDelay('kill-staging', 'deploy-staging', 'runStagingCheck', killed.killedAt);
      measured.push(
        `staging over ssh: orphans gone ${killed.orphansGoneMs} ms, retry started ${retry} ms after the kill`,
      );
      expect(retry).toBeLessThanOrEqual(RETRY_BOUND_MS);
    } finally {
      await sshd.close();
    }
  });
});

describe('a worker killed with SIGKILL while a stage is on the job platform', () => {
  it('mid-submit, mid-await and mid-push: the same jobs are found again, one per stage attempt, paid once', async () => {
    const platform = await startFakePlatform({ token: PLATFORM_TOKEN });
    try {
      const env = await environment('kill-delegated');
      const greet = join(env.repoDir, 'greet.js');
      const original = await readFile(greet, 'utf8');
      await writeFile(greet, original.replace('helo', 'hello'));
      const fix = `${await gitOut(env.repoDir, 'diff')}\n`;
      await writeFile(greet, original);
      platform.onJob((job) =>
        job.body.role === 'analyst'
          ? { costUsd: 0.02, result: { text: 'Change greet() to return "hello".' } }
          : { runMs: 8000, costUsd: 0.03, result: { text: 'Fixed the greeting.', patch: fix } },
      );
      await env.writeConfig(['node', '--test'], 60, {
        yaml: [
          '  fake:',
          '    kind: command',
          '    command: ["false"]',
          '  gpu:',
          '    kind: delegated',
          '    target: gpu',
        ],
        default: 'fake',
      });
      await appendFile(
        env.configPath,
        `delegation:\n  url: ${platform.url}\n  tokenEnv: PLATFORM_TOKEN\n  pollIntervalSec: 0.5\n  requestTimeoutSec: 10\n`,
      );
      env.env.PLATFORM_TOKEN = PLATFORM_TOKEN;
      // The analysis submit's answer takes 4 s: the worker dies with the POST in flight (the job is made).
      platform.inject({ kind: 'slow', delayMs: 4000, on: 'POST' });
      const first = await env.startWorker();
      const task = await env.writeTask('kill-delegated', 'Fix the greeting.', {
        allow_delegation: true,
        preferred_ai: 'gpu',
      });
      expect((await env.cli(['submit', task])).exitCode).toBe(0);
      await within('the submit to be in flight', 30_000, () => platform.requests.some((r) => r.method === 'POST'));
      const submitKill = await killWorker(env, first);
      const second = await env.startWorker();
      // Development's job runs 8 s: kill the worker awaiting it.
      await within('the development job to be polled', 60_000, () =>
        platform.jobs.some((j) => j.body.role === 'developer' && j.polls > 0),
      );
      // The first push of the finished job's commit hangs in the repo's pre-receive hook: kill that worker too.
      const pushing = join(env.dir, 'pushing');
      await writeFile(
        join(env.repoDir, '.git', 'hooks', 'pre-receive'),
        `#!/bin/sh\nif [ ! -e ${pushing} ]; then touch ${pushing}; sleep 60; fi\n`,
        { mode: 0o755 },
      );
      const awaitKill = await killWorker(env, second);
      const third = await env.startWorker();
      await within('the push of the finished job', 60_000, () => existsSync(pushing));
      const pushKill = await killWorker(env, third);
      const fourth = await env.startWorker();
      const done = await env.waitForState('kill-delegated', ['done', 'failed', 'hold'], 120_000);
      expect(done.state, done.holdReason).toBe('done');
      expect(await commitsOnBranch(env.repoDir, done.branch!)).toBe(1);
      expect(platform.jobs.map((j) => j.body.role)).toEqual(['analyst', 'developer']);
      // The killed worker's POST was still answered (201: the job exists); the retry found it (200).
      expect(platform.submits().map((r) => r.status)).toEqual([201, 200, 201]);
      const dataDir = join(env.dir, 'data');
      expect(entries(dataDir, 'worktrees')).toEqual([]);
      expect(entries(dataDir, 'spool')).toEqual([]);
      // One ledger row per job: the development job's was written before the killed push, and the retry that
      // pushed wrote the same row again; the task's total counts it once.
      const rows = await usageRows(env.env.DATABASE_URL, 'kill-delegated');
      expect(rows.map((r) => r.costUsd)).toEqual([0.02, 0.03]);
      expect(done.costUsd).toBeCloseTo(0.05, 6);
      expect(platform.jobs.find((j) => j.body.role === 'developer')?.polls).toBeGreaterThan(1);
      const submitRetry = await retryDelay('kill-delegated', 'analysis', 'submitDelegatedJob', submitKill.killedAt);
      // History keeps the last attempt's start: the third, after the push kill.
      const attempts = await activityAttempts(temporalAddress(), stageWorkflowId('kill-delegated', 'development', 1));
      const last = attempts.find((a) => a.activityType === 'awaitDelegatedDevelopment');
      expect(last?.attempt).toBe(3);
      const awaitRetry = last!.startedAt - pushKill.killedAt;
      measured.push(
        `delegation: submit retried ${submitRetry} ms, await retried ${awaitRetry} ms after the kills (mid-await kill ${pushKill.killedAt - awaitKill.killedAt} ms before the push kill)`,
      );
      expect(submitRetry).toBeLessThanOrEqual(RETRY_BOUND_MS);
      expect(awaitRetry).toBeLessThanOrEqual(RETRY_BOUND_MS);
      expect(fourth.output()).not.toContain(PLATFORM_TOKEN);
    } finally {
      await platform.close();
    }
  });
});

// On its own, after the kills above: it times a workflow task, which three other scenarios
// running side by side on two cores would slow down as much as a restart does.
describe('a worker killed with SIGKILL while its task waits', () => {
  it('while waiting for input: an answer sent right after the restart is handled within 3 s', async () => {
    const env = await environment('kill-waiting');
    const first = await env.startWorker();
    const task = await env.writeTask('kill-wait', 'Fix the greeting.\n\nfake-agent: ask');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await env.waitForState('kill-wait', ['needs-input']);
    await killWorker(env, first);
    const second = await env.startWorker();
    await waitForPoller(temporalAddress(), env.taskQueue, second.pid);
    // Straight from a client, with no query first: the signal's workflow task goes to the dead
    // worker's sticky queue and must move to the shared one within the bound.
    const connection = await Connection.connect({ address: temporalAddress() });
    try {
      await new Client({ connection }).workflow.getHandle(taskWorkflowId('kill-wait')).signal(answerSignal, {
        text: 'hello',
      });
    } finally {
      await connection.close();
    }
    const done = await env.waitForState('kill-wait', ['done', 'failed', 'hold'], 120_000);
    expect(done.state, done.detail).toBe('done');
    expect(await commitsOnBranch(env.repoDir, done.branch!)).toBe(1);
    expect(entries(join(env.dir, 'data'), 'worktrees')).toEqual([]);
    expect((await usageRows(env.env.DATABASE_URL, 'kill-wait')).length).toBe(3);
    const [latency] = await signalLatencies(temporalAddress(), taskWorkflowId('kill-wait'), 'answer');
    measured.push(`waiting: answer handled ${latency} ms after it was signalled (new worker)`);
    expect(latency).toBeLessThanOrEqual(SIGNAL_BOUND_MS);
  });
});
