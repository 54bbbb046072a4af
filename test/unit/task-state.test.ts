import { describe, expect, it } from 'vitest';
import type { TaskInput } from '../../workflows/api.js';
import { currentDetails, eventKind, initialStatus } from '../../workflows/task-state.js';

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
