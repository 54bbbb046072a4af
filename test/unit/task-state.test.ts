import { describe, expect, it } from 'vitest';
import type { TaskInput } from '../../workflows/api/index.js';
import { enterStage, initialStatus, recordIgnored, recordTransition } from '../../workflows/task-state.js';
import { currentDetails, eventKind, MEMO_CAPS, statusMemo } from '../../workflows/task-view.js';

const input: TaskInput = {
  task: { id: 'fix-it', repo: 'webapp', title: 'Fix it', allowDelegation: false, needsClaudeCode: false, body: 'x' },
  base: 'main',
  maxDevAttempts: 3,
  serial: true,
  provider: 'claude',
  providerReason: 'default provider',
  waitTimeoutMs: 1,
  reminderEveryMs: 1,
};

describe('currentDetails (the Web UI story)', () => {
  it('shows the questions and the exact answer command as separate markdown blocks', () => {
    const s = initialStatus(input, 'task-fix-it', '2026-01-01T00:00:00Z');
    Object.assign(s, {
      state: 'needs-input',
      detail: 'waiting for an answer',
      questions: ['Which page?', 'Keep ?next=?'],
    });
    s.attempts.analysis = 1;
    const md = currentDetails(s);
    expect(md.split('\n\n')).toEqual([
      '**needs-input** · analysis · waiting for an answer',
      '**Questions**',
      '- Which page?\n- Keep ?next=?',
      'Answer with `switchyard answer fix-it --text "…"`',
      '- Attempts: analysis 1\n- Provider: claude (default provider)\n- Cost: $0.0000',
    ]);
  });

  it('shows a hold reason with the resume command, and budget next to cost', () => {
    const s = initialStatus({ ...input, budgetUsd: 5 }, 'task-fix-it', '2026-01-01T00:00:00Z');
    Object.assign(s, {
      state: 'hold',
      holdReason: 'tests failed and all 3 development attempts are used',
      costUsd: 1.5,
    });
    const md = currentDetails(s);
    expect(md).toContain('**On hold:** tests failed and all 3 development attempts are used');
    expect(md).toContain('`switchyard resume fix-it`');
    expect(md).toContain('Cost: $1.5000 of $5.00');
  });
});

describe('eventKind', () => {
  it('files answers, resumes, pauses and cancels under their own kinds', () => {
    const t = (from: string, to: string, outcome: string) => ({ from, to, outcome, at: '' });
    expect(eventKind(t('needs-input', 'analysis', 'answered'))).toBe('answer');
    expect(eventKind(t('hold', 'development', 'resumed'))).toBe('resume');
    expect(eventKind(t('development', 'cancelled', 'cancelled'))).toBe('cancel');
    expect(eventKind(t('running', 'running', 'pause requested'))).toBe('pause');
    expect(eventKind(t('hold', 'testing', 'unpaused'))).toBe('unpause');
    expect(eventKind(t('testing', 'done', 'tests passed'))).toBe('transition');
  });
});

describe('ignored signals in the Web UI story', () => {
  it('lists the last three with their reasons', () => {
    const s = initialStatus(input, 'task-fix-it', '2026-01-01T00:00:00Z');
    for (let n = 1; n <= 4; n++) recordIgnored(s, 'resume', `t${n}`, `invalid payload: reason ${n}`);
    const md = currentDetails(s);
    expect(md).toContain('**Ignored signals** (4)');
    expect(md).toContain('- `resume` at t4 (running): invalid payload: reason 4');
    expect(md).toContain('reason 2');
    expect(md).not.toContain('reason 1');
  });

  it('keeps at most 50 in state, the newest', () => {
    const s = initialStatus(input, 'task-fix-it', '2026-01-01T00:00:00Z');
    for (let n = 1; n <= 60; n++) recordIgnored(s, 'answer', `t${n}`, 'not waiting for an answer');
    expect(s.ignoredSignals).toHaveLength(50);
    expect(s.ignoredSignals[0]!.at).toBe('t11');
  });
});

describe('statusMemo (the snapshot status reads without a worker)', () => {
  it('copies what status shows', () => {
    const s = initialStatus({ ...input, budgetUsd: 5 }, 'task-fix-it', '2026-01-01T00:00:00Z');
    Object.assign(s, {
      state: 'hold',
      stage: 'testing',
      detail: 'on hold before testing',
      holdReason: 'tests failed',
      heldStage: 'testing',
      branch: 'switchyard/fix-it',
      commit: 'a'.repeat(40),
      costUsd: 1.25,
    });
    s.attempts.development = 2;
    expect(statusMemo(s)).toEqual({
      v: 1,
      taskId: 'fix-it',
      title: 'Fix it',
      repo: 'webapp',
      state: 'hold',
      stage: 'testing',
      detail: 'on hold before testing',
      holdReason: 'tests failed',
      heldStage: 'testing',
      paused: false,
      attempts: { analysis: 0, development: 2, testing: 0, 'deploy-staging': 0 },
      maxDevAttempts: 3,
      provider: 'claude',
      providerReason: 'default provider',
      costUsd: 1.25,
      budgetUsd: 5,
      branch: 'switchyard/fix-it',
      commit: 'a'.repeat(40),
      transitions: [{ from: 'submitted', to: 'analysis', outcome: 'started', at: '2026-01-01T00:00:00Z' }],
      transitionCount: 1,
      ignoredSignals: [],
      ignoredSignalCount: 0,
    });
  });

  it('stays under 5 KiB however long the texts and lists grow, and says how many there are', () => {
    const long = (c: string) => c.repeat(20_000);
    const s = initialStatus({ ...input, task: { ...input.task, title: long('T') } }, 'task-fix-it', 'now');
    Object.assign(s, {
      state: 'needs-input',
      detail: long('d'),
      holdReason: long('h'),
      providerReason: long('p'),
      questions: Array.from({ length: 40 }, (_, n) => `${n} ${long('q')}`),
    });
    for (let n = 0; n < 200; n++) recordTransition(s, 'a', 'b', long('o'), 'now', long('n'));
    for (let n = 0; n < 80; n++) recordIgnored(s, 'answer', 'now', long('r'));
    const memo = statusMemo(s);
    expect(JSON.stringify(memo).length).toBeLessThan(5 * 1024);
    expect(memo.questions).toHaveLength(MEMO_CAPS.questions);
    expect(memo.questionCount).toBe(40);
    expect(memo.transitions).toHaveLength(MEMO_CAPS.transitions);
    expect(memo.transitionCount).toBe(201);
    expect(memo.ignoredSignals).toHaveLength(MEMO_CAPS.ignoredSignals);
    expect(memo.ignoredSignalCount).toBe(50);
    expect(memo.detail).toMatch(/characters cut/);
  });
});

describe('enterStage', () => {
  it('leaves hold and needs-input behind: no stale reason, held stage or questions', () => {
    const s = initialStatus(input, 'task-fix-it', '2026-01-01T00:00:00Z');
    Object.assign(s, {
      state: 'hold',
      stage: 'testing',
      heldStage: 'testing',
      holdReason: 'tests failed and all 3 development attempts are used',
      questions: ['Which page?'],
    });
    enterStage(s, 'development', 'developing (attempt 4)');
    expect(s).toMatchObject({ state: 'running', stage: 'development', detail: 'developing (attempt 4)' });
    expect(s.heldStage).toBeUndefined();
    expect(s.holdReason).toBeUndefined();
    expect(s.questions).toBeUndefined();
    const memo = statusMemo(s);
    expect(memo).not.toHaveProperty('heldStage');
    expect(memo).not.toHaveProperty('holdReason');
    expect(currentDetails(s)).not.toMatch(/On hold|Questions/);
  });
});
