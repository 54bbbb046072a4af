import { ApplicationFailure } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import type {
  AnalysisStageResult,
  DevelopmentStageResult,
  StagingSummary,
  TaskInput,
  TestSummary,
} from '../../workflows/api/index.js';
import { commitOf, shortSha, STAGE_PLAN, testFailureText } from '../../workflows/stage-plan.js';
import { newRun, type TaskRun } from '../../workflows/task-state.js';

const base: TaskInput = {
  task: {
    id: 'fix-it',
    repo: 'webapp',
    title: 'Fix it',
    allowDelegation: false,
    needsClaudeCode: false,
    body: 'Fix the login redirect.',
  },
  base: 'main',
  maxDevAttempts: 3,
  serial: true,
  provider: 'claude',
  providerReason: 'default provider',
  waitTimeoutMs: 60_000,
  reminderEveryMs: 10_000,
};

const runOf = (over: Partial<TaskInput> = {}): TaskRun =>
  newRun({ ...base, ...over }, { workflowId: 'task-fix-it', runId: 'run-1' }, '2026-01-01T00:00:00Z');

const sha = 'a'.repeat(40);
const testReport = (over: Partial<TestSummary> = {}): TestSummary => ({
  status: 'FAIL',
  exitCode: 1,
  durationMs: 5,
  output: 'not ok 1 - redirect keeps ?next',
  outputBytes: 30,
  truncated: false,
  command: ['npm', 'test'],
  commit: sha,
  ...over,
});
const stagingReport = (over: Partial<StagingSummary> = {}): StagingSummary => ({
  status: 'FAIL',
  outcomeClass: 'failed',
  transport: 'local',
  reason: 'staging target staging-1: the check failed (exit 2): health check failed',
  exitCode: 2,
  durationMs: 5,
  output: 'health check failed',
  outputBytes: 19,
  truncated: false,
  target: 'staging-1',
  commit: sha,
  ...over,
});

describe('analysis', () => {
  const plan = STAGE_PLAN.analysis;
  const result = (over: Partial<AnalysisStageResult>): AnalysisStageResult => ({
    outcome: 'ready',
    analysis: 'the plan',
    questions: [],
    summary: 'read the code',
    costUsd: 0.25,
    ...over,
  });

  it('asks the analyst with the task, the earlier rounds and what is left of the budget', () => {
    const run = runOf({ budgetUsd: 1, allowFallback: true });
    run.s.costUsd = 0.4;
    run.s.rounds.push({ questions: ['Which page?'], answer: 'the login page' });
    run.bodyRef = { artifactId: 7, marker: '[[switchyard:task-body:x]]' };
    expect(plan.detail(run, 2)).toBe('analyst claude at work (attempt 2)');
    const i = plan.input(run, 2);
    expect(i).toMatchObject({
      taskId: 'fix-it',
      attempt: 2,
      repo: 'webapp',
      base: 'main',
      provider: 'claude',
      bodyRef: run.bodyRef,
      budgetLeftUsd: 0.6,
      allowFallback: true,
    });
    expect(i.prompt).toContain('Which page?');
    expect(i.prompt).toContain('the login page');
    expect(i.prompt).toContain('[[switchyard:task-body:x]]');
    // Key order is the child's input as history shows it: kept as it was.
    expect(Object.keys(i)).toEqual([
      'taskId',
      'attempt',
      'repo',
      'base',
      'provider',
      'prompt',
      'bodyRef',
      'budgetLeftUsd',
      'allowFallback',
    ]);
  });

  it('without a budget the analyst has no limit', () => {
    expect(plan.input(runOf(), 1).budgetLeftUsd).toBeUndefined();
  });

  it('a plan is carried to the developer and goes on to development', () => {
    const run = runOf();
    const d = plan.absorb(run, result({}));
    expect(d).toEqual({ kind: 'stage', stage: 'development', why: 'analysis complete' });
    expect(run.carry.analysis).toBe('the plan');
    expect(run.s.analysisPreview).toBe('the plan');
    expect(run.s.lastSummary).toBe('read the code');
    expect(run.s.costUsd).toBe(0.25);
    expect(run.s.rounds).toEqual([]);
  });

  it('questions open a new round and wait for input; the plan so far is not carried', () => {
    const run = runOf();
    const d = plan.absorb(run, result({ outcome: 'needs-input', questions: ['Which locale?'], summary: '' }));
    expect(d).toEqual({ kind: 'needs-input', why: 'the analyst has blocking questions' });
    expect(run.s.rounds).toEqual([{ questions: ['Which locale?'] }]);
    expect(run.carry.analysis).toBe('');
    expect(run.s.lastSummary).toBeUndefined();
  });

  it('a failed analyst holds at analysis with its failure text', () => {
    const run = runOf();
    const d = plan.absorb(run, result({ outcome: 'agent-failed', failure: 'exit 2' }));
    expect(d).toEqual({ kind: 'hold', heldStage: 'analysis', reason: 'the analyst agent failed: exit 2' });
  });

  it('crossing the budget holds before development', () => {
    const run = runOf({ budgetUsd: 0.1 });
    expect(plan.absorb(run, result({}))).toMatchObject({ kind: 'hold', heldStage: 'development' });
  });
});

describe('development', () => {
  const plan = STAGE_PLAN.development;
  const result = (over: Partial<DevelopmentStageResult>): DevelopmentStageResult => ({
    outcome: 'committed',
    branch: 'switchyard/fix-it',
    commit: sha,
    summary: 'changed the redirect',
    changedFiles: ['a.ts'],
    costUsd: 0.5,
    ...over,
  });

  it('the first attempt starts at the base, on the task branch, replacing nothing', () => {
    const run = runOf();
    run.carry.analysis = 'change the redirect';
    expect(plan.detail(run, 1)).toBe('developer claude at work (attempt 1 of 3)');
    const i = plan.input(run, 1);
    expect(i).toMatchObject({
      taskId: 'fix-it',
      attempt: 1,
      repo: 'webapp',
      ref: 'main',
      branch: 'switchyard/fix-it',
      expectedTip: null,
      trailer: 'run-1 development 1',
      provider: 'claude',
    });
    expect(i.prompt).toContain('## Analysis');
    expect(i.prompt).toContain('change the redirect');
    expect(i.prompt).toContain('attempt 1');
    expect(i.prompt).not.toContain('## Previous attempt failed');
    expect(Object.keys(i)).toEqual([
      'taskId',
      'attempt',
      'repo',
      'ref',
      'branch',
      'expectedTip',
      'trailer',
      'provider',
      'budgetLeftUsd',
      'allowFallback',
      'prompt',
      'bodyRef',
    ]);
  });

  it('a later attempt builds on the last commit and carries the failure and the resume note', () => {
    const run = runOf({ run: 2 });
    run.s.commit = sha;
    run.carry.failure = { source: 'testing', test: testReport() };
    run.carry.note = 'mind the query string';
    const i = plan.input(run, 2);
    expect(i).toMatchObject({ ref: sha, expectedTip: sha, branch: 'switchyard/fix-it.run-2' });
    expect(i.prompt).toContain('## Previous attempt failed');
    expect(i.prompt).toContain('not ok 1 - redirect keeps ?next');
    expect(i.prompt).toContain('mind the query string');
  });

  it('a branch given at submit wins over the task branch', () => {
    expect(plan.input(runOf({ branch: 'feature/x', run: 3 }), 1).branch).toBe('feature/x');
  });

  it('a commit is kept, clears the failure and the note, and goes on to testing', () => {
    const run = runOf();
    run.carry.failure = { source: 'testing', test: testReport() };
    run.carry.note = 'mind the query string';
    const d = plan.absorb(run, result({}));
    expect(d).toEqual({ kind: 'stage', stage: 'testing', why: 'change committed and pushed' });
    expect(run.s).toMatchObject({ branch: 'switchyard/fix-it', commit: sha, costUsd: 0.5 });
    expect(run.s.lastSummary).toBe('changed the redirect');
    expect(run.carry.failure).toBeUndefined();
    expect(run.carry.note).toBeUndefined();
  });

  it('no changes hold at development; the failure and the last commit stay for the next attempt', () => {
    const run = runOf();
    run.s.commit = sha;
    const failure = { source: 'testing' as const, test: testReport() };
    run.carry.failure = failure;
    run.carry.note = 'a note';
    const d = plan.absorb(run, result({ outcome: 'no-changes', commit: undefined, branch: 'other' }));
    expect(d).toMatchObject({ kind: 'hold', heldStage: 'development' });
    expect(run.s.commit).toBe(sha);
    expect(run.s.branch).toBeUndefined();
    expect(run.carry.failure).toBe(failure);
    // The note was given to this attempt: it does not come back on the next one.
    expect(run.carry.note).toBeUndefined();
  });

  it('a failed developer holds with its failure text and its cost still counts', () => {
    const run = runOf();
    const d = plan.absorb(run, result({ outcome: 'agent-failed', failure: 'exit 3', costUsd: 0.2 }));
    expect(d).toEqual({ kind: 'hold', heldStage: 'development', reason: 'the developer agent failed: exit 3' });
    expect(run.s.costUsd).toBe(0.2);
  });
});

describe('testing', () => {
  const plan = STAGE_PLAN.testing;

  it('tests the commit development made', () => {
    const run = runOf();
    run.s.commit = sha;
    expect(plan.detail(run, 1)).toBe(`running tests on ${sha.slice(0, 12)} (attempt 1)`);
    expect(plan.input(run, 1)).toEqual({ taskId: 'fix-it', attempt: 1, repo: 'webapp', commit: sha });
  });

  it('refuses to test without a commit', () => {
    const run = runOf();
    expect(plan.detail(run, 1)).toBe('running tests on (no commit) (attempt 1)');
    let err: unknown;
    try {
      plan.input(run, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'Internal', nonRetryable: true });
  });

  it('a failing run goes back to development with its report while attempts remain', () => {
    const run = runOf();
    run.s.attempts.development = 1;
    const report = testReport({ counts: { framework: 'node:test', passed: 2, failed: 1 } });
    const d = plan.absorb(run, { outcome: 'failed', report });
    expect(d).toEqual({ kind: 'stage', stage: 'development', why: 'tests failed; development attempt 2' });
    expect(run.s.lastTest).toBe(report);
    expect(run.carry.failure).toEqual({ source: 'testing', test: report });
  });

  it('a failing run holds once the development attempts are used, with the failure text', () => {
    const run = runOf();
    run.s.attempts.development = 3;
    const d = plan.absorb(run, { outcome: 'failed', report: testReport() });
    expect(d).toMatchObject({ kind: 'hold', heldStage: 'development' });
  });

  it('passing goes to staging when there is a target, else done; a pass does not touch the carried failure', () => {
    const withTarget = runOf({ staging: 'staging-1' });
    expect(
      STAGE_PLAN.testing.absorb(withTarget, { outcome: 'passed', report: testReport({ status: 'PASS' }) }),
    ).toEqual({ kind: 'stage', stage: 'deploy-staging', why: 'tests passed' });
    expect(withTarget.s.lastTest?.status).toBe('PASS');
    const without = runOf();
    expect(plan.absorb(without, { outcome: 'passed' })).toEqual({
      kind: 'done',
      why: 'tests passed; no staging target',
    });
    expect(without.s.lastTest).toBeUndefined();
    expect(without.carry.failure).toBeUndefined();
  });

  it("a tool error holds at testing with the stage's own failure text before the report's", () => {
    const d = plan.absorb(runOf(), { outcome: 'tool-error', report: testReport(), failure: 'ToolMissing: npx' });
    expect(d).toMatchObject({ kind: 'hold', heldStage: 'testing' });
    expect(d.kind === 'hold' && d.reason).toMatch(/environment problem.*: ToolMissing: npx$/);
    const fromReport = plan.absorb(runOf(), { outcome: 'tool-error', report: testReport({ status: 'TIMEOUT' }) });
    expect(fromReport.kind === 'hold' && fromReport.reason).toMatch(/: TIMEOUT \(exit 1\)$/);
  });
});

describe('deploy-staging', () => {
  const plan = STAGE_PLAN['deploy-staging'];

  it('checks the commit on the task’s target', () => {
    const run = runOf({ staging: 'staging-1' });
    run.s.commit = sha;
    expect(plan.detail(run, 2)).toBe(`staging check on staging-1 for ${sha.slice(0, 12)} (attempt 2)`);
    expect(plan.input(run, 2)).toEqual({
      taskId: 'fix-it',
      attempt: 2,
      repo: 'webapp',
      commit: sha,
      target: 'staging-1',
    });
    expect(() => plan.input(runOf({ staging: 'staging-1' }), 1)).toThrow(/no commit/);
  });

  it('a failed check goes back to development with the staging report', () => {
    const run = runOf({ staging: 'staging-1' });
    run.s.attempts.development = 1;
    const report = stagingReport();
    const d = plan.absorb(run, { outcome: 'failed', report });
    expect(d).toMatchObject({ kind: 'stage', stage: 'development' });
    expect(run.s.lastStaging).toBe(report);
    expect(run.carry.failure).toEqual({ source: 'deploy-staging', staging: report });
  });

  it('an environment problem holds at deploy-staging; a pass is done', () => {
    const run = runOf({ staging: 'staging-1' });
    expect(plan.absorb(run, { outcome: 'env-problem', failure: 'host key verification failed' })).toEqual({
      kind: 'hold',
      heldStage: 'deploy-staging',
      reason: 'the staging environment has a problem: host key verification failed',
    });
    expect(run.carry.failure).toBeUndefined();
    expect(plan.absorb(run, { outcome: 'passed', report: stagingReport({ status: 'PASS' }) })).toEqual({
      kind: 'done',
      why: 'staging check passed',
    });
  });
});

describe('helpers', () => {
  it('testFailureText says nothing for a pass or no report, and names status, exit and failing count', () => {
    expect(testFailureText(undefined)).toBeUndefined();
    expect(testFailureText(testReport({ status: 'PASS' }))).toBeUndefined();
    expect(testFailureText(testReport())).toBe('FAIL (exit 1)');
    expect(testFailureText(testReport({ exitCode: null, status: 'TIMEOUT' }))).toBe('TIMEOUT (exit signal)');
    expect(testFailureText(testReport({ counts: { framework: 'pytest', passed: 1, failed: 4 } }))).toBe(
      'FAIL (exit 1, 4 failing)',
    );
  });

  it('shortSha keeps 12 characters', () => {
    expect(shortSha(sha)).toBe('aaaaaaaaaaaa');
    expect(shortSha()).toBe('(no commit)');
    const run = runOf();
    run.s.commit = sha;
    expect(commitOf(run.s)).toBe(sha);
  });
});
