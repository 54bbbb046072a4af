import { describe, expect, it } from 'vitest';
import type { TaskInput } from '../../workflows/api/index.js';
import { startInput } from '../../workflows/task-effects.js';
import {
  onAnswer,
  onGateGranted,
  onPause,
  onResume,
  onStageProgress,
  onUnpause,
} from '../../workflows/task-signals.js';
import { newRun, type TaskRun } from '../../workflows/task-state.js';

const input: TaskInput = {
  task: { id: 'fix-it', repo: 'webapp', title: 'Fix it', allowDelegation: false, needsClaudeCode: false, body: 'x' },
  base: 'main',
  maxDevAttempts: 3,
  serial: true,
  provider: 'claude',
  providerReason: 'default provider',
  waitTimeoutMs: 1000,
  reminderEveryMs: 1000,
};
const AT = '2026-01-02T03:04:05Z';
const runOf = (over: Partial<TaskInput> = {}): TaskRun =>
  newRun({ ...input, ...over }, { workflowId: 'task-fix-it', runId: 'run-1' }, '2026-01-01T00:00:00Z');
const quiet = { publish: false };
const shown = { publish: true };

describe('answer', () => {
  it('is taken only while the task waits for one, and only one at a time', () => {
    const run = runOf();
    expect(onAnswer(run, { text: 'early' })).toEqual({ ignored: 'not waiting for an answer' });
    run.s.state = 'needs-input';
    expect(onAnswer(run, { text: 'en-GB', by: 'ana' })).toEqual(quiet);
    expect(run.inbox.answer).toEqual({ text: 'en-GB', by: 'ana' });
    expect(onAnswer(run, { text: 'second' })).toEqual({ ignored: 'an answer is already being taken' });
    expect(run.inbox.answer).toEqual({ text: 'en-GB', by: 'ana' });
  });

  it('a bare string is the text; a bad payload is ignored before the state is looked at', () => {
    const run = runOf();
    run.s.state = 'needs-input';
    expect(onAnswer(run, 'just this')).toEqual(quiet);
    expect(run.inbox.answer).toEqual({ text: 'just this' });
    const other = runOf();
    const r = onAnswer(other, { text: '' });
    expect(r).toMatchObject({ ignored: expect.stringMatching(/^invalid payload: .*text.*empty/) });
    expect(other.inbox.answer).toBeUndefined();
  });
});

describe('resume', () => {
  it('is taken only on hold, one at a time', () => {
    const run = runOf();
    expect(onResume(run, { action: 'retry' })).toEqual({ ignored: 'not on hold' });
    run.s.state = 'hold';
    expect(onResume(run, { action: 'retry', budgetUsd: 5 })).toEqual(quiet);
    expect(run.inbox.resume).toEqual({ action: 'retry', budgetUsd: 5 });
    expect(onResume(run, { action: 'abort' })).toEqual({ ignored: 'a resume is already being taken' });
    expect(onResume(runOf(), { action: 'later' })).toMatchObject({
      ignored: expect.stringMatching(/^invalid payload/),
    });
  });
});

describe('pause and unpause', () => {
  it('pause is recorded at once with who and the note; a second one is ignored', () => {
    const run = runOf();
    expect(onPause(run, { by: 'op', note: 'lunch' }, AT)).toEqual(shown);
    expect(run.s.paused).toBe(true);
    expect(run.s.transitions.at(-1)).toEqual({
      from: 'running',
      to: 'running',
      outcome: 'pause requested',
      at: AT,
      note: 'op',
    });
    expect(run.events.details[run.s.transitions.length - 1]).toEqual({ note: 'lunch' });
    expect(onPause(run, {}, AT)).toEqual({ ignored: 'already paused, on hold or ended' });
  });

  it('pause does not fit a hold or an ended task', () => {
    for (const state of ['hold', 'done', 'failed', 'cancelled'] as const) {
      const run = runOf();
      run.s.state = state;
      expect(onPause(run, undefined, AT)).toEqual({ ignored: 'already paused, on hold or ended' });
      expect(run.s.paused).toBe(false);
    }
  });

  it('unpause needs a pause; without a note nothing extra is filed', () => {
    const run = runOf();
    expect(onUnpause(run, {}, AT)).toEqual({ ignored: 'not paused' });
    onPause(run, undefined, AT);
    run.s.state = 'hold';
    expect(onUnpause(run, undefined, AT)).toEqual(shown);
    expect(run.s.paused).toBe(false);
    expect(run.s.transitions.at(-1)).toEqual({ from: 'hold', to: 'hold', outcome: 'unpaused', at: AT });
    expect(run.events.details).toEqual({});
    expect(onUnpause(run, { extra: 1 }, AT)).toMatchObject({ ignored: expect.stringMatching(/^invalid payload/) });
  });
});

describe('gateGranted', () => {
  it('counts only for this repo and while the task waits for the gate', () => {
    const run = runOf();
    expect(onGateGranted(run, { repo: 'webapp' })).toEqual({ ignored: 'not waiting for the repo gate' });
    run.gates.repo.requested = true;
    expect(onGateGranted(run, { repo: 'other' })).toEqual({ ignored: 'a grant for another repo' });
    expect(run.inbox.granted.repo).toBe(false);
    expect(onGateGranted(run, { repo: 'webapp' })).toEqual(quiet);
    expect(run.inbox.granted).toEqual({ repo: true, staging: false });
    expect(onGateGranted(run, 'webapp')).toMatchObject({ ignored: expect.stringMatching(/^invalid payload/) });
  });
});

describe('gateGranted for a staging target', () => {
  it('counts only for the task’s own target and while it waits for it', () => {
    const run = runOf({ staging: 'web' });
    expect(onGateGranted(run, { target: 'web' })).toEqual({ ignored: 'not waiting for the staging target gate' });
    run.gates.staging.requested = true;
    expect(onGateGranted(run, { target: 'other' })).toEqual({ ignored: 'a grant for another staging target' });
    // A repo of the same name is another gate.
    expect(onGateGranted(run, { repo: 'web' })).toEqual({ ignored: 'a grant for another repo' });
    expect(onGateGranted(run, { target: 'web' })).toEqual(quiet);
    expect(run.inbox.granted).toEqual({ repo: false, staging: true });
    expect(onGateGranted(run, { repo: 'webapp', target: 'web' })).toMatchObject({
      ignored: expect.stringMatching(/^invalid payload/),
    });
  });
});

describe('stageProgress', () => {
  it('shows the running stage’s detail; stale progress is dropped without a record', () => {
    const run = runOf();
    expect(onStageProgress(run, { stage: 'analysis', detail: 'waiting out a usage limit' })).toEqual(shown);
    expect(run.s.detail).toBe('waiting out a usage limit');
    expect(onStageProgress(run, { stage: 'testing', detail: 'late' })).toEqual(quiet);
    run.s.state = 'hold';
    expect(onStageProgress(run, { stage: 'analysis', detail: 'late' })).toEqual(quiet);
    expect(run.s.detail).toBe('waiting out a usage limit');
    expect(onStageProgress(run, { stage: 'analysis', detail: '' })).toMatchObject({
      ignored: expect.stringMatching(/^invalid payload/),
    });
  });
});

describe('start input', () => {
  it('a valid input under its own workflow id is taken', () => {
    expect(startInput(input, 'task-fix-it')).toEqual({ input: expect.objectContaining({ base: 'main' }) });
  });

  it('another workflow id for the task is a problem, printed safely', () => {
    expect(startInput(input, 'task-other\u0007')).toEqual({
      problems: [expect.stringMatching(/^workflowId: "task-other.*" must be "task-fix-it" for task fix-it$/)],
    });
    expect(JSON.stringify(startInput(input, 'task-other\u0007'))).not.toContain('\u0007');
  });

  it('a bad input lists its problems', () => {
    const r = startInput({ ...input, task: { ...input.task, id: '' } }, 'task-');
    expect('problems' in r && r.problems.length).toBeGreaterThan(0);
    expect('problems' in r && r.problems.join('\n')).toMatch(/task\.id/);
  });
});
