/**
 * A task id is not reused silently, a rerun gets a branch of its own, and the CLI answers from
 * Temporal's own record when no worker does: the built CLI, real worker processes, real git.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchyardClient } from '../../client/switchyard-client.js';
import { e2eEnv, git, type E2eEnv } from '../helpers/e2e.js';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

describe('task ids', () => {
  it('a finished id is refused without --rerun; a rerun pushes to its own branch and leaves the first alone', async () => {
    env = await e2eEnv('rerun');
    await env.startWorker();
    const task = await env.writeTask('again', 'Fix the greeting.');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const first = await env.waitForState('again', ['done', 'failed', 'hold']);
    expect(first).toMatchObject({ state: 'done', branch: 'switchyard/again' });

    // A person builds on the finished branch; nothing Switchyard does later may replace that.
    await git(env.repoDir, 'checkout', '-q', 'switchyard/again');
    await git(env.repoDir, '-c', 'user.name=P', '-c', 'user.email=p@x', 'commit', '-q', '--allow-empty', '-m', 'mine');
    const personal = await git(env.repoDir, 'rev-parse', 'HEAD');
    await git(env.repoDir, 'checkout', '-q', 'main');

    const again = await env.writeTask('again', 'Fix the greeting once more.', { title: 'Second go' });
    const refused = await env.cli(['submit', again]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('task again already ran (done, branch switchyard/again)');
    expect(refused.stderr).toContain('switchyard submit --rerun');
    expect(refused.stderr).toContain('switchyard/again.run-2');
    expect((await env.status('again')).title).toBe('Greeting task again');

    const rerun = await env.cli(['submit', again, '--rerun']);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('rerun 2: pushes to switchyard/again.run-2');
    const second = await env.waitForState('again', ['done', 'failed', 'hold']);
    expect(second).toMatchObject({ state: 'done', title: 'Second go', branch: 'switchyard/again.run-2' });
    expect(await git(env.repoDir, 'rev-parse', 'switchyard/again')).toBe(personal);
    expect(await git(env.repoDir, 'rev-parse', `${second.commit}^`)).toBe(await git(env.repoDir, 'rev-parse', 'main'));

    // The second run's records did not replace the first's: two development transcripts, two rows each run.
    const logs = await env.cli(['logs', 'again', '--stage', 'development', '--kind', 'transcript', '--json']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    expect((JSON.parse(logs.stdout) as { artifacts: unknown[] }).artifacts).toHaveLength(2);
  });

  it('status and answer take at most a second when no worker runs, and say so; the answer is kept', async () => {
    env = await e2eEnv('noworker');
    const worker = await env.startWorker();
    const task = await env.writeTask('asks', 'Fix the greeting.\n\nfake-agent: ask');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await env.waitForState('asks', ['needs-input']);
    worker.kill('SIGKILL');
    await worker.exited;

    const client = await SwitchyardClient.connect({ env: env.env });
    try {
      const status = await timed(() => client.status('asks'));
      expect(status.ms).toBeLessThan(1000);
      expect(status.value).toMatchObject({
        state: 'needs-input',
        questions: ['Which greeting should greet() return?'],
      });
      expect(status.value.queryError).toMatch(/^no worker/);
      const answer = await timed(() => client.answer('asks', { text: 'hello' }));
      expect(answer.ms).toBeLessThan(1000);
      const list = await timed(() => client.list({}));
      expect(list.ms).toBeLessThan(1000);
      expect(list.value.find((r) => r.taskId === 'asks')).toMatchObject({ state: 'needs-input' });
    } finally {
      await client.close();
    }
    const cli = await env.cli(['status', 'asks']);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toMatch(/no worker/);

    await env.startWorker();
    const done = await env.waitForState('asks', ['done', 'failed', 'hold']);
    expect(done.state).toBe('done');
    expect(done.rounds[0]).toMatchObject({ answer: 'hello' });
  });
});
