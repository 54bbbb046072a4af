/**
 * A job platform's patch goes to `git apply` on stdin, in a fresh worktree: what it may touch is what
 * git allows. Paths that climb out of the tree or into .git are refused with git's words, shell text in
 * a file name is only a name, and nothing outside the worktree changes.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPatch } from '../../activities/git.js';

let root: string;
let repo: string;
const git = (...args: string[]) => execa('git', args, { cwd: repo }).then((r) => r.stdout);

/** A patch that creates `path` with one line. */
const creating = (path: string, line: string) =>
  [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    '--- /dev/null',
    `+++ b/${path}`,
    '@@ -0,0 +1 @@',
    `+${line}`,
    '',
  ].join('\n');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'switchyard-apply-'));
  repo = join(root, 'repo');
  await execa('git', ['init', '-q', '-b', 'main', repo]);
  await writeFile(join(repo, 'greet.js'), 'export const greet = () => "helo";\n');
  await git('add', '-A');
  await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'initial');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('applyPatch', () => {
  it('applies a patch as git diff prints it, three-way', async () => {
    await writeFile(join(repo, 'greet.js'), 'export const greet = () => "hello";\n');
    const patch = `${await git('diff')}\n`;
    await git('checkout', '--', 'greet.js');
    expect(await applyPatch(repo, patch)).toEqual({ ok: true });
    expect(await readFile(join(repo, 'greet.js'), 'utf8')).toContain('"hello"');
    await git('reset', '-q', '--hard');
  });

  it('refuses paths outside the worktree and inside .git, with git’s message', async () => {
    for (const path of ['../escape.txt', '.git/hooks/post-checkout']) {
      const r = await applyPatch(repo, creating(path, 'touch PWNED'));
      expect(r.ok, path).toBe(false);
      expect(r.ok ? '' : r.message).toMatch(/error: /);
    }
    expect(existsSync(join(root, 'escape.txt'))).toBe(false);
    expect(existsSync(join(repo, '.git', 'hooks', 'post-checkout'))).toBe(false);
  });

  it('refuses to write through a symlink the same patch adds', async () => {
    const link = [
      'diff --git a/link b/link',
      'new file mode 120000',
      '--- /dev/null',
      '+++ b/link',
      '@@ -0,0 +1 @@',
      `+${root}`,
      '\\ No newline at end of file',
      '',
    ].join('\n');
    const r = await applyPatch(repo, link + creating('link/escape.txt', 'touch PWNED'));
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(/beyond a symbolic link|error: /);
    expect(existsSync(join(root, 'escape.txt'))).toBe(false);
    await git('reset', '-q', '--hard');
    await git('clean', '-qfd');
  });

  it('shell text in a file name is only a name; a patch that does not apply says where', async () => {
    const r = await applyPatch(repo, creating('$(touch PWNED);`id`.txt', 'x'));
    expect(r).toEqual({ ok: true });
    expect(existsSync(join(repo, '$(touch PWNED);`id`.txt'))).toBe(true);
    expect(existsSync(join(repo, 'PWNED'))).toBe(false);
    await git('reset', '-q', '--hard');
    await git('clean', '-qfd');
    const stale = [
      '--- a/greet.js',
      '+++ b/greet.js',
      '@@ -1 +1 @@',
      '-export const greet = () => "howdy";',
      '+x',
      '',
    ].join('\n');
    const bad = await applyPatch(repo, stale);
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.message).toMatch(/greet\.js: patch does not apply|patch failed: greet\.js/);
  });
});
