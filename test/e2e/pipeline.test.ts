/**
 * The pipeline end to end: the built CLI and a real worker process against the dev server, real git
 * repos, real test runs, and a fake agent CLI (test/fakes/pipeline-agent.mjs) steered by the task body.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../worker/pid.js';
import { e2eEnv, git, type E2eEnv } from '../helpers/e2e.js';
import { recordE2eHistory } from '../replay/record.js';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('pipeline e2e', () => {
  it('(a) question → answer → analysis → development → tests pass → done, branch pushed with the change', async () => {
    env = await e2eEnv('answer');
    await env.startWorker();
    const task = await env.writeTask('greet-ask', 'Fix the greeting.\n\nfake-agent: ask');

    const submitted = await env.cli(['submit', task, '--json']);
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    expect(JSON.parse(submitted.stdout)).toEqual({ taskId: 'greet-ask', workflowId: 'task-greet-ask' });

    const waiting = await env.waitForState('greet-ask', ['needs-input']);
    expect(waiting.questions).toEqual(['Which greeting should greet() return?']);
    const human = await env.cli(['status', 'greet-ask']);
    expect(human.stdout).toContain('switchyard answer greet-ask');

    const early = await env.cli(['resume', 'greet-ask']);
    expect(early.exitCode).toBe(2);
    expect(early.stderr).toMatch(/needs-input/);

    const answered = await env.cli(['answer', 'greet-ask', '--text', 'hello']);
    expect(answered.exitCode, answered.stderr).toBe(0);
    expect(answered.stdout).toContain('answer taken by greet-ask');

    const done = await env.waitForState('greet-ask', ['done', 'failed', 'hold']);
    expect(done.state).toBe('done');
    expect(done.attempts).toMatchObject({ analysis: 2, development: 1, testing: 1 });
    expect(done.branch).toBe('switchyard/greet-ask');
    expect(done.costUsd).toBeCloseTo(0.04, 6);
    expect(done.transitions.map((t) => t.to)).toEqual([
      'analysis',
      'needs-input',
      'analysis',
      'development',
      'testing',
      'done',
    ]);

    // The branch is on the origin repo, holds the agent's change and nothing from .switchyard/.
    const sha = await git(env.repoDir, 'rev-parse', 'refs/heads/switchyard/greet-ask');
    expect(sha).toBe(done.commit);
    expect(await git(env.repoDir, 'show', `${sha}:greet.js`)).toContain('hello, ${name}');
    expect(await git(env.repoDir, 'ls-tree', '-r', '--name-only', sha)).not.toContain('.switchyard');
    expect(await git(env.repoDir, 'rev-parse', 'main')).not.toBe(sha);
    await recordE2eHistory(env.env.TEMPORAL_ADDRESS, 'task-greet-ask', 'e2e-answer-done');
  });

  it('(b) a first fix that fails the tests goes back to development with the report, then passes', async () => {
    env = await e2eEnv('retry');
    await env.startWorker();
    const task = await env.writeTask('greet-retry', 'Fix the greeting.\n\nfake-agent: wrong-first');
    const r = await env.cli(['submit', task, '--wait', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const done = await env.status('greet-retry');
    expect(done.state).toBe('done');
    expect(done.attempts.development).toBe(2);
    expect(done.attempts.testing).toBe(2);
    expect(done.transitions.map((t) => `${t.from}>${t.to}`)).toContain('testing>development');
    expect(done.lastTest?.status).toBe('PASS');
    // The second commit builds on the first.
    const parent = await git(env.repoDir, 'rev-parse', `${done.commit}^`);
    expect(await git(env.repoDir, 'show', `${parent}:greet.js`)).toContain('hallo');
    await recordE2eHistory(env.env.TEMPORAL_ADDRESS, 'task-greet-retry', 'e2e-tests-fail-then-pass');
  });

  it('(c) a missing test command holds the task as an environment problem; fixing config and resuming finishes it', async () => {
    env = await e2eEnv('toolmissing');
    await env.writeConfig(['switchyard-no-such-test-runner', '--run']);
    await env.startWorker();
    const task = await env.writeTask('greet-tool', 'Fix the greeting.');
    const r = await env.cli(['submit', task, '--wait']);
    expect(r.exitCode).toBe(3);
    const held = await env.status('greet-tool');
    expect(held.state).toBe('hold');
    expect(held.stage).toBe('testing');
    expect(held.holdReason).toMatch(/switchyard-no-such-test-runner/);
    expect(held.holdReason).toMatch(/ToolMissing/);
    expect(held.attempts.development).toBe(1);

    await env.writeConfig(['node', '--test']);
    const resumed = await env.cli(['resume', 'greet-tool', '--note', 'installed the runner']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resume taken by greet-tool; testing runs again');
    const done = await env.waitForState('greet-tool', ['done', 'hold', 'failed']);
    expect(done.state).toBe('done');
    expect(done.attempts).toMatchObject({ development: 1, testing: 2 });
    await recordE2eHistory(env.env.TEMPORAL_ADDRESS, 'task-greet-tool', 'e2e-hold-resume');
  });

  it('(d) two tasks on one repo: the second waits in queued; a task waiting for an answer blocks neither', async () => {
    env = await e2eEnv('gate');
    await env.startWorker();
    const release = join(env.dir, 'release-first');
    const asking = await env.writeTask('gate-ask', 'Fix the greeting.\n\nfake-agent: ask');
    const first = await env.writeTask('gate-first', `Fix the greeting.\n\nfake-agent: wait-for ${release}`);
    const second = await env.writeTask('gate-second', 'Fix the greeting.');

    expect((await env.cli(['submit', asking])).exitCode).toBe(0);
    await env.waitForState('gate-ask', ['needs-input']);
    expect((await env.cli(['submit', first])).exitCode).toBe(0);
    // The first holds the gate (it waits inside development) before the second is submitted.
    await waitFor(async () => (await env!.status('gate-first')).stage === 'development', 'gate-first in development');
    expect((await env.cli(['submit', second])).exitCode).toBe(0);
    const queued = await env.waitForState('gate-second', ['queued']);
    expect(queued.stage).toBe('analysis');
    const listed = await env.cli(['list', '--state', 'queued', '--json']);
    expect(JSON.parse(listed.stdout).map((t: { taskId: string }) => t.taskId)).toEqual(['gate-second']);

    await writeFile(release, 'go');
    const doneFirst = await env.waitForState('gate-first', ['done', 'hold', 'failed']);
    expect(doneFirst.state).toBe('done');
    const doneSecond = await env.waitForState('gate-second', ['done', 'hold', 'failed']);
    expect(doneSecond.state).toBe('done');
    // The second's development (which ends with its move to testing) ran only after the first was done.
    const at = (s: typeof doneFirst, to: string) => s.transitions.find((t) => t.to === to)!.at;
    expect(at(doneSecond, 'testing') >= at(doneFirst, 'done')).toBe(true);
    expect((await env.status('gate-ask')).state).toBe('needs-input');
    await env.cli(['answer', 'gate-ask', '--text', 'hello']);
    expect((await env.waitForState('gate-ask', ['done', 'hold', 'failed'])).state).toBe('done');
  });

  it('(e) cancel during a long agent run kills its whole process tree', async () => {
    env = await e2eEnv('cancel');
    await env.startWorker();
    const pidFile = join(env.dir, 'agent-pids');
    const task = await env.writeTask('greet-hang', `Fix the greeting.\n\nfake-agent: hang ${pidFile}`);
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await waitFor(async () => existsSync(pidFile), 'the agent to start its process tree');
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive)).toBe(true);

    const cancelled = await env.cli(['cancel', 'greet-hang']);
    expect(cancelled.exitCode, cancelled.stderr).toBe(0);
    const s = await env.waitForState('greet-hang', ['cancelled']);
    expect(s.stage).toBe('development');
    const listed = await env.cli(['list', '--state', 'cancelled', '--json']);
    expect(JSON.parse(listed.stdout).map((t: { taskId: string }) => t.taskId)).toContain('greet-hang');
    const gone = Date.now() + 20_000;
    while (pids.some(isAlive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
