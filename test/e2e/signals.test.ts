/**
 * After `answer`, `resume`, `pause` or `unpause` the CLI waits for the workflow to take the signal or
 * ignore it, and says which: the built CLI, a real worker process, real git, the fake agent.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_BY_CHARS, MAX_MESSAGE_CHARS } from '../../workflows/messages.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('signals through the CLI', () => {
  it('an answer the workflow would ignore is refused before it is sent (exit 2, naming the field); a good one is taken', async () => {
    env = await e2eEnv('sig-answer');
    await env.startWorker();
    const task = await env.writeTask('sig-ask', 'Fix the greeting.\n\nfake-agent: ask');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await env.waitForState('sig-ask', ['needs-input']);

    // The task is needs-input, but the payload fails the workflow's own schema: the CLI checks it first.
    const refused = await env.cli(['answer', 'sig-ask', '--text', 'hello', '--by', 'x'.repeat(MAX_BY_CHARS + 1)]);
    expect(refused.exitCode, refused.stdout).toBe(2);
    expect(refused.stderr).toContain(`cannot answer: by: is longer than ${MAX_BY_CHARS} characters`);
    expect(refused.stdout).toBe('');
    const still = await env.status('sig-ask');
    expect(still.state).toBe('needs-input');
    // Nothing was sent: nothing is recorded as ignored.
    expect(still.ignoredSignals).toEqual([]);

    const answered = await env.cli(['answer', 'sig-ask', '--text', 'hello']);
    expect(answered.exitCode, answered.stderr).toBe(0);
    expect(answered.stdout).toContain('answer taken by sig-ask; analysis runs again with it.');
    // Taken means the workflow has moved on: no status taken afterwards shows it waiting.
    expect((await env.status('sig-ask')).state).not.toBe('needs-input');
    expect((await env.waitForState('sig-ask', ['done', 'failed', 'hold'])).state).toBe('done');
  });

  it('pause and unpause are reported taken; a resume the workflow would ignore is refused before sending', async () => {
    env = await e2eEnv('sig-pause');
    await env.startWorker();
    const release = join(env.dir, 'release-developer');
    const task = await env.writeTask('sig-park', `Fix the greeting.\n\nfake-agent: wait-for ${release}`);
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await env.waitForState('sig-park', ['running']);

    const paused = await env.cli(['pause', 'sig-park', '--note', 'lunch']);
    expect(paused.exitCode, paused.stderr).toBe(0);
    expect(paused.stdout).toContain('pause taken by sig-park; it stops at the next stage boundary.');
    expect((await env.status('sig-park')).paused).toBe(true);

    await writeFile(release, 'go\n');
    const parked = await env.waitForState('sig-park', ['hold', 'done', 'failed']);
    expect(parked.holdReason).toMatch(/paused by an operator/);

    const tooLong = await env.cli(['resume', 'sig-park', '--note', 'n'.repeat(MAX_MESSAGE_CHARS + 1)]);
    expect(tooLong.exitCode, tooLong.stdout).toBe(2);
    expect(tooLong.stderr).toContain(`cannot resume: note: is longer than ${MAX_MESSAGE_CHARS} characters`);
    expect((await env.status('sig-park')).state).toBe('hold');

    const unpaused = await env.cli(['unpause', 'sig-park']);
    expect(unpaused.exitCode, unpaused.stderr).toBe(0);
    expect(unpaused.stdout).toContain('unpause taken by sig-park; it goes on.');
    expect((await env.waitForState('sig-park', ['done', 'failed', 'hold'])).state).toBe('done');
  });

  it('with the worker gone the answer is sent but not applied yet: exit 0, and it is taken once a worker runs', async () => {
    env = await e2eEnv('sig-noworker');
    const worker = await env.startWorker();
    const task = await env.writeTask('sig-later', 'Fix the greeting.\n\nfake-agent: ask');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    await env.waitForState('sig-later', ['needs-input']);
    worker.kill('SIGKILL');
    await worker.exited;

    const started = performance.now();
    const sent = await env.cli(['answer', 'sig-later', '--text', 'hello']);
    // Bounded: at once when no worker is listed, else after the wait (about 10 s).
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(sent.exitCode, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^answer sent to sig-later but not applied yet \(no worker/);
    expect(sent.stdout).toContain('Temporal keeps it');

    await env.startWorker();
    const done = await env.waitForState('sig-later', ['done', 'failed', 'hold']);
    expect(done.state).toBe('done');
    expect(done.rounds[0]).toMatchObject({ answer: 'hello' });
  });
});
