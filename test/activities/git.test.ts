import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cacheDirFor,
  commitAll,
  commitMessage,
  prepareWorktree,
  pushBranch,
  remoteBranchTip,
  removeWorktree,
  resolveRepo,
} from '../../activities/git.js';
import { commitFiles, gitIn, makeConfig, makeRepo, removeAll, tempDir } from './fixtures.js';

const origin = makeRepo({ 'src/app.js': 'export const v = 1;\n' });
const firstCommit = gitIn(origin, 'rev-parse', 'HEAD');
gitIn(origin, 'branch', 'feature');
const mainCommit = commitFiles(origin, { 'src/app.js': 'export const v = 2;\n' }, 'second');
const dataDir = tempDir('git-data');
afterAll(() => removeAll([origin, dataDir]));

const failureOf = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
};

describe('git worktrees', () => {
  it('prepares a worktree at a branch and at a commit SHA, and removes it', async () => {
    const atMain = await prepareWorktree(origin, 'main', { dataDir });
    const atSha = await prepareWorktree(origin, firstCommit, { dataDir });
    const atFeature = await prepareWorktree(origin, 'feature', { dataDir });
    try {
      expect(atMain.commit).toBe(mainCommit);
      expect(readFileSync(join(atMain.dir, 'src/app.js'), 'utf8')).toContain('v = 2');
      expect(atSha.commit).toBe(firstCommit);
      expect(readFileSync(join(atSha.dir, 'src/app.js'), 'utf8')).toContain('v = 1');
      expect(atFeature.commit).toBe(firstCommit);
      expect(atMain.dir.startsWith(join(dataDir, 'worktrees'))).toBe(true);
      expect(atMain.cacheDir).toBe(cacheDirFor(dataDir, origin));
      expect(readFileSync(join(atMain.cacheDir, 'info', 'exclude'), 'utf8')).toContain('/.switchyard/');
    } finally {
      await removeWorktree(atMain);
      await removeWorktree(atSha.dir);
      await removeWorktree(atFeature);
    }
    expect(existsSync(atMain.dir)).toBe(false);
    expect(existsSync(atSha.dir)).toBe(false);
    expect(gitIn(atMain.cacheDir, 'worktree', 'list')).not.toContain(atMain.dir);
    await removeWorktree(atMain); // twice is fine
  });

  it('a commit the cache already holds needs no fetch; one it lacks is fetched', async () => {
    const repo = makeRepo({ 'a.txt': 'a\n' });
    const moved = `${repo}-away`;
    try {
      const first = gitIn(repo, 'rev-parse', 'HEAD');
      await removeWorktree(await prepareWorktree(repo, 'main', { dataDir }));
      const later = commitFiles(repo, { 'a.txt': 'b\n' }, 'later');
      renameSync(repo, moved);
      // The origin is gone: only the cache can answer, and it does for a commit it holds.
      const cached = await prepareWorktree(repo, first, { dataDir });
      expect(cached.commit).toBe(first);
      await removeWorktree(cached);
      await expect(prepareWorktree(repo, later, { dataDir })).rejects.toThrow();
      renameSync(moved, repo);
      const fetched = await prepareWorktree(repo, later, { dataDir });
      expect(readFileSync(join(fetched.dir, 'a.txt'), 'utf8')).toBe('b\n');
      await removeWorktree(fetched);
      expect(gitIn(fetched.cacheDir, 'worktree', 'list', '--porcelain')).not.toContain(fetched.dir);
      expect(readdirSync(join(fetched.cacheDir, 'worktrees'))).toEqual([]);
    } finally {
      if (existsSync(moved)) renameSync(moved, repo);
      removeAll([repo]);
    }
  });

  it('removing a worktree whose .git an agent rewrote to name another worktree leaves that one intact', async () => {
    const a = await prepareWorktree(origin, 'main', { dataDir });
    const b = await prepareWorktree(origin, 'main', { dataDir });
    try {
      writeFileSync(join(a.dir, '.git'), readFileSync(join(b.dir, '.git'), 'utf8'));
      await removeWorktree(a);
      expect(existsSync(a.dir)).toBe(false);
      expect(gitIn(b.dir, 'status', '--porcelain')).toBe('');
      expect(gitIn(b.cacheDir, 'worktree', 'list')).toContain(b.dir);
    } finally {
      await removeWorktree(b);
    }
    expect(gitIn(b.cacheDir, 'worktree', 'list')).not.toContain(b.dir);
  });

  it('sees new commits on the origin (the cache is fetched every time)', async () => {
    const repo = makeRepo();
    try {
      const a = await prepareWorktree(repo, 'main', { dataDir });
      await removeWorktree(a);
      const newer = commitFiles(repo, { 'NEW.md': 'x\n' }, 'newer');
      const b = await prepareWorktree(repo, 'main', { dataDir });
      await removeWorktree(b);
      expect(b.commit).toBe(newer);
      expect(b.commit).not.toBe(a.commit);
    } finally {
      removeAll([repo]);
    }
  });

  it('a ref that does not exist is ConfigInvalid naming the repo and the ref', async () => {
    const err = await failureOf(prepareWorktree(origin, 'no-such-branch', { dataDir, repoLabel: 'webapp' }));
    expect(err.type).toBe('ConfigInvalid');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('no-such-branch');
    expect(err.message).toContain('webapp');
    const bad = await failureOf(prepareWorktree(origin, '--upload-pack=evil', { dataDir }));
    expect(bad.type).toBe('ConfigInvalid');
  });

  it('a repo URL that is not a repository is ConfigInvalid', async () => {
    const err = await failureOf(
      prepareWorktree(join(dataDir, 'missing-repo'), 'main', { dataDir, repoLabel: 'ghost' }),
    );
    expect(err.type).toBe('ConfigInvalid');
    expect(err.message).toContain('ghost');
  });

  it('two concurrent prepareWorktree calls on one repo both succeed', async () => {
    const repo = makeRepo();
    try {
      const [a, b] = await Promise.all([
        prepareWorktree(repo, 'main', { dataDir, label: 'a' }),
        prepareWorktree(repo, 'main', { dataDir, label: 'b' }),
      ]);
      expect(a.dir).not.toBe(b.dir);
      expect(existsSync(join(a.dir, 'README.md'))).toBe(true);
      expect(existsSync(join(b.dir, 'README.md'))).toBe(true);
      await Promise.all([removeWorktree(a), removeWorktree(b)]);
    } finally {
      removeAll([repo]);
    }
  });
});

describe('commitAll and pushBranch', () => {
  it('commits everything but .switchyard/ and pushes switchyard/<id> to the origin', async () => {
    const wt = await prepareWorktree(origin, 'main', { dataDir });
    try {
      writeFileSync(join(wt.dir, 'README.md'), '# changed\n');
      writeFileSync(join(wt.dir, 'added.txt'), 'new\n');
      mkdirSync(join(wt.dir, '.switchyard'));
      writeFileSync(join(wt.dir, '.switchyard', 'summary.md'), 'not for the commit\n');
      const res = await commitAll(wt.dir, 'switchyard(t1): development attempt 1\n\nDid things\n');
      expect(res).not.toBeNull();
      expect(res!.changedFiles.sort()).toEqual(['README.md', 'added.txt']);
      await pushBranch(wt.dir, origin, 'switchyard/t1', { expectedTip: null });

      expect(gitIn(origin, 'rev-parse', 'refs/heads/switchyard/t1')).toBe(res!.commit);
      expect(gitIn(origin, 'rev-parse', `${res!.commit}^`)).toBe(mainCommit);
      expect(gitIn(origin, 'show', '--format=%an <%ae>|%cn <%ce>|%s', '--no-patch', res!.commit)).toBe(
        'Switchyard <switchyard@localhost>|Switchyard <switchyard@localhost>|switchyard(t1): development attempt 1',
      );
      expect(gitIn(origin, 'ls-tree', '-r', '--name-only', res!.commit)).not.toContain('.switchyard');

      // A retried attempt re-creates the branch from another start: the lease on its own tip replaces it.
      const again = await prepareWorktree(origin, firstCommit, { dataDir });
      try {
        writeFileSync(join(again.dir, 'other.txt'), 'x\n');
        const second = await commitAll(again.dir, 'retry');
        await pushBranch(again.dir, origin, 'switchyard/t1', { expectedTip: res!.commit });
        expect(gitIn(origin, 'rev-parse', 'refs/heads/switchyard/t1')).toBe(second!.commit);
      } finally {
        await removeWorktree(again);
      }
    } finally {
      await removeWorktree(wt);
    }
  });

  it('returns null when nothing but .switchyard/ changed', async () => {
    const wt = await prepareWorktree(origin, 'main', { dataDir });
    try {
      mkdirSync(join(wt.dir, '.switchyard'));
      writeFileSync(join(wt.dir, '.switchyard', 'analysis.md'), 'only notes\n');
      expect(await commitAll(wt.dir, 'nothing')).toBeNull();
      expect(gitIn(wt.dir, 'rev-parse', 'HEAD')).toBe(mainCommit);
    } finally {
      await removeWorktree(wt);
    }
  });

  it('leaves out changes to .switchyard/ files the repo itself tracks', async () => {
    const repo = makeRepo({ '.switchyard/keep.md': 'tracked\n' });
    const wt = await prepareWorktree(repo, 'main', { dataDir });
    try {
      writeFileSync(join(wt.dir, '.switchyard', 'keep.md'), 'changed by the agent\n');
      writeFileSync(join(wt.dir, 'real.txt'), 'change\n');
      expect((await commitAll(wt.dir, 'c'))!.changedFiles).toEqual(['real.txt']);
    } finally {
      await removeWorktree(wt);
      removeAll([repo]);
    }
  });

  it('push errors never carry credentials from the URL', async () => {
    const wt = await prepareWorktree(origin, 'main', { dataDir });
    try {
      const err = await pushBranch(wt.dir, 'http://bot:s3cret-token@127.0.0.1:1/x.git', 'switchyard/t3', {
        expectedTip: null,
      }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toContain('http://***@127.0.0.1:1/x.git');
      expect(err!.message).not.toContain('s3cret-token');
    } finally {
      await removeWorktree(wt);
    }
  });

  it('a developer worktree can start from the pushed commit SHA', async () => {
    const wt = await prepareWorktree(origin, 'main', { dataDir });
    let commit: string;
    try {
      writeFileSync(join(wt.dir, 'step1.txt'), '1\n');
      commit = (await commitAll(wt.dir, 'step 1'))!.commit;
      await pushBranch(wt.dir, origin, 'switchyard/t2', { expectedTip: null });
    } finally {
      await removeWorktree(wt);
    }
    const next = await prepareWorktree(origin, commit, { dataDir });
    try {
      expect(next.commit).toBe(commit);
      expect(readFileSync(join(next.dir, 'step1.txt'), 'utf8')).toBe('1\n');
    } finally {
      await removeWorktree(next);
    }
  });
});

describe('push lease, remoteBranchTip and commitMessage', () => {
  /** A worktree at `ref` with one new commit; returns it and the commit. */
  async function commitOn(ref: string, file: string, message: string) {
    const wt = await prepareWorktree(origin, ref, { dataDir });
    writeFileSync(join(wt.dir, file), `${file}\n`);
    const c = await commitAll(wt.dir, message);
    return { wt, commit: c!.commit };
  }

  it('a push that extends its own tip works, and remoteBranchTip and commitMessage read it back', async () => {
    const branch = 'switchyard/lease-own';
    const first = await commitOn('main', 'one.txt', 'switchyard(lease-own): development attempt 1\n\nFirst.\n');
    try {
      await pushBranch(first.wt.dir, origin, branch, { expectedTip: null });
      writeFileSync(join(first.wt.dir, 'two.txt'), 'two\n');
      const second = (await commitAll(first.wt.dir, 'second\n\nTrailer-Like: x\n'))!.commit;
      await pushBranch(first.wt.dir, origin, branch, { expectedTip: first.commit });
      expect(gitIn(origin, 'rev-parse', `refs/heads/${branch}`)).toBe(second);
    } finally {
      await removeWorktree(first.wt);
    }
    // A fresh worktree fetched the branch: the cache's view of the remote tip and the message.
    const reader = await prepareWorktree(origin, 'main', { dataDir });
    try {
      const tip = await remoteBranchTip(reader, branch);
      expect(tip).toBe(gitIn(origin, 'rev-parse', `refs/heads/${branch}`));
      expect(await remoteBranchTip(reader, 'switchyard/never-pushed')).toBeUndefined();
      expect(await commitMessage(reader, tip!)).toBe('second\n\nTrailer-Like: x\n');
      expect(await commitMessage(reader, first.commit)).toBe(
        'switchyard(lease-own): development attempt 1\n\nFirst.\n',
      );
    } finally {
      await removeWorktree(reader);
    }
  });

  it('the lease refuses to push over a commit Switchyard did not make in this run', async () => {
    const branch = 'switchyard/lease-foreign';
    const mine = await commitOn('main', 'mine.txt', 'mine');
    try {
      await pushBranch(mine.wt.dir, origin, branch, { expectedTip: null });
      // Someone else moves the branch on the remote.
      const foreign = gitIn(origin, 'commit-tree', `${mine.commit}^{tree}`, '-p', mine.commit, '-m', 'foreign');
      gitIn(origin, 'update-ref', `refs/heads/${branch}`, foreign);

      writeFileSync(join(mine.wt.dir, 'again.txt'), 'again\n');
      await commitAll(mine.wt.dir, 'second attempt');
      const err = await failureOf(pushBranch(mine.wt.dir, origin, branch, { expectedTip: mine.commit }));
      expect(err.type).toBe('ConfigInvalid');
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toContain(branch);
      expect(err.message).toMatch(/holds commits Switchyard did not make in this run/);
      expect(err.message).toMatch(/submit --rerun/);
      expect(err.message).toMatch(/delete or rename/);
      expect(gitIn(origin, 'rev-parse', `refs/heads/${branch}`)).toBe(foreign);
    } finally {
      await removeWorktree(mine.wt);
    }
  });

  it("a run's first push is refused when the branch already exists", async () => {
    const branch = 'switchyard/lease-exists';
    gitIn(origin, 'branch', branch, firstCommit);
    const mine = await commitOn('main', 'first.txt', 'first');
    try {
      const err = await failureOf(pushBranch(mine.wt.dir, origin, branch, { expectedTip: null }));
      expect(err.type).toBe('ConfigInvalid');
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toMatch(/already exists/);
      expect(err.message).toContain(branch);
      expect(gitIn(origin, 'rev-parse', `refs/heads/${branch}`)).toBe(firstCommit);
    } finally {
      await removeWorktree(mine.wt);
    }
  });
});

describe('resolveRepo', () => {
  const config = makeConfig({ repos: { webapp: { url: origin, testCommand: ['npm', 'test'] } } });

  it('uses the config entry for a repo name', () => {
    expect(resolveRepo(config, 'webapp')).toMatchObject({
      name: 'webapp',
      url: origin,
      base: 'main',
      testCommand: ['npm', 'test'],
      testTimeoutSec: 600,
    });
  });

  it('takes a git URL or an absolute path as is, without a testCommand', () => {
    expect(resolveRepo(config, 'https://example.com/x.git')).toMatchObject({
      url: 'https://example.com/x.git',
      configured: false,
    });
    expect(resolveRepo(config, 'git@example.com:team/x.git').url).toBe('git@example.com:team/x.git');
    expect(resolveRepo(config, '/srv/repos/x').testCommand).toBeUndefined();
  });

  it('anything else is ConfigInvalid naming the repo and the known names', () => {
    try {
      resolveRepo(config, 'webap');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).type).toBe('ConfigInvalid');
      expect((err as Error).message).toContain('"webap"');
      expect((err as Error).message).toContain('webapp');
    }
  });
});
