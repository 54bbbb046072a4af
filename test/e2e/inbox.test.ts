/**
 * Inbox intake end to end: the built CLI's `inbox` watcher and a real worker. Files dropped into the
 * folder are submitted once, bad ones rejected with their problems, finished ones written to done/ with
 * the outcome; a watcher killed with SIGKILL mid-way and started again loses nothing and submits nothing
 * twice, and a file a crash left in submitted/ before its submit is submitted on the next start.
 */
import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, e2eEnv, type E2eEnv } from '../helpers/e2e.js';

let env: E2eEnv;
let inbox: string;
const watchers: { p: ResultPromise; out: () => string }[] = [];

function task(id: string, body = 'Fix the greeting.', extra: Record<string, string> = {}): string {
  const front = { id, repo: env.repoName, title: `Inbox task ${id}`, ...extra };
  return `---\n${Object.entries(front)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n')}\n---\n${body}\n`;
}

function startWatcher() {
  const p = execa('node', [CLI, 'inbox', inbox, '--interval', '0.3'], {
    env: env.env,
    cwd: env.dir,
    reject: false,
    all: true,
  });
  let out = '';
  p.all?.on('data', (d: Buffer) => (out += d.toString()));
  const w = { p, out: () => out };
  watchers.push(w);
  return w;
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ls = async (sub = '') =>
  (await readdir(join(inbox, sub), { withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();

beforeAll(async () => {
  env = await e2eEnv('inbox');
  await appendFile(env.configPath, 'notifications:\n  webUi: http://localhost:8233\n');
  inbox = join(env.dir, 'inbox');
  await env.startWorker();
}, 120_000);

afterAll(async () => {
  for (const w of watchers) w.p.kill('SIGKILL');
  await Promise.allSettled(watchers.map((w) => w.p));
  await env?.cleanup();
});

describe('switchyard inbox', () => {
  it('submits each file once through a SIGKILL and a restart; rejects bad ones; writes the outcome', async () => {
    const release = join(env.dir, 'release-a');
    // A crash left this one in submitted/ after the move and before the submit.
    await mkdir(join(inbox, 'submitted'), { recursive: true });
    await writeFile(join(inbox, 'submitted', 'left.md'), task('inbox-left'));
    await writeFile(join(inbox, 'a.md'), task('inbox-a', `Fix the greeting.\n\nfake-agent: wait-for ${release}`));
    await writeFile(join(inbox, 'bad.md'), task('inbox-bad', 'Fix it.', { repo: 'nowhere' }));
    await writeFile(join(inbox, 'notes.txt'), 'not a task file');

    const first = startWatcher();
    await waitFor(() => first.out().includes('submitted a.md'), 'the first watcher to submit a.md');
    first.p.kill('SIGKILL');
    await first.p;

    const second = startWatcher();
    await writeFile(release, '');
    await waitFor(async () => (await ls('done')).length === 2, 'both tasks in done/');
    await waitFor(async () => (await ls('submitted')).length === 0, 'submitted/ to empty');

    // Each file was submitted exactly once, across both watchers.
    const logs = first.out() + second.out();
    expect(logs.match(/submitted a\.md as task inbox-a/g)).toHaveLength(1);
    expect(logs.match(/submitted left\.md as task inbox-left/g)).toHaveLength(1);
    expect(logs).toContain(
      'left.md: task inbox-left was never started (the watcher stopped in between); submitting it now',
    );

    const done = await readFile(join(inbox, 'done', 'a.md'), 'utf8');
    const status = await env.status('inbox-a');
    expect(done.startsWith(task('inbox-a', `Fix the greeting.\n\nfake-agent: wait-for ${release}`))).toBe(true);
    expect(done).toContain('<!-- switchyard: the outcome of task inbox-a -->');
    for (const fact of [
      '- state: done',
      '- provider: fake',
      '- branch: `switchyard/inbox-a`',
      `- commit: \`${status.commit!.slice(0, 10)}\``,
      '- Web UI: http://localhost:8233/namespaces/default/workflows/task-inbox-a',
    ])
      expect(done).toContain(fact);
    expect(done).toMatch(/- cost: \$0\.\d+/);

    const rejected = await readFile(join(inbox, 'rejected', 'bad.md'), 'utf8');
    expect(rejected).toContain('<!-- switchyard: rejected -->');
    expect(rejected).toMatch(/- repo: no repo named "nowhere" in the config/);
    expect(await ls()).toEqual(['notes.txt']);

    // A second file with a task id that already ran is rejected, not run again.
    await writeFile(join(inbox, 'again.md'), task('inbox-a'));
    await waitFor(() => existsSync(join(inbox, 'rejected', 'again.md')), 'again.md in rejected/');
    expect(await readFile(join(inbox, 'rejected', 'again.md'), 'utf8')).toContain(
      'task id inbox-a already exists (done): give the file a new id, or run it again with `switchyard submit --rerun`',
    );
    expect((await env.status('inbox-a')).transitions.filter((t) => t.from === 'submitted')).toHaveLength(1);

    // A second a.md (another task) finishes beside the first result, not over it.
    await writeFile(join(inbox, 'a.md'), task('inbox-a2'));
    await waitFor(() => existsSync(join(inbox, 'done', 'a.inbox-a2.md')), 'the second a.md in done/');
    expect(await readFile(join(inbox, 'done', 'a.md'), 'utf8')).toContain('task inbox-a -->');

    // Submitted once (marked), and Temporal no longer knows the task: reported, never run again.
    await writeFile(join(inbox, 'submitted', '.gone.md.started'), 'task-inbox-gone');
    await writeFile(join(inbox, 'submitted', 'gone.md'), task('inbox-gone'));
    await waitFor(() => existsSync(join(inbox, 'failed', 'gone.md')), 'gone.md in failed/');
    expect(await readFile(join(inbox, 'failed', 'gone.md'), 'utf8')).toContain('Temporal no longer has the task');
    await expect(env.status('inbox-gone')).rejects.toThrow();

    second.p.kill('SIGTERM');
    expect((await second.p).exitCode).toBe(0);
  });
});
