/**
 * Git for the stages: a per-worker bare cache clone of each repo, fetched before every use, and
 * throwaway worktrees at an exact commit. Development commits and force-pushes the task branch;
 * testing and staging check out that exact SHA, so any worker on any host can run any stage.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from './config-schema.js';
import { ErrorType } from '../workflows/api/index.js';
import { COMMIT_SHA_RE, isRemoteUrl, printable, refProblem, repoLocationProblem } from '../workflows/grammar.js';
import { gitEnv } from './env.js';
import { failure, ProcessStartError, redactUrlCredentials } from './errors.js';
import { ownedName } from './ownership.js';
import { tailText } from '../workflows/preview.js';
import type { OutputCapOptions } from './output-cap.js';
import { heartbeatPhase, runActivityProcess, type ProcessResult } from './process.js';

export const SWITCHYARD_DIR = '.switchyard';
export const SWITCHYARD_AUTHOR = { name: 'Switchyard', email: 'switchyard@localhost' };

const LOCAL_TIMEOUT_MS = 5 * 60_000;
const REMOTE_TIMEOUT_MS = 30 * 60_000;

// ---------------------------------------------------------------------------------------------
// Repo resolution

export interface ResolvedRepo {
  /** Config name, or the URL/path itself when the task named one directly. */
  name: string;
  url: string;
  base: string;
  testCommand?: string[];
  testTimeoutSec: number;
  staging?: string;
  /** Worker environment variables passed through to the test command. */
  env: string[];
  /** Whether it came from config.repos. */
  configured: boolean;
}

/**
 * A repo name from config.repos, else a git URL or an absolute local path used as is. Either way
 * the URL passed the repo-location grammar before any git runs: submit checked it, but the config
 * may have been edited since (or the input came from another Temporal client).
 */
export function resolveRepo(config: Config, repo: string): ResolvedRepo {
  const configured = Object.hasOwn(config.repos, repo) ? config.repos[repo] : undefined;
  if (configured) {
    // The config loader resolves local paths against the config file; this only guards against
    // a relative path reaching git, which would resolve it against the cache clone.
    const url = isRemoteUrl(configured.url) || isAbsolute(configured.url) ? configured.url : resolve(configured.url);
    checkRepoLocation(url, `repos.${repo}.url in the config`);
    return {
      name: repo,
      url,
      base: configured.base,
      testCommand: configured.testCommand,
      testTimeoutSec: configured.testTimeoutSec,
      staging: configured.staging,
      env: configured.env,
      configured: true,
    };
  }
  if (isRemoteUrl(repo) || isAbsolute(repo) || repo.startsWith('-')) {
    checkRepoLocation(repo, 'the task');
    return { name: repo, url: repo, base: 'main', testTimeoutSec: 600, env: [], configured: false };
  }
  const known = Object.keys(config.repos);
  throw failure(
    ErrorType.ConfigInvalid,
    `repo "${printable(repo)}" is not in config.repos (known: ${known.join(', ') || 'none'}) and is not a git URL or an absolute path`,
  );
}

/** A URL git would be given that breaks the grammar: non-retryable, before any git call. */
function checkRepoLocation(url: string, from: string): void {
  const why = repoLocationProblem(url);
  if (why) throw failure(ErrorType.ConfigInvalid, `repo location from ${from} refused: ${why}`, { nonRetryable: true });
}

function checkRef(ref: string, label: string): void {
  const why = refProblem(ref);
  if (why) throw failure(ErrorType.ConfigInvalid, `ref for repo ${label} refused: ${why}`, { nonRetryable: true });
}

// ---------------------------------------------------------------------------------------------
// Running git

/**
 * The argv of every git call that carries a value from a task or a config. Each puts `--` (or, for
 * rev-parse, `--end-of-options`) before those operands, so even a value that slipped past the
 * grammar is an operand, never an option such as `--upload-pack=<command>`.
 */
export const gitArgv = {
  initBare: (dir: string) => ['init', '--bare', '--quiet', '--', dir],
  fetchAll: (url: string) => [
    'fetch',
    '--quiet',
    '--prune',
    '--no-tags',
    '--',
    url,
    '+refs/heads/*:refs/remotes/origin/*',
    '+refs/tags/*:refs/tags/*',
  ],
  fetchCommit: (url: string, sha: string) => ['fetch', '--quiet', '--no-tags', '--', url, sha],
  verifyCommit: (rev: string) => ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`],
  worktreeAdd: (dir: string, commit: string) => ['worktree', 'add', '--detach', '--quiet', '--', dir, commit],
  push: (url: string, branch: string, expectedTip: string | null) => [
    'push',
    '--quiet',
    // Replace only the tip this run last pushed; "<ref>:" (empty) means the branch must not exist yet.
    `--force-with-lease=refs/heads/${branch}:${expectedTip ?? ''}`,
    '--',
    url,
    `HEAD:refs/heads/${branch}`,
  ],
  // The type before the object: a validated SHA can never be read as an option.
  catCommit: (sha: string) => ['cat-file', 'commit', sha],
  showHead: () => ['show', '--stat', '--patch', '--format=fuller', 'HEAD'],
  changedFiles: (sha: string) => ['diff-tree', '--no-commit-id', '--name-only', '-r', '-z', '--root', sha],
};

export interface GitOptions {
  dataDir: string;
  log?: (msg: string) => void;
  /** Shown in errors instead of the URL (the config name of the repo). */
  repoLabel?: string;
}

interface GitRun {
  cwd: string;
  phase: string;
  input?: string;
  timeoutMs?: number;
  cancellable?: boolean;
  cap?: OutputCapOptions;
}

async function gitRaw(args: string[], run: GitRun): Promise<ProcessResult> {
  try {
    return await runActivityProcess(['git', ...args], {
      cwd: run.cwd,
      env: gitEnv(SWITCHYARD_AUTHOR),
      input: run.input,
      timeoutMs: run.timeoutMs ?? LOCAL_TIMEOUT_MS,
      phase: run.phase,
      cancellable: run.cancellable,
      cap: run.cap,
    });
  } catch (err) {
    if (err instanceof ProcessStartError) {
      throw failure(ErrorType.ToolMissing, `git cannot be started (${err.code}); install git on the worker's PATH`);
    }
    throw err;
  }
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly result: ProcessResult,
  ) {
    const why = result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`;
    super(redactUrlCredentials(`git ${args.join(' ')} failed (${why}): ${tailText(result.output.trim(), 2000)}`));
    this.name = 'GitError';
  }
}

const LOCK_ERROR = /\.lock'?: File exists|Unable to create '[^']*\.lock'|cannot lock ref|could not lock config file/i;

/** git that must succeed; a lock left by a concurrent git (another worker process) is retried once. */
async function git(args: string[], run: GitRun): Promise<string> {
  let res = await gitRaw(args, run);
  if (res.exitCode !== 0 && !res.timedOut && LOCK_ERROR.test(res.output)) {
    await delay(1_000);
    res = await gitRaw(args, run);
  }
  if (res.exitCode !== 0) throw new GitError(args, res);
  return res.output;
}

// Remote errors a retry cannot fix: the task points at the wrong place or lacks access.
const PERMANENT_REMOTE_ERROR =
  /does not appear to be a git repository|not found|does not exist|authentication failed|permission denied|could not read username|terminal prompts disabled|protected branch|pre-receive hook declined/i;

function remoteFailure(err: unknown, what: string, label: string): unknown {
  if (err instanceof GitError && PERMANENT_REMOTE_ERROR.test(err.result.output)) {
    return failure(
      ErrorType.ConfigInvalid,
      `${what} for repo ${label} failed: ${tailText(err.result.output.trim(), 1000)}`,
    );
  }
  return err;
}

// In-process mutex per cache clone: fetch and worktree bookkeeping must not interleave.
const locks = new Map<string, Promise<unknown>>();
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  // Waiting behind another activity's first clone can take long: keep heartbeating meanwhile.
  const waiting = setInterval(() => heartbeatPhase('waiting for the repo cache'), 5000);
  const run = prev
    .catch(() => undefined)
    .finally(() => clearInterval(waiting))
    .then(fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    clearInterval(waiting);
    if (locks.get(key) === tail) locks.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------
// Cache clone and worktrees

const safeName = (url: string): string => {
  const base = basename(url.replace(/[/\\]+$/, ''))
    .replace(/\.git$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 40);
  return `${base || 'repo'}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
};

export const cacheDirFor = (dataDir: string, url: string): string => join(dataDir, 'cache', 'repos', safeName(url));

/** Creates the bare cache clone if needed and fetches every branch and tag. Caller holds the lock. */
async function refreshCache(cacheDir: string, url: string, opts: GitOptions): Promise<void> {
  if (!existsSync(join(cacheDir, 'HEAD'))) {
    await mkdir(cacheDir, { recursive: true });
    await git(gitArgv.initBare(cacheDir), { cwd: cacheDir, phase: 'fetch' });
  }
  // Our file channel and agents' own working files (Aider's chat history) never get committed.
  const exclude = join(cacheDir, 'info', 'exclude');
  const current = await readFile(exclude, 'utf8').catch(() => '');
  const missing = [`/${SWITCHYARD_DIR}/`, '.aider*'].filter((p) => !current.split('\n').includes(p));
  if (missing.length) {
    await mkdir(dirname(exclude), { recursive: true });
    await appendFile(exclude, `${current && !current.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
  }
  try {
    await git(gitArgv.fetchAll(url), { cwd: cacheDir, phase: 'fetch', timeoutMs: REMOTE_TIMEOUT_MS });
  } catch (err) {
    throw remoteFailure(err, 'git fetch', opts.repoLabel ?? url);
  }
}

async function verifyCommit(cacheDir: string, rev: string): Promise<string | undefined> {
  const res = await gitRaw(gitArgv.verifyCommit(rev), { cwd: cacheDir, phase: 'worktree' });
  return res.exitCode === 0 ? res.output.trim() : undefined;
}

/** A branch name, tag, full ref or commit SHA → the commit it names, or undefined. */
async function resolveRef(cacheDir: string, url: string, ref: string): Promise<string | undefined> {
  // A full SHA names a commit, never a branch: look it up first (testing and staging pass one).
  if (COMMIT_SHA_RE.test(ref.toLowerCase())) {
    const sha = await verifyCommit(cacheDir, ref);
    if (sha) return sha;
  }
  const candidates = ref.startsWith('refs/') ? [ref] : [`refs/remotes/origin/${ref}`, `refs/tags/${ref}`];
  for (const c of candidates) {
    const sha = await verifyCommit(cacheDir, c);
    if (sha) return sha;
  }
  if (!/^[0-9a-f]{4,40}$/i.test(ref)) return undefined;
  if (ref.length !== 40) return verifyCommit(cacheDir, ref);
  // A commit no branch points at any more (e.g. an earlier attempt of a force-pushed branch):
  // servers that allow fetching by SHA still have it.
  await gitRaw(gitArgv.fetchCommit(url, ref.toLowerCase()), {
    cwd: cacheDir,
    phase: 'fetch',
    timeoutMs: REMOTE_TIMEOUT_MS,
  });
  return verifyCommit(cacheDir, ref);
}

/** Fetches the cache and names the commit `ref` is now; caller holds the lock. A missing ref is ConfigInvalid. */
async function fetchedCommit(cacheDir: string, repoUrl: string, ref: string, opts: GitOptions): Promise<string> {
  await refreshCache(cacheDir, repoUrl, opts);
  const commit = await resolveRef(cacheDir, repoUrl, ref);
  if (!commit) {
    throw failure(
      ErrorType.ConfigInvalid,
      `ref "${ref}" does not exist in repo ${opts.repoLabel ?? repoUrl} (no such branch, tag or commit)`,
    );
  }
  return commit;
}

/** The commit a branch, tag or SHA of the repo names now (after a fetch), without a worktree. */
export async function resolveCommit(repoUrl: string, ref: string, opts: GitOptions): Promise<string> {
  const label = opts.repoLabel ?? repoUrl;
  checkRepoLocation(repoUrl, `repo ${label}`);
  checkRef(ref, label);
  const cacheDir = cacheDirFor(resolve(opts.dataDir), repoUrl);
  return withLock(cacheDir, () => fetchedCommit(cacheDir, repoUrl, ref, opts));
}

export interface Worktree {
  dir: string;
  /** The commit checked out (detached). */
  commit: string;
  cacheDir: string;
}

export interface PrepareOptions extends GitOptions {
  /** Readable part of the worktree directory name (e.g. "<taskId>-testing-2"). */
  label?: string;
  /** Fetch even when the cache holds the commit: the caller reads the remote's branches afterwards. */
  fresh?: boolean;
}

/**
 * A fresh detached worktree at `ref` (branch, tag or commit SHA) of the repo at `repoUrl`, after
 * fetching the cache clone. A ref that does not exist is ConfigInvalid.
 */
export async function prepareWorktree(repoUrl: string, ref: string, opts: PrepareOptions): Promise<Worktree> {
  const label = opts.repoLabel ?? repoUrl;
  checkRepoLocation(repoUrl, `repo ${label}`);
  checkRef(ref, label);
  // Absolute, so neither the cache nor the worktree path can start with "-".
  const dataDir = resolve(opts.dataDir);
  const cacheDir = cacheDirFor(dataDir, repoUrl);
  const suffix = (opts.label ?? '').replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
  const dir = join(
    dataDir,
    'worktrees',
    // Named for this worker process, so a later worker can remove what a crashed one left.
    ownedName([basename(cacheDir), suffix, randomUUID().slice(0, 8)].filter(Boolean).join('-')),
  );
  return withLock(cacheDir, async () => {
    await mkdir(dirname(dir), { recursive: true });
    // A commit is immutable: one the cache already holds needs no fetch, and `worktree add` is the lookup.
    const cached = !opts.fresh && COMMIT_SHA_RE.test(ref) && existsSync(join(cacheDir, 'HEAD'));
    if (cached && (await addWorktree(cacheDir, dir, ref, false))) return made(ref);
    const commit = await fetchedCommit(cacheDir, repoUrl, ref, opts);
    await addWorktree(cacheDir, dir, commit, true);
    return made(commit);
  });

  function made(commit: string): Worktree {
    opts.log?.(redactUrlCredentials(`worktree ${dir} at ${commit.slice(0, 12)} (${label} ${ref})`));
    return { dir, commit, cacheDir };
  }
}

/** `git worktree add`; false when it failed and `must` is not set (the commit may need a fetch). */
async function addWorktree(cacheDir: string, dir: string, commit: string, must: boolean): Promise<boolean> {
  try {
    if (must) await git(gitArgv.worktreeAdd(dir, commit), { cwd: cacheDir, phase: 'worktree' });
    else if ((await gitRaw(gitArgv.worktreeAdd(dir, commit), { cwd: cacheDir, phase: 'worktree' })).exitCode !== 0) {
      await forgetWorktree(cacheDir, dir);
      return false;
    }
    return true;
  } catch (err) {
    // Cancelled or failed half way: nobody else knows this directory, so clean it up here.
    await forgetWorktree(cacheDir, dir);
    throw err;
  }
}

async function forgetWorktree(cacheDir: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await gitRaw(['worktree', 'prune'], { cwd: cacheDir, phase: 'cleanup', cancellable: false });
}

export interface CommitResult {
  commit: string;
  changedFiles: string[];
}

/** Commits every change in the worktree except `.switchyard/`; null when nothing changed. */
export async function commitAll(dir: string, message: string): Promise<CommitResult | null> {
  const run = { cwd: dir, phase: 'commit' };
  // info/exclude keeps .switchyard/ out of `add`; only a repo that tracks files there needs the reset.
  await git(['add', '--all'], run);
  const staged = async () => (await git(['diff', '--cached', '--name-only', '-z'], run)).split('\0').filter(Boolean);
  let changedFiles = await staged();
  if (changedFiles.some((f) => f.startsWith(`${SWITCHYARD_DIR}/`))) {
    await git(['reset', '--quiet', '--', SWITCHYARD_DIR], run);
    changedFiles = await staged();
  }
  if (changedFiles.length === 0) return null;
  const { name, email } = SWITCHYARD_AUTHOR;
  await git(
    ['-c', `user.name=${name}`, '-c', `user.email=${email}`, '-c', 'commit.gpgsign=false'].concat([
      'commit',
      '--quiet',
      '--no-verify',
      '--file',
      '-',
    ]),
    { ...run, input: message },
  );
  const commit = (await detachedHead(dir)) ?? (await git(['rev-parse', 'HEAD'], run)).trim();
  return { commit, changedFiles };
}

/** The commit a detached worktree is at, from its HEAD file (what rev-parse reads), without a process. */
async function detachedHead(dir: string): Promise<string | undefined> {
  const admin = await worktreeAdminDir(dir);
  const head = admin && (await readFile(join(admin, 'HEAD'), 'utf8').catch(() => ''));
  const sha = head ? head.trim() : '';
  return COMMIT_SHA_RE.test(sha) ? sha : undefined;
}

/** A worktree's own git directory (`<cache>/worktrees/<name>`), from its `.git` file. */
async function worktreeAdminDir(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, '.git'), 'utf8').catch(() => undefined);
  const m = text?.match(/^gitdir:\s*(.+)$/m);
  return m ? resolve(dir, m[1].trim()) : undefined;
}

/**
 * Applies a unified diff (the job platform's result) to the worktree, three-way where the patch names
 * its blobs. The patch comes on stdin: it is never an argument. Returns git's own words when it does not apply.
 */
export async function applyPatch(dir: string, patch: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const res = await gitRaw(['apply', '--3way', '--whitespace=nowarn'], { cwd: dir, phase: 'apply', input: patch });
  if (res.exitCode === 0) return { ok: true };
  return { ok: false, message: tailText(res.output.trim(), 2000) || `git apply exited ${res.exitCode ?? res.signal}` };
}

/** What git prints for a ref whose lease did not hold: the remote tip is not the expected one. */
const LEASE_REJECTED = /\(stale info\)/;

export interface PushOptions {
  repoLabel?: string;
  /** The tip this run last pushed, or null when it has not pushed yet (the branch must not exist). */
  expectedTip: string | null;
}

/**
 * Pushes HEAD to `refs/heads/<branch>` at `repoUrl` with a lease: it replaces only `expectedTip`,
 * so a branch holding commits Switchyard did not make in this run is never rewritten (that is a
 * non-retryable ConfigInvalid saying what to do).
 */
export async function pushBranch(dir: string, repoUrl: string, branch: string, opts: PushOptions): Promise<void> {
  const label = opts.repoLabel ?? repoUrl;
  checkRepoLocation(repoUrl, `repo ${label}`);
  const why = refProblem(`refs/heads/${branch}`);
  if (why)
    throw failure(ErrorType.ConfigInvalid, `branch "${printable(branch)}" refused: ${why}`, { nonRetryable: true });
  // Checked at run time too: the value may come from a history written before the lease existed.
  const tip: unknown = opts.expectedTip;
  if (tip !== null && (typeof tip !== 'string' || !COMMIT_SHA_RE.test(tip))) {
    const shown = typeof tip === 'string' ? `"${printable(tip)}"` : String(tip);
    throw failure(ErrorType.ConfigInvalid, `expected tip ${shown} is not a full commit SHA or null`, {
      nonRetryable: true,
    });
  }
  try {
    await git(gitArgv.push(repoUrl, branch, opts.expectedTip), {
      cwd: dir,
      phase: 'push',
      timeoutMs: REMOTE_TIMEOUT_MS,
    });
  } catch (err) {
    if (err instanceof GitError && LEASE_REJECTED.test(err.result.output)) {
      const was =
        opts.expectedTip === null
          ? 'it already exists and this run has not pushed to it'
          : `its tip is no longer ${opts.expectedTip.slice(0, 12)}, the commit this run last pushed`;
      throw failure(
        ErrorType.ConfigInvalid,
        `branch ${branch} of repo ${label} holds commits Switchyard did not make in this run (${was}); ` +
          'nothing was pushed. Run the task again with `switchyard submit --rerun`, which pushes to a new branch, ' +
          `or delete or rename ${branch} in the repo and resume the task.`,
        { nonRetryable: true },
      );
    }
    throw remoteFailure(err, `git push to ${branch}`, label);
  }
}

/**
 * The tip of `refs/heads/<branch>` on the remote as the cache clone last fetched it (prepareWorktree
 * fetches every branch), or undefined when the branch was not there.
 */
export async function remoteBranchTip(worktree: Worktree, branch: string): Promise<string | undefined> {
  const why = refProblem(`refs/heads/${branch}`);
  if (why)
    throw failure(ErrorType.ConfigInvalid, `branch "${printable(branch)}" refused: ${why}`, { nonRetryable: true });
  return verifyCommit(worktree.cacheDir, `refs/remotes/origin/${branch}`);
}

/** The full message of commit `sha` in the cache clone (headers dropped, text as committed). */
export async function commitMessage(worktree: Worktree, sha: string): Promise<string> {
  if (!COMMIT_SHA_RE.test(sha)) {
    throw failure(ErrorType.ConfigInvalid, `"${printable(sha)}" is not a full commit SHA`, { nonRetryable: true });
  }
  const raw = await git(gitArgv.catCommit(sha), { cwd: worktree.cacheDir, phase: 'worktree' });
  // Headers end at the first empty line; multi-line headers (gpgsig) continue with a space.
  const end = raw.indexOf('\n\n');
  return end === -1 ? '' : raw.slice(end + 2);
}

/** A diff goes to the store whole unless a generated file makes it huge. */
const DIFF_CAP: OutputCapOptions = { headBytes: 4 * 1024 * 1024, tailBytes: 1024 * 1024 };

/** The commit just made in `dir`, as a patch with stats (capped head and tail like every output). */
export async function commitDiff(dir: string): Promise<string> {
  const res = await gitRaw(gitArgv.showHead(), { cwd: dir, phase: 'commit', cap: DIFF_CAP });
  if (res.exitCode !== 0) throw new GitError(gitArgv.showHead(), res);
  return res.output;
}

/** The paths commit `sha` changed against its first parent, from the cache clone. */
export async function changedFiles(worktree: Worktree, sha: string): Promise<string[]> {
  if (!COMMIT_SHA_RE.test(sha)) {
    throw failure(ErrorType.ConfigInvalid, `"${printable(sha)}" is not a full commit SHA`, { nonRetryable: true });
  }
  const out = await git(gitArgv.changedFiles(sha), { cwd: worktree.cacheDir, phase: 'worktree' });
  return out.split('\0').filter(Boolean);
}

/** Removes a worktree and its bookkeeping. Safe to call twice, and after a cancellation. */
export async function removeWorktree(worktree: Worktree | string): Promise<void> {
  const dir = typeof worktree === 'string' ? worktree : worktree.dir;
  const cacheDir = typeof worktree === 'string' ? await cacheDirOf(dir) : worktree.cacheDir;
  const run = { cwd: cacheDir ?? dirname(dir), phase: 'cleanup', cancellable: false };
  if (!cacheDir) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  await withLock(cacheDir, async () => {
    // What `git worktree remove --force` does, without a process: the tree, then its entry in the cache.
    // The agent may have rewritten .git: the entry is trusted only when it points back at this worktree
    // (as git itself matches it), so another task's entry is never removed.
    const admin = await worktreeAdminDir(dir);
    const back = admin && (await readFile(join(admin, 'gitdir'), 'utf8').catch(() => ''));
    const ours =
      !!admin &&
      dirname(admin) === join(cacheDir, 'worktrees') &&
      !!back &&
      resolve(dirname(back.trim())) === resolve(dir);
    await rm(dir, { recursive: true, force: true });
    if (ours) await rm(admin, { recursive: true, force: true });
    else await gitRaw(['worktree', 'prune'], run);
  });
}

/** The cache clone a worktree belongs to, from its `.git` file ("gitdir: <cache>/worktrees/<name>"). */
async function cacheDirOf(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, '.git'), 'utf8').catch(() => undefined);
  const m = text?.match(/^gitdir:\s*(.+)$/m);
  if (!m) return undefined;
  const cacheDir = resolve(dirname(dirname(m[1].trim())));
  // An agent may have rewritten .git: only a cache clone of this data dir (<dataDir>/worktrees/<name>
  // → <dataDir>/cache/repos/<name>) is trusted; anything else is removed as a plain directory.
  const caches = join(dirname(dirname(resolve(dir))), 'cache', 'repos');
  return dirname(cacheDir) === caches ? cacheDir : undefined;
}
