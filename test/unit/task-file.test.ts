import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_BODY_BYTES,
  MAX_TITLE_LENGTH,
  parseTaskFile,
  parseTaskText,
  TaskFileError,
} from '../../client/task-file.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const FILE = 'tasks/fix-login.md';

function task(frontMatter: string, body = 'Do the thing.\n'): string {
  return `---\n${frontMatter.trim()}\n---\n${body}`;
}

function taskError(text: string, file = FILE): TaskFileError {
  try {
    parseTaskText(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(TaskFileError);
    return err as TaskFileError;
  }
  throw new Error('expected a TaskFileError');
}

describe('parseTaskText', () => {
  it('parses every field and maps snake_case to the TaskSpec', () => {
    const spec = parseTaskText(
      task(
        `
id: fix-login-redirect   # comment
repo: webapp
title: Fix the login redirect
base: release-2
preferred_ai: claude-code
allow_delegation: true
complexity_hint: medium
needs_claude_code: true
budget_usd: 5.5
max_dev_attempts: 4
staging: staging-1
`,
        '\nRedirect back to the page the user came from.\n\n- acceptance: a test\n',
      ),
      FILE,
    );
    expect(spec).toEqual({
      id: 'fix-login-redirect',
      repo: 'webapp',
      title: 'Fix the login redirect',
      base: 'release-2',
      preferredAi: 'claude-code',
      allowDelegation: true,
      complexityHint: 'medium',
      needsClaudeCode: true,
      budgetUsd: 5.5,
      maxDevAttempts: 4,
      staging: 'staging-1',
      body: 'Redirect back to the page the user came from.\n\n- acceptance: a test',
      sourcePath: FILE,
    });
  });

  it('applies defaults: id from the file name, booleans false, optional fields absent', () => {
    const spec = parseTaskText(task('repo: webapp\ntitle: T'), 'some/dir/fix-login.md');
    expect(spec).toEqual({
      id: 'fix-login',
      repo: 'webapp',
      title: 'T',
      allowDelegation: false,
      needsClaudeCode: false,
      body: 'Do the thing.',
      sourcePath: 'some/dir/fix-login.md',
    });
  });

  it('treats empty values as not set and accepts CRLF, a BOM and leading blank lines', () => {
    const text = '\uFEFF\r\n---\r\nrepo: webapp\r\ntitle: T\r\nbase:\r\n---\r\nBody\r\n';
    const spec = parseTaskText(text, 'x.md');
    expect(spec.base).toBeUndefined();
    expect(spec.body).toBe('Body');
  });

  it('maps staging: false and staging: none to "none" (skip the stage)', () => {
    expect(parseTaskText(task('repo: r\ntitle: t\nstaging: false'), FILE).staging).toBe('none');
    expect(parseTaskText(task('repo: r\ntitle: t\nstaging: none'), FILE).staging).toBe('none');
  });

  it('accepts any provider-name-like preferred_ai', () => {
    for (const ai of ['codex', 'gemini', 'aider', 'gpu', 'claude-api', 'auto', 'my-agent_2']) {
      expect(parseTaskText(task(`repo: r\ntitle: t\npreferred_ai: ${ai}`), FILE).preferredAi).toBe(ai);
    }
  });

  it('suggests the closest known key for a typo', () => {
    const err = taskError(task('repo: r\ntitle: t\npreferd_ai: codex\nbudget: 3\nmaxDevAttempts: 2'));
    expect(err.issues).toEqual([
      'preferd_ai: unknown key; did you mean "preferred_ai"? (line 4)',
      'budget: unknown key; did you mean "budget_usd"? (line 5)',
      'maxDevAttempts: unknown key; did you mean "max_dev_attempts"? (line 6)',
    ]);
    expect(err.file).toBe(FILE);
    expect(err.message).toContain(`${FILE}: preferd_ai: unknown key; did you mean "preferred_ai"?`);
  });

  it('lists the known keys when an unknown key is not a likely typo', () => {
    const err = taskError(task('repo: r\ntitle: t\nowner: ana'));
    expect(err.issues).toEqual([expect.stringMatching(/^owner: unknown key \(allowed here: id, repo, title, base, /)]);
  });

  it.each([
    [
      'id: Fix_Login',
      'id: "Fix_Login" is not a task id: lowercase letters, digits and "-", starting with a letter or digit, at most 64 characters (line 2)',
    ],
    [
      'id: "--help"',
      'id: "--help" is not a task id: lowercase letters, digits and "-", starting with a letter or digit, at most 64 characters (line 2)',
    ],
    [`id: ${'a'.repeat(65)}`, 'id: is 65 characters long; at most 64 (line 2)'],
    ['id: 42', 'id: expected text, got 42 (quote it: id: "42") (line 2)'],
    ['complexity_hint: huge', 'complexity_hint: expected one of low, medium, high, got "huge" (line 2)'],
    ['budget_usd: -1', 'budget_usd: must be more than 0, got -1 (line 2)'],
    ['budget_usd: 0', 'budget_usd: must be more than 0, got 0 (line 2)'],
    ['budget_usd: lots', 'budget_usd: expected a number of US dollars, got "lots" (line 2)'],
    ['max_dev_attempts: 0', 'max_dev_attempts: must be from 1 to 20, got 0 (line 2)'],
    ['max_dev_attempts: 21', 'max_dev_attempts: must be from 1 to 20, got 21 (line 2)'],
    ['max_dev_attempts: 2.5', 'max_dev_attempts: expected a whole number from 1 to 20, got 2.5 (line 2)'],
    ['allow_delegation: yes', 'allow_delegation: expected true or false, got "yes" (line 2)'],
    ['needs_claude_code: 1', 'needs_claude_code: expected true or false, got 1 (line 2)'],
    [
      'preferred_ai: "two words"',
      'preferred_ai: "two words" is not a provider name; use claude-code, codex, gemini, aider, gpu, claude-api, auto or a provider name from the config (line 2)',
    ],
    ['staging: "a b"', 'staging: "a b" is not a staging target name (letters, digits, ".", "_" or "-") (line 2)'],
    ['base: [main]', 'base: expected text, got a list (line 2)'],
  ])('rejects %s', (line, issue) => {
    const err = taskError(task(`${line}\nrepo: r\ntitle: t`));
    expect(err.issues).toEqual([issue]);
  });

  it('requires repo and title', () => {
    const err = taskError(task('id: x\ntitle: "  "'));
    expect(err.issues).toEqual(['repo: required', 'title: required, but empty (line 3)']);
  });

  it('rejects a default id from a file name that does not fit, asking for id:', () => {
    const err = taskError(task('repo: r\ntitle: t'), 'tasks/Fix Login.md');
    expect(err.issues).toEqual([
      'id: not set, and the file name gives no valid task id: "Fix Login" is not a task id: lowercase letters, digits and "-", starting with a letter or digit, at most 64 characters; set id: in the front matter',
    ]);
  });

  // Every field that reaches a process or an id: the grammar (workflows/grammar.ts) at parse time.
  it.each([
    ['id', 'id: "-x"'],
    ['id', 'id: "a;b"'],
    ['id', 'id: "$(touch x)"'],
    ['repo', 'repo: "--upload-pack=touch${IFS}PWNED;x@y:"'],
    ['repo', 'repo: "ext::sh -c touch% PWNED"'],
    ['repo', 'repo: "fd::3"'],
    ['repo', 'repo: "git@host:repo;touch x"'],
    ['repo', 'repo: "https://host/$(touch x)"'],
    ['repo', 'repo: "/srv/`touch x`"'],
    ['repo', 'repo: "/srv/a\\nb"'],
    ['repo', 'repo: "svn://host/x"'],
    ['base', 'base: "--upload-pack=touch PWNED"'],
    ['base', 'base: "main;touch PWNED"'],
    ['base', 'base: "$(touch PWNED)"'],
    ['base', 'base: "`touch PWNED`"'],
    ['base', `base: "it's"`],
    ['base', 'base: "a\\nb"'],
    ['base', 'base: "feature/-x"'],
    ['preferred_ai', 'preferred_ai: "-codex"'],
    ['preferred_ai', 'preferred_ai: "codex;ls"'],
    ['staging', 'staging: "--x"'],
    ['staging', 'staging: "s$(x)"'],
    ['title', 'title: "two\\nlines"'],
  ])('refuses a hostile %s: %s', (field, line) => {
    const front = ['repo: r', 'title: t', line].filter((l, i) => i === 2 || !l.startsWith(`${field}:`));
    const err = taskError(task(front.join('\n')));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0].startsWith(`${field}: `)).toBe(true);
  });

  it.each([
    'repo: "https://github.com/acme/app.git"',
    'repo: "git@github.com:acme/app.git"',
    'repo: "ssh://git@host:2222/acme/app.git"',
    'repo: "file:///srv/git/app"',
    'repo: "/srv/git/app"',
    'repo: "./checkouts/app"',
    'base: "release/2.1"',
    'base: "v1.2.3"',
    'base: "0123abcd0123abcd0123abcd0123abcd0123abcd"',
    'base: "refs/heads/main"',
  ])('accepts %s', (line) => {
    const key = line.split(':')[0];
    const front = ['repo: r', 'title: t'].filter((l) => !l.startsWith(`${key}:`));
    expect(() => parseTaskText(task([...front, line].join('\n')), FILE)).not.toThrow();
  });

  it('refuses a body over MAX_BODY_BYTES, with its size and the limit', () => {
    expect(MAX_BODY_BYTES).toBe(256 * 1024);
    // Counted in UTF-8 bytes: 100,000 three-byte characters are 300,000 bytes.
    const err = taskError(task('repo: r\ntitle: t', '€'.repeat(100_000)));
    expect(err.issues).toEqual([
      'body: 300,000 bytes (293.0 KiB) of UTF-8, more than the limit of 262,144 bytes (256 KiB); ' +
        'put large material (logs, specs, data) in the repo and refer to it by path (line 5)',
    ]);
    expect(() => parseTaskText(task('repo: r\ntitle: t', 'x'.repeat(MAX_BODY_BYTES)), FILE)).not.toThrow();
  });

  it('refuses a title longer than MAX_TITLE_LENGTH', () => {
    const err = taskError(task(`repo: r\ntitle: ${'t'.repeat(MAX_TITLE_LENGTH + 1)}`));
    expect(err.issues).toEqual([
      `title: is ${MAX_TITLE_LENGTH + 1} characters long; at most ${MAX_TITLE_LENGTH} (line 3)`,
    ]);
  });

  it('requires a body', () => {
    const err = taskError(task('repo: r\ntitle: t', '\n   \n'));
    expect(err.issues).toEqual([
      'body: empty; describe the work below the closing "---" (what to do, acceptance criteria) (line 5)',
    ]);
  });

  it('reports every problem at once, in file order', () => {
    const err = taskError(task('titel: t\nbudget_usd: -2\ncomplexity_hint: x', ''));
    expect(err.issues).toEqual([
      'repo: required',
      'title: required',
      'titel: unknown key; did you mean "title"? (line 2)',
      'budget_usd: must be more than 0, got -2 (line 3)',
      'complexity_hint: expected one of low, medium, high, got "x" (line 4)',
      'body: empty; describe the work below the closing "---" (what to do, acceptance criteria) (line 6)',
    ]);
    expect(err.message).toMatch(/^Invalid task file \(6 problems\):\n {2}tasks\/fix-login\.md: repo: required\n/);
  });

  it('reports missing front matter', () => {
    const err = taskError('# Fix the login\n\nrepo: webapp\n');
    expect(err.issues).toEqual([expect.stringMatching(/^front matter: missing; a task file starts with a "---" line/)]);
  });

  it('reports unterminated front matter with the opening line', () => {
    const err = taskError('\n---\nrepo: r\ntitle: t\nBody text\n');
    expect(err.issues).toEqual(['front matter: not terminated; no closing "---" line after the opening one on line 2']);
  });

  it('reports YAML syntax errors with the line in the file', () => {
    const err = taskError('---\nrepo: r\ntitle: [unclosed\nbase: main\n---\nBody\n');
    expect(err.issues[0]).toMatch(/^line [34], column \d+: YAML syntax error: /);
    expect(err.message).toContain(`${FILE}: line `);
  });

  it('reports duplicate keys with their line', () => {
    const err = taskError('---\nrepo: r\ntitle: t\nrepo: s\n---\nBody\n');
    expect(err.issues).toEqual([
      expect.stringMatching(/^line 4, column 1: YAML syntax error: .*unique.*\(near "repo: s"\)$/),
    ]);
  });

  it('rejects front matter that is not key: value settings', () => {
    const err = taskError('---\n- repo\n- title\n---\nBody\n');
    expect(err.issues).toEqual(['front matter: expected "key: value" settings (repo:, title:, ...), got a list']);
  });
});

describe('parseTaskFile', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-task-file-test-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads a file and records its absolute path', async () => {
    const file = join(tmp, 'add-cache.md');
    writeFileSync(file, task('repo: r\ntitle: Add a cache'));
    const spec = await parseTaskFile(file);
    expect(spec).toMatchObject({ id: 'add-cache', title: 'Add a cache', sourcePath: file });
  });

  it('names a missing file', async () => {
    const file = join(tmp, 'missing.md');
    await expect(parseTaskFile(file)).rejects.toThrow(`${file}: cannot read the task file: file not found`);
  });

  it('parses the bundled example task', async () => {
    const spec = await parseTaskFile(join(root, 'examples', 'tasks', 'fix-slugify.md'));
    expect(spec).toMatchObject({ id: 'fix-slugify', repo: 'sample-repo' });
    expect(spec.body).toContain('transliterated');
  });
});
