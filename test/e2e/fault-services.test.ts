/**
 * The fault suite, part 2: the services go away under a running worker. The Temporal dev server is
 * restarted (SQLite file kept) while a task waits for an answer and while an agent runs; a private
 * PostgreSQL server is stopped while a stage finishes, so its store writes must wait for it. Each
 * task still ends done, with one commit, and nothing it recorded is lost.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { stageWorkflowId } from '../../workflows/api/index.js';
import { startDevServer, type DevServer } from '../../worker/dev-server.js';
import { ensureTemporalCli } from '../../worker/temporal-cli.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import {
  activityAttempts,
  commitsOnBranch,
  entries,
  processesWithCwdIn,
  startPrivatePostgres,
  usageRows,
  within,
} from '../helpers/faults.js';
import { temporalAddress } from '../helpers/temporal.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});
const measured: string[] = [];
afterAll(() => console.log(`fault suite (services) measurements:\n  ${measured.join('\n  ')}`));

async function environment(name: string): Promise<E2eEnv> {
  const env = await e2eEnv(name);
  cleanups.push(() => env.cleanup());
  return env;
}

/** A dev server of the test's own, with a SQLite file, that it can restart on the same port. */
async function ownDevServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-fault-temporal-'));
  const temporalCli = await ensureTemporalCli();
  let server: DevServer = await startDevServer({ dataDir, port: 0, headless: true, temporalCli });
  const port = server.port;
  cleanups.push(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    address: server.address,
    /** Stops the server and starts it again on the same file and port; returns the outage in ms. */
    async restart(): Promise<number> {
      const t0 = Date.now();
      await server.stop();
      server = await startDevServer({ dataDir, port, headless: true, temporalCli });
      return Date.now() - t0;
    },
  };
}

/** Until the developer agent of `env` runs (its cwd is a worktree). */
async function developerRunning(env: E2eEnv, taskId: string): Promise<void> {
  const worktrees = join(env.dir, 'data', 'worktrees');
  await within('the developer to run', 90_000, async () => {
    const s = await env.status(taskId).catch(() => undefined);
    return s?.stage === 'development' && processesWithCwdIn(worktrees).length > 0;
  });
}

describe.concurrent('services going away', () => {
  it('the Temporal dev server restarts while a task waits for an answer: the answer still gets it done', async () => {
    const temporal = await ownDevServer();
    const env = await environment('restart-wait');
    env.env.TEMPORAL_ADDRESS = temporal.address;
    await env.startWorker();
    const task = await env.writeTask('restart-wait', 'Fix the greeting.\n\nfake-agent: ask');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await env.waitForState('restart-wait', ['needs-input']);
    const outage = await temporal.restart();
    const answered = await env.cli(['answer', 'restart-wait', '--text', 'hello']);
    expect(answered.exitCode, answered.stderr).toBe(0);
    const done = await env.waitForState('restart-wait', ['done', 'failed', 'hold'], 120_000);
    expect(done.state, done.detail).toBe('done');
    expect(await commitsOnBranch(env.repoDir, done.branch!)).toBe(1);
    expect((await usageRows(env.env.DATABASE_URL, 'restart-wait')).length).toBe(3);
    measured.push(`dev server restart during a wait: down ${outage} ms`);
  });

  it('the Temporal dev server restarts while an agent runs: the same attempt finishes, nothing runs twice', async () => {
    const temporal = await ownDevServer();
    const env = await environment('restart-stage');
    env.env.TEMPORAL_ADDRESS = temporal.address;
    await env.startWorker();
    const release = join(env.dir, 'release-developer');
    const task = await env.writeTask('restart-stage', `Fix the greeting.\n\nfake-agent: wait-for ${release}`);
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await developerRunning(env, 'restart-stage');
    const outage = await temporal.restart();
    await writeFile(release, 'go\n');
    const done = await env.waitForState('restart-stage', ['done', 'failed', 'hold'], 120_000);
    expect(done.state, done.detail).toBe('done');
    expect(await commitsOnBranch(env.repoDir, done.branch!)).toBe(1);
    const attempts = await activityAttempts(temporal.address, stageWorkflowId('restart-stage', 'development', 1));
    const developer = attempts.filter((a) => a.activityType === 'runDeveloper').map((a) => a.attempt);
    // An outage shorter than the heartbeat timeout (10 s) must not cost a second run; a longer one
    // may (the server cannot tell it from a dead worker), but never more.
    expect(developer).toEqual(outage < 7_000 ? [1] : [expect.any(Number)]);
    expect(developer[0]).toBeLessThanOrEqual(2);
    expect((await usageRows(env.env.DATABASE_URL, 'restart-stage')).length).toBe(2);
    expect(entries(join(env.dir, 'data'), 'worktrees')).toEqual([]);
    measured.push(`dev server restart during development: down ${outage} ms`);
  });

  // SWITCHYARD_TEST_PG=skip is the store suite's switch for machines without PostgreSQL.
  it.skipIf(process.env.SWITCHYARD_TEST_PG === 'skip')(
    'PostgreSQL stops while a stage stores its results: the writes wait for it, nothing is lost',
    async () => {
      const postgres = await startPrivatePostgres();
      cleanups.push(() => postgres.destroy());
      const env = await environment('pg-stop');
      env.env.DATABASE_URL = postgres.url;
      await env.startWorker();
      const release = join(env.dir, 'release-developer');
      const task = await env.writeTask('pg-stop', `Fix the greeting.\n\nfake-agent: wait-for ${release}`);
      expect((await env.cli(['submit', task])).exitCode).toBe(0);
      await developerRunning(env, 'pg-stop');
      await postgres.stop();
      const stoppedAt = Date.now();
      // The agent finishes while the store is down: its transcript, summary, diff and cost must wait.
      await writeFile(release, 'go\n');
      await new Promise((r) => setTimeout(r, 12_000));
      const stillRunning = await env.status('pg-stop');
      expect(stillRunning.state).toBe('running');
      await postgres.start();
      const done = await env.waitForState('pg-stop', ['done', 'failed', 'hold'], 120_000);
      expect(done.state, done.detail).toBe('done');
      expect(await commitsOnBranch(env.repoDir, done.branch!)).toBe(1);
      const rows = await usageRows(postgres.url, 'pg-stop');
      expect(rows.map((r) => r.stage).sort()).toEqual(['analysis', 'development']);
      expect(rows.reduce((s, r) => s + r.costUsd, 0)).toBeCloseTo(done.costUsd, 6);
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        const kinds = await client.query<{ stage: string; kind: string }>(
          'SELECT DISTINCT stage, kind FROM artifacts WHERE task_id = $1',
          ['pg-stop'],
        );
        const dev = kinds.rows.filter((r) => r.stage === 'development').map((r) => r.kind);
        expect(dev).toEqual(expect.arrayContaining(['prompt', 'transcript', 'summary', 'diff']));
        expect(kinds.rows.some((r) => r.stage === 'testing')).toBe(true);
        const events = await client.query<{ kind: string }>('SELECT kind FROM events WHERE task_id = $1', ['pg-stop']);
        expect(events.rows.length).toBeGreaterThan(0);
      } finally {
        await client.end();
      }
      // The development attempt waited for the store instead of failing over to a second run.
      const attempts = await activityAttempts(temporalAddress(), stageWorkflowId('pg-stop', 'development', 1));
      expect(attempts.filter((a) => a.activityType === 'runDeveloper').map((a) => a.attempt)).toEqual([1]);
      measured.push(`PostgreSQL down ${Date.now() - stoppedAt} ms before done`);
    },
  );
});
