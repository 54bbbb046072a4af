import { describe, expect, it } from 'vitest';
import type { TaskInput } from '../../workflows/api/index.js';
import {
  INPUT_DEFAULTS,
  MAX_GATE_IGNORED,
  MAX_MESSAGE_CHARS,
  parseAnswer,
  parseGateAcquire,
  parseGateGranted,
  parseGateInput,
  parseGateRelease,
  parseOperator,
  parseResume,
  parseStageProgress,
  parseTaskInput,
} from '../../workflows/messages.js';
import { REDACTED } from '../../workflows/redact.js';

const GHP = 'ghp_' + 'A1b2C3d4E5'.repeat(4);

const full: TaskInput = {
  task: {
    id: 'fix-login',
    repo: 'webapp',
    title: 'Fix the login redirect',
    base: 'release/1.2',
    allowDelegation: false,
    needsClaudeCode: false,
    body: 'Do it.',
    sourcePath: '/tasks/fix-login.md',
  },
  base: 'release/1.2',
  maxDevAttempts: 3,
  budgetUsd: 4,
  staging: 'preview',
  serial: true,
  provider: 'claude-code',
  providerReason: 'default provider',
  allowFallback: true,
  waitTimeoutMs: 1000,
  reminderEveryMs: 500,
  run: 2,
  branch: 'switchyard/fix-login.run-2',
};

const problemsOf = (raw: unknown) => {
  const r = parseTaskInput(raw);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
};

describe('parseTaskInput (the start input, shared by the CLI and the workflow)', () => {
  it('takes what the CLI sends unchanged', () => {
    expect(parseTaskInput(full)).toEqual({ ok: true, input: full });
  });

  it('fills the defaults a hand-typed input may leave out', () => {
    const r = parseTaskInput({
      task: { id: 'raw-1', repo: 'webapp', title: 'Raw', body: 'Do it.', base: 'dev', maxDevAttempts: 2 },
      provider: 'codex',
    });
    expect(r).toEqual({
      ok: true,
      input: {
        task: {
          id: 'raw-1',
          repo: 'webapp',
          title: 'Raw',
          body: 'Do it.',
          base: 'dev',
          maxDevAttempts: 2,
          allowDelegation: false,
          needsClaudeCode: false,
        },
        base: 'dev',
        maxDevAttempts: 2,
        serial: true,
        provider: 'codex',
        providerReason: INPUT_DEFAULTS.providerReason,
        waitTimeoutMs: INPUT_DEFAULTS.waitTimeoutMs,
        reminderEveryMs: INPUT_DEFAULTS.reminderEveryMs,
      },
    });
  });

  it.each([
    ['a bare string', 'fix-login', ['input: expected an object ({…}), got a string']],
    ['null', null, ['input: expected an object ({…}), got null']],
    ['an array', [full], ['input: expected an object ({…}), got an array']],
    ['no task', { provider: 'x' }, ['task: missing']],
  ])('refuses %s', (_what, raw, expected) => {
    expect(problemsOf(raw)).toEqual(expected);
  });

  it('lists every problem at once, each naming its field', () => {
    const problems = problemsOf({ task: { id: 'raw-1' } });
    expect(problems).toEqual(['task.repo: missing', 'task.title: missing', 'task.body: missing', 'provider: missing']);
  });

  it.each([
    ['task.id', { task: { ...full.task, id: '--help' } }, /task\.id: "--help" is not a task id/],
    ['task.id', { task: { ...full.task, id: 'Fix It' } }, /task\.id: .*not a task id/],
    ['task.repo', { task: { ...full.task, repo: '--upload-pack=touch${IFS}x;x@y:' } }, /task\.repo: .*starts with "-"/],
    ['task.repo', { task: { ...full.task, repo: 'ext::sh -c touch%20x' } }, /task\.repo: .*transport helpers/],
    ['base', { base: 'main;touch x' }, /^base: .*not a valid branch/],
    ['base', { base: '--upload-pack=x' }, /^base: .*starts with "-"/],
    ['branch', { branch: 'a..b' }, /^branch: .*contains "\.\."/],
    ['provider', { provider: '$(id)' }, /^provider: is not a provider name/],
    ['staging', { staging: 'a b' }, /^staging: is not a staging target name/],
    ['budgetUsd', { budgetUsd: 'abc' }, /^budgetUsd: expected a number, got a string$/],
    ['budgetUsd', { budgetUsd: -1 }, /^budgetUsd: /],
    ['maxDevAttempts', { maxDevAttempts: 2.5 }, /^maxDevAttempts: expected a whole number, got 2\.5$/],
    ['serial', { serial: 'yes' }, /^serial: expected true or false, got a string$/],
    ['waitTimeoutMs', { waitTimeoutMs: 0 }, /^waitTimeoutMs: must be at least 1/],
    ['task.title', { task: { ...full.task, title: '  ' } }, /^task\.title: is empty$/],
    ['task.body', { task: { ...full.task, body: '' } }, /^task\.body: is empty/],
    ['an unknown field', { budget: 5 }, /^budget: unknown field$/],
    ['an unknown task field', { task: { ...full.task, prefered_ai: 'x' } }, /^task\.prefered_ai: unknown field$/],
  ])('names %s', (_what, over, expected) => {
    const problems = problemsOf({ ...full, ...over });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it.each([
    [
      'task.repo',
      { task: { ...full.task, repo: `/srv/${'a'.repeat(595)}` } },
      /^task\.repo: .*600 characters long; at most 512/,
    ],
    [
      'task.repo',
      { task: { ...full.task, repo: 'r'.repeat(100) } },
      /^task\.repo: .*100 characters long; a repo name is at most 64$/,
    ],
    ['provider', { provider: 'p'.repeat(100) }, /^provider: is 100 characters long; a provider name is at most 64$/],
    ['staging', { staging: 's'.repeat(65) }, /^staging: is 65 characters long; a staging target name is at most 64$/],
    [
      'task.preferredAi',
      { task: { ...full.task, preferredAi: 'p'.repeat(65) } },
      /^task\.preferredAi: is 65 characters/,
    ],
    ['task.staging', { task: { ...full.task, staging: 's'.repeat(65) } }, /^task\.staging: is 65 characters/],
  ])('caps the length of %s (it becomes a search attribute or part of a workflow id)', (_what, over, expected) => {
    const problems = problemsOf({ ...full, ...over });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
    expect(problems[0].length).toBeLessThan(300);
  });

  it('takes names and locations of exactly the limit', () => {
    const at = { ...full, provider: 'p'.repeat(64), staging: 's'.repeat(64) };
    expect(parseTaskInput({ ...at, task: { ...full.task, repo: `/srv/${'a'.repeat(507)}` } }).ok).toBe(true);
    expect(parseTaskInput({ ...at, task: { ...full.task, repo: 'r'.repeat(64) } }).ok).toBe(true);
  });

  it('accepts repo locations and names by the grammar', () => {
    for (const repo of ['webapp', 'my.repo_2', '/srv/git/app', './app', 'https://example.com/a.git', 'git@host:a/b']) {
      expect(parseTaskInput({ ...full, task: { ...full.task, repo } }).ok, repo).toBe(true);
    }
  });

  it('never echoes a secret in a problem', () => {
    const problems = problemsOf({ ...full, task: { ...full.task, id: GHP } });
    expect(problems.join()).not.toContain(GHP);
    expect(problems[0]).toContain(REDACTED);
  });
});

describe('signal payloads', () => {
  it('an answer: an object, or a bare string taken as the text; redacted', () => {
    expect(parseAnswer({ text: 'en-GB', by: 'ana' })).toEqual({ ok: true, value: { text: 'en-GB', by: 'ana' } });
    expect(parseAnswer('en-GB please')).toEqual({ ok: true, value: { text: 'en-GB please' } });
    expect(parseAnswer(`token ${GHP}`)).toEqual({ ok: true, value: { text: `token ${REDACTED}` } });
    expect(parseAnswer({ text: 'x', by: `Bearer ${GHP}` })).toEqual({
      ok: true,
      value: { text: 'x', by: `Bearer ${REDACTED}` },
    });
    expect(parseAnswer({ text: 'x', by: '  ' })).toEqual({ ok: true, value: { text: 'x' } });
  });

  it.each([
    ['null', null, 'payload: expected an object ({…}), got null'],
    ['nothing', undefined, 'payload: missing'],
    ['an array', ['hi'], 'payload: expected an object ({…}), got an array'],
    ['a number', 42, 'payload: expected an object ({…}), got 42'],
    ['no text', { by: 'ana' }, 'text: missing'],
    ['a blank text', { text: '  \n' }, 'text: is empty'],
    ['a blank string', '   ', 'text: is empty'],
    ['text of the wrong type', { text: ['a'] }, 'text: expected a string, got an array'],
    ['an unknown field', { text: 'x', answer: 'y' }, 'answer: unknown field'],
    ['a huge text', 'x'.repeat(MAX_MESSAGE_CHARS + 1), `text: is longer than ${MAX_MESSAGE_CHARS} characters`],
  ])('refuses an answer of %s with the reason', (_what, raw, reason) => {
    expect(parseAnswer(raw)).toEqual({ ok: false, reason });
  });

  it('an answer of exactly the limit is taken', () => {
    expect(parseAnswer('x'.repeat(MAX_MESSAGE_CHARS)).ok).toBe(true);
  });

  it('a resume: retry or abort with limits; the note and by redacted', () => {
    expect(parseResume({ action: 'retry', budgetUsd: 5, maxDevAttempts: 4, note: `use ${GHP}`, by: 'op' })).toEqual({
      ok: true,
      value: { action: 'retry', budgetUsd: 5, maxDevAttempts: 4, note: `use ${REDACTED}`, by: 'op' },
    });
    expect(parseResume({ action: 'abort' })).toEqual({ ok: true, value: { action: 'abort' } });
  });

  it.each([
    [
      'an unknown action and a string budget',
      { action: 'explode', budgetUsd: 'abc' },
      /action: must be "retry" or "abort"; budgetUsd: expected a number, got a string/,
    ],
    ['no action', { note: 'go' }, /^action: must be "retry" or "abort"$/],
    ['null', null, /^payload: expected an object/],
    ['a bare string', 'retry', /^payload: expected an object .*got a string$/],
    ['a negative budget', { action: 'retry', budgetUsd: -5 }, /^budgetUsd: /],
    ['zero attempts', { action: 'retry', maxDevAttempts: 0 }, /^maxDevAttempts: /],
    ['a misspelt field', { action: 'retry', budget: 5 }, /^budget: unknown field$/],
    ['a huge note', { action: 'retry', note: 'n'.repeat(MAX_MESSAGE_CHARS + 1) }, /^note: is longer than/],
    ['a number by', { action: 'retry', by: 7 }, /^by: expected a string, got 7$/],
  ])('refuses a resume with %s', (_what, raw, reason) => {
    const r = parseResume(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('pause and unpause: no payload, or who and why', () => {
    expect(parseOperator(undefined)).toEqual({ ok: true, value: {} });
    expect(parseOperator({})).toEqual({ ok: true, value: {} });
    expect(parseOperator({ by: 'op', note: `Bearer ${GHP}` })).toEqual({
      ok: true,
      value: { by: 'op', note: `Bearer ${REDACTED}` },
    });
    expect(parseOperator(null)).toEqual({ ok: false, reason: 'payload: expected an object ({…}), got null' });
    expect(parseOperator({ reason: 'x' })).toEqual({ ok: false, reason: 'reason: unknown field' });
    expect(parseOperator([])).toEqual({ ok: false, reason: 'payload: expected an object ({…}), got an array' });
  });

  it('the internal signals: stage progress and gate grants', () => {
    expect(parseStageProgress({ stage: 'analysis', detail: 'waiting' }).ok).toBe(true);
    expect(parseStageProgress({ stage: 'deploy', detail: 'x' })).toMatchObject({ ok: false, reason: /^stage: / });
    expect(parseStageProgress({ stage: 'testing' })).toEqual({ ok: false, reason: 'detail: missing' });
    expect(parseGateGranted({ repo: 'webapp' })).toEqual({ ok: true, value: { repo: 'webapp' } });
    expect(parseGateGranted({ target: 'web' })).toEqual({ ok: true, value: { target: 'web' } });
    expect(parseGateGranted({})).toMatchObject({ ok: false, reason: /^repo: missing/ });
    expect(parseGateGranted({ repo: 'webapp', target: 'web' })).toMatchObject({ ok: false, reason: /^repo: missing/ });
    expect(parseGateGranted({ repo: 3 })).toMatchObject({ ok: false, reason: /^repo: / });
  });

  it('a reason never echoes a secret and stays short', () => {
    const r = parseResume({
      action: 'retry',
      [GHP]: 1,
      ...Object.fromEntries(Array.from({ length: 200 }, (_, n) => [`k${n}`, n])),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).not.toContain(GHP);
    expect(r.reason.length).toBeLessThan(400);
  });
});

describe('the repo gate: start input and signals', () => {
  const req = { workflowId: 'task-fix-login', taskId: 'fix-login' };
  const gate = (input: unknown, carried?: unknown, workflowId = 'gate-webapp') =>
    parseGateInput(input, carried, workflowId);
  const gateProblems = (input: unknown, carried?: unknown, workflowId?: string) => {
    const r = gate(input, carried, workflowId);
    if (r.ok) throw new Error('expected problems');
    return r.problems;
  };

  it('a request names a task and its own workflow', () => {
    expect(parseGateAcquire(req)).toEqual({ ok: true, value: req });
    expect(parseGateRelease({ workflowId: 'task-fix-login' })).toEqual({
      ok: true,
      value: { workflowId: 'task-fix-login' },
    });
  });

  it.each([
    ['null', null, /^payload: expected an object .*got null$/],
    ['nothing', undefined, /^payload: missing$/],
    ['an empty object', {}, /^workflowId: missing; taskId: missing$/],
    ['an array', [req], /^payload: .*got an array$/],
    ['a bare string', 'task-fix-login', /^payload: .*got a string$/],
    [
      'wrong types',
      { workflowId: 5, taskId: false },
      /^workflowId: expected a string, got 5; taskId: expected a string/,
    ],
    ['a foreign workflow', { ...req, workflowId: 'task-other' }, /^workflowId: must be task-<taskId>/],
    [
      'a workflow that is no task',
      { ...req, workflowId: 'gate-webapp' },
      /^workflowId: "gate-webapp" is not a task workflow id/,
    ],
    [
      'a task id starting with "-"',
      { workflowId: 'task---help', taskId: '--help' },
      /workflowId: .*; taskId: "--help" is not a task id/,
    ],
    ['an unknown field', { ...req, extra: 1 }, /^extra: unknown field$/],
    [
      'a huge string',
      { workflowId: `task-${'x'.repeat(100_000)}`, taskId: 'x'.repeat(100_000) },
      /is not a task workflow id/,
    ],
  ])('refuses a gateAcquire of %s with a short reason', (_what, raw, reason) => {
    const r = parseGateAcquire(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(reason);
    expect(r.reason.length).toBeLessThan(400);
  });

  it.each([
    ['null', null, /^payload: .*got null$/],
    ['an empty object', {}, /^workflowId: missing$/],
    ['an array', [{ workflowId: 'task-a' }], /^payload: .*got an array$/],
    ['a number', { workflowId: 7 }, /^workflowId: expected a string, got 7$/],
    ['a huge string', { workflowId: 'task-'.padEnd(1_000_000, 'x') }, /is not a task workflow id/],
    ['an unknown field', { workflowId: 'task-a', why: 'x' }, /^why: unknown field$/],
  ])('refuses a gateRelease of %s with a short reason', (_what, raw, reason) => {
    const r = parseGateRelease(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(reason);
    expect(r.reason.length).toBeLessThan(400);
  });

  it('a start input is the repo, and the state carried over continue-as-new', () => {
    expect(gate('webapp')).toEqual({ ok: true, value: { repo: 'webapp', queue: [], ignored: [] } });
    const carried = { repo: 'webapp', holder: { ...req, since: '2025-01-01T00:00:00.000Z' }, queue: [] };
    expect(gate('webapp', carried)).toEqual({ ok: true, value: { ...carried, ignored: [] } });
    expect(gate('/srv/git/app', undefined, 'gate-/srv/git/app').ok).toBe(true);
  });

  it.each<[string, unknown, unknown, string | undefined, RegExp[]]>([
    ['nothing', undefined, undefined, undefined, [/^repo: missing$/]],
    ['null', null, undefined, undefined, [/^repo: expected a string, got null$/]],
    ['an object', { repo: 'webapp' }, undefined, undefined, [/^repo: expected a string, got an object$/]],
    ['a git option', '--upload-pack=x', undefined, 'gate---upload-pack=x', [/^repo: .*starts with "-"/]],
    [
      'a 5000-character repo',
      `/srv/${'a'.repeat(4995)}`,
      undefined,
      'gate-x',
      [/^repo: .*5000 characters long; at most 512/],
    ],
    ['another workflow id', 'webapp', undefined, 'gate-other', [/^workflowId: "gate-other" must be "gate-webapp"/]],
    [
      'carried state of another repo',
      'webapp',
      { repo: 'other', queue: [] },
      undefined,
      [/^carried\.repo: must be the repo/],
    ],
    [
      'carried state of the wrong shape',
      'webapp',
      { repo: 'webapp', queue: [{}] },
      undefined,
      [/^carried\.queue\.0\.workflowId: missing$/, /^carried\.queue\.0\.taskId: missing$/],
    ],
    ['carried state that is a string', 'webapp', 'x', undefined, [/^carried: expected an object/]],
  ])('refuses a start input of %s, listing every problem', (_what, input, carried, workflowId, expected) => {
    const problems = gateProblems(input, carried, workflowId);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((re, n) => expect(problems[n]).toMatch(re));
  });

  it('carried ignored signals are capped', () => {
    const ignored = Array.from({ length: MAX_GATE_IGNORED + 1 }, () => ({
      signal: 'gateAcquire',
      at: 'now',
      reason: 'x',
    }));
    expect(gateProblems('webapp', { repo: 'webapp', queue: [], ignored })).toEqual([
      expect.stringMatching(/^carried\.ignored: /),
    ]);
  });
});

describe('messages: each refusal’s words (edges)', () => {
  const withTask = (task: Record<string, unknown>, rest: Record<string, unknown> = {}) => ({
    ...full,
    ...rest,
    task: { ...full.task, ...task },
  });

  it('names the kind of name a field wants, and the limits it passed', () => {
    expect(problemsOf(withTask({ preferredAi: '-x' }))).toEqual([
      'task.preferredAi: is not a provider name (letters, digits, ".", "_" or "-", starting with a letter or digit)',
    ]);
    expect(problemsOf(withTask({ staging: '-x' }))).toEqual([
      'task.staging: is not a staging target name (letters, digits, ".", "_" or "-", starting with a letter or digit)',
    ]);
    expect(problemsOf(withTask({ title: 'x'.repeat(201) }))).toEqual(['task.title: is longer than 200 characters']);
    expect(problemsOf(withTask({ body: '  \n ' }))).toEqual(['task.body: is empty; say what to do']);
    expect(problemsOf(withTask({ title: true }))).toEqual(['task.title: expected a string, got boolean']);
  });

  it('takes each complexity hint and refuses another', () => {
    for (const hint of ['low', 'medium', 'high']) {
      expect(parseTaskInput(withTask({ complexityHint: hint })).ok).toBe(true);
    }
    expect(problemsOf(withTask({ complexityHint: 'extreme' }))[0]).toMatch(/^task\.complexityHint: /);
  });

  it('a branch of another task is refused on the branch field; a malformed id is reported alone', () => {
    expect(problemsOf({ ...full, branch: 'switchyard/other' })).toEqual([
      'branch: must be the task\'s own branch, switchyard/<task id> (".run-<n>" for run n > 1)',
    ]);
    const bad = problemsOf(withTask({ id: 'Bad Id' }));
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^task\.id: /);
    expect(problemsOf({ ...full, task: undefined })).toEqual(['task: missing']);
  });

  it('a by longer than its limit is refused with the limit', () => {
    expect(parseAnswer({ text: 'yes', by: 'b'.repeat(201) })).toEqual({
      ok: false,
      reason: 'by: is longer than 200 characters',
    });
  });

  it('a gate request that is not an object, or has a non-string field, gets only the type problem', () => {
    expect(parseGateAcquire(null)).toMatchObject({ ok: false });
    expect(parseGateAcquire({ workflowId: 5, taskId: 'fix-login' })).toEqual({
      ok: false,
      reason: 'workflowId: expected a string, got 5',
    });
    expect(parseGateAcquire({ workflowId: 'task-fix-login', taskId: 5 })).toEqual({
      ok: false,
      reason: 'taskId: expected a string, got 5',
    });
    expect(parseGateAcquire({ workflowId: 'task-other', taskId: 'fix-login' })).toEqual({
      ok: false,
      reason: 'workflowId: must be task-<taskId>, the workflow of the task that asks',
    });
  });

  it('carries short ignored-signal records over continue-as-new', () => {
    const carried = {
      repo: 'webapp',
      queue: [],
      ignored: [{ signal: 'release', at: '2026-03-10T12:00:00Z', reason: 'not the holder' }],
    };
    expect(parseGateInput('webapp', carried, 'gate-webapp')).toEqual({ ok: true, value: carried });
    expect(parseGateInput('webapp', { ...carried, ignored: [{}] }, 'gate-webapp').ok).toBe(false);
  });
});
