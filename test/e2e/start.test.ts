/**
 * `switchyard start` as a newcomer runs it: its own dev server, embedded store and worker; the
 * bundled example reaches needs-input, the printed command answers it, `logs` and `cost` read the
 * embedded store, and Ctrl-C stops everything. A `start` killed with SIGKILL mid-run takes its dev
 * server and agents down with it, and the next `start` on the same data dir finishes the task.
 */
import { execa, type ResultPromise } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../workflows/api/index.js';
import { freePorts, isPortFree } from '../../worker/ports.js';
import { isAlive } from '../../worker/pid.js';
import { CLI, e2eEnv } from '../helpers/e2e.js';
import { commitsOnBranch, entries, processesMarkedBy, runningProcessFile, within } from '../helpers/faults.js';
import { processStartTime } from '../../activities/ownership.js';
import { startEmbeddedPostgres } from '../../worker/embedded-pg.js';

const cwd = await mkdtemp(join(tmpdir(), 'switchyard-e2e-start-'));
afterAll(() => rm(cwd, { recursive: true, force: true }));

describe('switchyard start', () => {
  it('runs the example to needs-input, takes an answer to done, serves logs and cost, and stops cleanly', async () => {
    const [port, uiPort] = await freePorts(2);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      SWITCHYARD_LOG_LEVEL: 'ERROR',
    };
    delete env.DATABASE_URL;
    delete env.SWITCHYARD_CONFIG;
    delete env.SWITCHYARD_TASK_QUEUE;
    const start = execa('node', [CLI, 'start', '--port', String(port), '--ui-port', String(uiPort)], {
      cwd,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    let output = '';
    start.all!.on('data', (d: Buffer) => (output += d.toString()));
    const cli = (args: string[]) => execa('node', [CLI, ...args], { cwd, env, extendEnv: false, reject: false });
    const status = async () => JSON.parse((await cli(['status', 'fix-slugify', '--json'])).stdout) as TaskStatus;
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = Date.now() + 120_000;
      while (!(await check().catch(() => false))) {
        if (Date.now() > deadline || start.exitCode !== null)
          throw new Error(`gave up waiting for ${what}; start printed:\n${output}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };

    try {
      await until('the banner', async () => output.includes('Submitted the example task'));
      expect(output).toContain(`http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
      await until('needs-input', async () => (await status()).state === 'needs-input');
      expect(output).toContain('switchyard watch fix-slugify');

      const answered = await cli(['answer', 'fix-slugify', '--text', 'Transliterate them (é → e)']);
      expect(answered.exitCode, answered.stderr).toBe(0);
      await until('done', async () => (await status()).state === 'done');
      const done = await status();
      expect(done.branch).toBe('switchyard/fix-slugify');

      const logs = await cli(['logs', 'fix-slugify', '--kind', 'analysis']);
      expect(logs.exitCode, logs.stderr).toBe(0);
      expect(logs.stdout).toMatch(/=== analysis #2 · analysis/);
      expect(logs.stdout.toLowerCase()).toContain('translit');

      const cost = await cli(['cost', '--json']);
      expect(cost.exitCode, cost.stderr).toBe(0);
      const row = (JSON.parse(cost.stdout) as { rows: { group: string; costUsd: number }[] }).rows[0];
      expect(row.group).toBe('fix-slugify');
      expect(row.costUsd).toBeCloseTo(done.costUsd, 6);
    } finally {
      start.kill('SIGINT');
    }
    const ended = await start;
    expect(ended.exitCode, output).toBe(0);
    expect(output).toContain('stopped');
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('switchyard start killed with SIGKILL', () => {
  it('leaves nothing that stops the next start on the same data dir, which finishes the task', async () => {
    const env = await e2eEnv('start-kill');
    try {
      const [port, uiPort] = await freePorts(2);
      const dataDir = join(env.dir, 'data');
      // The embedded store (empty DATABASE_URL) and its own dev server, on the env's repo and fake agent.
      Object.assign(env.env, { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DATABASE_URL: '' });
      const args = [CLI, 'start', '--port', String(port), '--ui-port', String(uiPort), '--config', env.configPath];
      const launch = () => {
        const p = execa('node', args, { cwd: env.dir, env: env.env, reject: false, all: true });
        const out = { text: '' };
        p.all!.on('data', (d: Buffer) => (out.text += d.toString()));
        return { p, out };
      };
      const running = async (s: { p: ResultPromise; out: { text: string } }) =>
        within('the banner', 120_000, () => {
          if (s.p.exitCode !== null) throw new Error(`start exited: ${s.out.text}`);
          return s.out.text.includes('Switchyard is running.');
        });

      const first = launch();
      await running(first);
      const owner = `o${first.p.pid}-${processStartTime(first.p.pid!)}`;
      const marker = join(env.dir, 'developer.json');
      const task = await env.writeTask('start-kill', `Fix the greeting.\n\nfake-agent: stall-developer ${marker}`);
      const submitted = await env.cli(['submit', task]);
      expect(submitted.exitCode, submitted.stderr).toBe(0);
      const agent = await runningProcessFile(marker);
      const server = (JSON.parse(readFileSync(join(dataDir, 'dev-server.pid'), 'utf8')) as { pid: number }).pid;
      expect(isAlive(server)).toBe(true);

      first.p.kill('SIGKILL');
      await first.p;
      // The dev server, the agent and its child go down with it.
      await within(
        'the dev server and the agent to end',
        5_000,
        () => [server, agent.pid, agent.child].every((pid) => !isAlive(pid)) && processesMarkedBy(owner).length === 0,
      );
      expect(await isPortFree(port)).toBe(true);

      const second = launch();
      try {
        await running(second);
        const done = await env.waitForState('start-kill', ['done', 'failed', 'hold'], 120_000);
        expect(done.state, done.detail).toBe('done');
        expect(await commitsOnBranch(env.repoDir, done.branch!)).toBe(1);
        expect(entries(dataDir, 'worktrees')).toEqual([]);
        expect(second.out.text).toContain(`reaped what stopped workers left (${owner})`);
      } finally {
        second.p.kill('SIGINT');
      }
      const ended = await second.p;
      expect(ended.exitCode, second.out.text).toBe(0);
      expect(await isPortFree(port)).toBe(true);
    } finally {
      await env.cleanup();
    }
  });
});

describe('the embedded store lock of a start that was killed', () => {
  it('does not hold when its pid now belongs to another process (pid and start time, not pid alone)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchyard-pg-lock-'));
    try {
      // A live pid (this one) with another start time: a recycled pid, not the start that wrote it.
      const stale = { pid: process.pid, pidStart: (processStartTime(process.pid) ?? 0) + 1, url: null, startedAt: '' };
      writeFileSync(join(dataDir, 'pg.json'), JSON.stringify(stale));
      const pg = await startEmbeddedPostgres({ dataDir });
      await pg.stop();
      // The same record with the right start time does hold.
      writeFileSync(join(dataDir, 'pg.json'), JSON.stringify({ ...stale, pidStart: stale.pidStart - 1 }));
      await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/already served by this process/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
