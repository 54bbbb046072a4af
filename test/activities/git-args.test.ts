/**
 * Argument safety at every git call site in activities/git.ts, in two layers:
 * 1. the public functions refuse a hostile URL, ref, branch or SHA (non-retryable ConfigInvalid)
 *    before any git runs;
 * 2. each argv builder (`gitArgv`) keeps a hostile value an operand even if it got past layer 1:
 *    real git runs it and no option takes effect. Where an option would run a command, the same
 *    argv without the separator is run too and does create the marker file, so the check can fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cacheDirFor,
  commitAll,
  commitMessage,
  gitArgv,
  prepareWorktree,
  pushBranch,
  remoteBranchTip,
  removeWorktree,
  resolveRepo,
} from '../../activities/git.js';
import type { Config } from '../../activities/config-schema.js';
import { gitIn, makeConfig, makeRepo, removeAll, tempDir } from './fixtures.js';

const origin = makeRepo({ 'a.txt': 'a\n' });
const head = gitIn(origin, 'rev-parse', 'HEAD');
const dataDir = tempDir('git-args-data');
const scratch = tempDir('git-args-scratch');
afterAll(() => removeAll([origin, dataDir, scratch]));

/** Every file named PWNED* under the test's directories (and the cwd). */
function markers(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 8 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('PWNED')) found.push(join(dir, e.name));
      if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
    }
  };
  for (const d of [origin, dataDir, scratch]) walk(d, 0);
  if (existsSync(join(process.cwd(), 'PWNED'))) found.push(join(process.cwd(), 'PWNED'));
  return found;
}

async function refused(p: Promise<unknown>, field: RegExp): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const f = err as ApplicationFailure;
  expect(f.type).toBe('ConfigInvalid');
  expect(f.nonRetryable).toBe(true);
  expect(f.message).toMatch(field);
  return f;
}

/** Runs git with `args` in `cwd`; never throws. */
function rawGit(cwd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const withoutSeparator = (argv: string[]): string[] => argv.filter((a) => a !== '--' && a !== '--end-of-options');

function bareCache(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '--bare', '--quiet', dir]);
  return dir;
}

const HOSTILE_URLS = [
  `--upload-pack=touch ${join(scratch, 'PWNED-url')};x@y:`,
  '--upload-pack=touch${IFS}PWNED;x@y:',
  'ext::sh -c touch% PWNED',
  'fd::3',
  'git@host:repo;touch PWNED',
  `/srv/$(touch PWNED)`,
  'svn://host/x',
];
const HOSTILE_REFS = [
  '--upload-pack=touch PWNED',
  '-b',
  'main;touch PWNED',
  '$(touch PWNED)',
  '`touch PWNED`',
  'main\ntouch PWNED',
  "it's",
];

describe('layer 1: the public functions refuse hostile values before git runs', () => {
  it.each(HOSTILE_URLS)('prepareWorktree refuses the URL %j (fetch, init, worktree add)', async (url) => {
    await refused(prepareWorktree(url, 'main', { dataDir }), /repo location .*refused/);
    expect(existsSync(cacheDirFor(dataDir, url))).toBe(false);
    expect(markers()).toEqual([]);
  });

  it.each(HOSTILE_REFS)('prepareWorktree refuses the ref %j (rev-parse, fetch by SHA)', async (ref) => {
    await refused(prepareWorktree(origin, ref, { dataDir }), /is not a valid branch, tag or commit/);
    expect(markers()).toEqual([]);
  });

  it('pushBranch refuses a hostile URL, branch or expected tip (check-ref-format, push)', async () => {
    const wt = await prepareWorktree(origin, 'main', { dataDir });
    try {
      writeFileSync(join(wt.dir, 'b.txt'), 'b\n');
      await commitAll(wt.dir, 'b');
      for (const url of HOSTILE_URLS) {
        await refused(pushBranch(wt.dir, url, 'switchyard/x', { expectedTip: null }), /repo location .*refused/);
      }
      for (const branch of ['--force', '-d', 'x;touch PWNED', 'a/-b', '$(touch PWNED)']) {
        await refused(pushBranch(wt.dir, origin, branch, { expectedTip: null }), /branch .* refused/);
      }
      for (const tip of ['--force', 'main', 'HEAD~1', `${head.slice(0, 39)};`]) {
        await refused(pushBranch(wt.dir, origin, 'switchyard/x', { expectedTip: tip }), /not a full commit SHA/);
      }
      expect(gitIn(origin, 'branch', '--list', 'switchyard/*')).toBe('');
      expect(markers()).toEqual([]);
    } finally {
      await removeWorktree(wt);
    }
  });

  it('remoteBranchTip and commitMessage refuse hostile branches and SHAs (rev-parse, cat-file)', async () => {
    const wt = await prepareWorktree(origin, 'main', { dataDir });
    try {
      for (const branch of ['--all', '-x', 'a;b', '$(x)']) {
        await refused(remoteBranchTip(wt, branch), /branch .* refused/);
      }
      for (const sha of ['--batch', '-p', 'HEAD', 'main', `${head}\n`]) {
        await refused(commitMessage(wt, sha), /not a full commit SHA/);
      }
      expect(await commitMessage(wt, head)).toBe('initial\n');
    } finally {
      await removeWorktree(wt);
    }
  });

  it('resolveRepo refuses a hostile URL in an edited config or from the task (before any git call)', () => {
    const good = makeConfig({ repos: { app: { url: origin } } });
    for (const url of HOSTILE_URLS) {
      // As if the config file had been edited after submit: the schema would refuse it, so bypass it.
      const edited: Config = { ...good, repos: { app: { ...good.repos.app, url } } };
      expect(() => resolveRepo(edited, 'app')).toThrow(ApplicationFailure);
      try {
        resolveRepo(edited, 'app');
      } catch (err) {
        expect((err as ApplicationFailure).type).toBe('ConfigInvalid');
        expect((err as ApplicationFailure).nonRetryable).toBe(true);
        expect((err as Error).message).toMatch(/repos\.app\.url in the config refused/);
      }
    }
    for (const url of ['--upload-pack=touch${IFS}PWNED;x@y:', 'ext::sh -c x', 'https://h/$(x)']) {
      expect(() => resolveRepo(good, url)).toThrow(/refused|not in config\.repos/);
    }
    expect(markers()).toEqual([]);
  });
});

describe('layer 2: each git argv keeps a hostile value an operand', () => {
  const upload = (name: string) => `--upload-pack=touch ${join(scratch, name)};false`;

  it('init --bare -- <dir>', () => {
    const cwd = join(scratch, 'init');
    mkdirSync(cwd);
    // A template whose files git would copy into the new repository if the value were --template.
    const template = join(scratch, 'template');
    mkdirSync(template);
    writeFileSync(join(template, 'TEMPLATE-MARK'), 'x\n');
    const evil = `--template=${template}`;
    const r = rawGit(cwd, gitArgv.initBare(evil));
    expect(r.status, r.out).toBe(0);
    // The value named a directory (nested, as it holds slashes); it did not become --template.
    expect(existsSync(join(cwd, evil, 'HEAD'))).toBe(true);
    expect(existsSync(join(cwd, evil, 'TEMPLATE-MARK'))).toBe(false);
    expect(existsSync(join(cwd, 'TEMPLATE-MARK'))).toBe(false);
    // Control: without "--" the value is the option (the cwd becomes a repo from the template).
    const control = join(scratch, 'init-control');
    mkdirSync(control);
    expect(rawGit(control, withoutSeparator(gitArgv.initBare(evil))).status).toBe(0);
    expect(existsSync(join(control, 'TEMPLATE-MARK'))).toBe(true);
  });

  it('fetch -- <url> (the cache refresh)', () => {
    const cache = bareCache('fetch-all');
    const r = rawGit(cache, gitArgv.fetchAll(upload('PWNED-fetch')));
    expect(r.status).not.toBe(0);
    expect(markers()).toEqual([]);
    // Control: without "--" the same value runs the command.
    rawGit(cache, withoutSeparator(gitArgv.fetchAll(upload('PWNED-fetch'))));
    expect(existsSync(join(scratch, 'PWNED-fetch'))).toBe(true);
    removeAll([join(scratch, 'PWNED-fetch')]);
    // And a good URL still fetches.
    expect(rawGit(cache, gitArgv.fetchAll(origin)).status).toBe(0);
  });

  it('fetch -- <url> <sha> (a commit no branch points at)', () => {
    const cache = bareCache('fetch-sha');
    const r = rawGit(cache, gitArgv.fetchCommit(upload('PWNED-sha'), head));
    expect(r.status).not.toBe(0);
    expect(markers()).toEqual([]);
    rawGit(cache, withoutSeparator(gitArgv.fetchCommit(upload('PWNED-sha'), origin)));
    expect(existsSync(join(scratch, 'PWNED-sha'))).toBe(true);
    removeAll([join(scratch, 'PWNED-sha')]);
    expect(rawGit(cache, gitArgv.fetchCommit(origin, head)).status).toBe(0);
  });

  it('rev-parse --verify --end-of-options <rev> (resolving refs, remoteBranchTip)', () => {
    for (const rev of ['--all', '--git-dir', '--show-toplevel', '-q']) {
      const r = rawGit(origin, gitArgv.verifyCommit(rev));
      expect(r.status).not.toBe(0);
      expect(r.out.trim()).toBe('');
    }
    expect(rawGit(origin, gitArgv.verifyCommit('main')).out.trim()).toBe(head);
  });

  it('worktree add -- <dir> <commit>', () => {
    const cache = bareCache('worktrees');
    expect(rawGit(cache, gitArgv.fetchAll(origin)).status).toBe(0);
    const cwd = join(scratch, 'wt-cwd');
    mkdirSync(cwd);
    // "--lock" is a path here: the worktree exists there and is not locked.
    const r = rawGit(cwd, ['-C', cache, ...gitArgv.worktreeAdd(join(cwd, '--lock'), head)]);
    expect(r.status, r.out).toBe(0);
    expect(existsSync(join(cwd, '--lock', 'a.txt'))).toBe(true);
    expect(rawGit(cache, ['worktree', 'list', '--porcelain']).out).not.toMatch(/^locked/m);
  });

  it('push --force-with-lease=… -- <url> <refspec>', async () => {
    const wt = await prepareWorktree(origin, 'main', { dataDir });
    try {
      writeFileSync(join(wt.dir, 'p.txt'), 'p\n');
      await commitAll(wt.dir, 'p');
      const receive = `--receive-pack=touch ${join(scratch, 'PWNED-push')};false`;
      const r = rawGit(wt.dir, gitArgv.push(receive, 'switchyard/args', null));
      expect(r.status).not.toBe(0);
      expect(markers()).toEqual([]);
      // Control: the same value in option position (before a URL) runs the command.
      rawGit(wt.dir, ['push', '--quiet', receive, origin, 'HEAD:refs/heads/switchyard/args']);
      expect(existsSync(join(scratch, 'PWNED-push'))).toBe(true);
      removeAll([join(scratch, 'PWNED-push')]);
      // A branch that looks like an option stays inside the lease and the refspec, after "--".
      const argv = gitArgv.push(origin, '--force', null);
      expect(argv).not.toContain('--force');
      expect(argv.slice(argv.indexOf('--'))).toEqual(['--', origin, 'HEAD:refs/heads/--force']);
      expect(gitIn(origin, 'branch', '--list', 'switchyard/*')).toBe('');
    } finally {
      await removeWorktree(wt);
    }
  });

  it('cat-file commit <sha> (commitMessage)', () => {
    for (const sha of ['--batch', '-p', '--textconv']) {
      const r = rawGit(origin, gitArgv.catCommit(sha));
      expect(r.status).not.toBe(0);
    }
    expect(rawGit(origin, gitArgv.catCommit(head)).out).toMatch(/^tree [0-9a-f]{40}\n/);
  });
});
