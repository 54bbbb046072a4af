import { describe, expect, it } from 'vitest';
import { resolveTaskInput } from '../../client/resolve.js';
import { parseTaskText, TaskFileError } from '../../client/task-file.js';
import { parseConfig } from '../../worker/config.js';
import type { TaskSpec } from '../../workflows/api/index.js';

const config = parseConfig(
  `
repos:
  webapp:
    url: https://example.com/webapp.git
    base: develop
    staging: staging-1
  tools:
    url: ../tools
    serial: false
staging:
  staging-1: { command: [check, one] }
  staging-2: { command: [check, two] }
  remote:
    transport: ssh
    host: staging.example.com
    user: deploy
    identityFile: /keys/id
    knownHostsFile: /keys/known_hosts
    command: [deploy, '{repo}', '{commit}']
  remote-url:
    transport: ssh
    host: staging.example.com
    user: deploy
    identityFile: /keys/id
    knownHostsFile: /keys/known_hosts
    command: [deploy, '{repoUrl}', '{commit}']
providers:
  scripted: { kind: command, command: [node, agent.mjs] }
  claude-code: { kind: command, command: [claude, -p] }
routing:
  default: scripted
pipeline:
  maxDevAttempts: 4
  waitTimeout: 3d
  reminderEvery: 12h
`,
  '/etc/sy/switchyard.config.yaml',
);

const FILE = '/work/tasks/t.md';
function spec(frontMatter: string): TaskSpec {
  return parseTaskText(`---\nid: t\ntitle: T\n${frontMatter}\n---\nBody\n`, FILE);
}

function resolveError(task: TaskSpec, cfg = config): TaskFileError {
  try {
    resolveTaskInput(task, cfg);
  } catch (err) {
    expect(err).toBeInstanceOf(TaskFileError);
    return err as TaskFileError;
  }
  throw new Error('expected a TaskFileError');
}

describe('resolveTaskInput', () => {
  it('takes defaults from the repo and the pipeline', () => {
    const input = resolveTaskInput(spec('repo: webapp'), config);
    expect(input).toEqual({
      task: spec('repo: webapp'),
      base: 'develop',
      maxDevAttempts: 4,
      staging: 'staging-1',
      serial: true,
      provider: 'scripted',
      providerReason: 'No preferred_ai, so it runs on the default provider "scripted".',
      allowFallback: true,
      waitTimeoutMs: 3 * 86_400_000,
      reminderEveryMs: 12 * 3_600_000,
    });
    expect(input.budgetUsd).toBeUndefined();
  });

  it('lets the task override base, staging, attempts and budget', () => {
    const input = resolveTaskInput(
      spec('repo: webapp\nbase: hotfix\nstaging: staging-2\nmax_dev_attempts: 7\nbudget_usd: 2.5'),
      config,
    );
    expect(input).toMatchObject({ base: 'hotfix', staging: 'staging-2', maxDevAttempts: 7, budgetUsd: 2.5 });
  });

  it('uses main, no staging and the repo serial flag when the repo sets none', () => {
    const input = resolveTaskInput(spec('repo: tools'), config);
    expect(input).toMatchObject({ base: 'main', serial: false });
    expect(input.staging).toBeUndefined();
  });

  it('skips staging with staging: none even when the repo has a default', () => {
    const input = resolveTaskInput(spec('repo: webapp\nstaging: none'), config);
    expect(input.staging).toBeUndefined();
  });

  it('routes through the config providers', () => {
    const input = resolveTaskInput(spec('repo: webapp\nneeds_claude_code: true'), config);
    expect(input.provider).toBe('claude-code');
    expect(input.providerReason).toMatch(/needs_claude_code/);
  });

  it.each([
    'https://github.com/acme/other.git',
    'git@github.com:acme/other.git',
    'file:///srv/git/other',
    '/srv/git/other',
  ])('accepts a repo given as a URL or absolute path: %s', (repo) => {
    const input = resolveTaskInput(spec(`repo: "${repo}"`), config);
    expect(input.task.repo).toBe(repo);
    expect(input).toMatchObject({ base: 'main', serial: true });
    expect(input.staging).toBeUndefined();
  });

  it('resolves a ./ repo path against the task file directory', () => {
    const input = resolveTaskInput(spec('repo: ./checkouts/app'), config);
    expect(input.task.repo).toBe('/work/tasks/checkouts/app');
    expect(input.serial).toBe(true);
  });

  it('rejects an unknown repo name, listing the configured ones', () => {
    const err = resolveError(spec('repo: webap'));
    expect(err.file).toBe(FILE);
    expect(err.issues).toEqual([
      'repo: no repo named "webap" in the config (configured: webapp, tools); use one of those, a git URL, or a path starting with / or ./',
    ]);
    expect(err.message).toContain(`${FILE}: repo: no repo named "webap"`);
  });

  it('rejects an unknown staging target, listing the configured ones', () => {
    const err = resolveError(spec('repo: webapp\nstaging: staging-9'));
    expect(err.issues).toEqual([
      'staging: no staging target named "staging-9" in the config (configured: staging-1, staging-2, remote, remote-url); use "none" to skip the staging stage',
    ]);
  });

  it('refuses an ssh target that passes {repo} for a task whose repo is a location, not a configured name', () => {
    const err = resolveError(spec('repo: https://example.com/other.git\nstaging: remote'));
    expect(err.issues).toEqual([
      'staging: target "remote" passes {repo} to the host, which needs a repo from the config; this task names its repo by location ("https://example.com/other.git")',
    ]);
    expect(resolveTaskInput(spec('repo: webapp\nstaging: remote'), config).staging).toBe('remote');
    expect(resolveTaskInput(spec('repo: https://example.com/other.git\nstaging: remote-url'), config).staging).toBe(
      'remote-url',
    );
  });

  it('reports every problem at once', () => {
    const err = resolveError(spec('repo: nowhere\nstaging: nope'));
    expect(err.issues.map((i) => i.split(':')[0])).toEqual(['repo', 'staging']);
  });

  it('refuses when no provider is configured at all', () => {
    const bare = parseConfig('repos: { webapp: { url: /srv/webapp } }', '/etc/c.yaml');
    const err = resolveError(spec('repo: webapp'), bare);
    expect(err.issues).toEqual(['provider: no agent provider is configured; add one under "providers:" in the config']);
  });

  it('refuses an unknown preferred_ai, naming the field and the configured providers', () => {
    const err = resolveError(spec('repo: webapp\npreferred_ai: mystery-ai'));
    expect(err.issues).toEqual([
      'preferred_ai: "mystery-ai" is not a configured provider (configured providers: "scripted", "claude-code", or "auto")',
    ]);
    const builtin = resolveError(spec('repo: webapp\npreferred_ai: aider'));
    expect(builtin.issues).toEqual([
      'preferred_ai: "aider" is not configured: no provider has that name or kind (configured providers: "scripted", "claude-code", or "auto")',
    ]);
    // A job-platform target fails safe instead: it runs locally and the reason says why.
    const gpu = resolveTaskInput(spec('repo: webapp\npreferred_ai: gpu\nallow_delegation: true'), config);
    expect(gpu).toMatchObject({ provider: 'scripted' });
    expect(gpu.providerMode).toBeUndefined();
    expect(gpu.providerReason).toMatch(/"gpu" is a job-platform target no provider is configured for/);
    expect(resolveTaskInput(spec('repo: webapp\npreferred_ai: auto'), config).provider).toBe('scripted');
    expect(resolveTaskInput(spec('repo: webapp\npreferred_ai: claude-code'), config).provider).toBe('claude-code');
  });

  it('checks repo locations and base refs of specs that did not come through the parser', () => {
    const good = spec('repo: webapp');
    const err = resolveError({ ...good, repo: '--upload-pack=touch${IFS}PWNED;x@y:', base: 'main;touch PWNED' });
    expect(err.issues.map((i) => i.split(':')[0])).toEqual(['repo', 'base']);
    expect(err.issues[0]).toMatch(/starts with "-"/);
    expect(resolveError({ ...good, repo: 'ext::sh -c x' }).issues[0]).toMatch(/^repo: .*transport helpers/);
    expect(resolveError({ ...good, base: '--orphan' }).issues).toEqual([
      'base: "--orphan" is not a valid branch, tag or commit: starts with "-"',
    ]);
  });

  it('names the task when it has no source file', () => {
    const task: TaskSpec = { ...spec('repo: ghost'), sourcePath: undefined };
    expect(resolveError(task).file).toBe('task t');
  });
});
