import { describe, expect, it } from 'vitest';
import type { TaskInput } from '../../workflows/api/index.js';
import {
  addCost,
  answerTimedOut,
  applyResume,
  askQuestions,
  beginAttempt,
  budgetLeft,
  decisionContext,
  enterStage,
  gateAcquired,
  gateRef,
  gatesNeeded,
  gateReleased,
  hold,
  initialStatus,
  leavePark,
  markCancelled,
  markDone,
  markFailed,
  markFiled,
  newRun,
  nextWaitMs,
  park,
  queueForGate,
  requestGate,
  recordDecision,
  recordIgnored,
  recordTransition,
  remindNow,
  resumeTimedOut,
  takeAnswer,
  takeResume,
  unpark,
  type TaskRun,
} from '../../workflows/task-state.js';
import {
  currentDetails,
  eventKind,
  MEMO_CAPS,
  pendingEvents,
  searchAttributes,
  statusMemo,
} from '../../workflows/task-view.js';

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
      '**Answer** with `switchyard answer fix-it --text "…"`, or here: More Actions → Send a Signal → `answer`, Data: `{"text": "…"}`',
      '- Attempts: analysis 1\n- Provider: claude (default provider)\n- Cost: $0.0000',
      '\u00a0\n',
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
    expect(md).toContain('Send a Signal → `resume`, Data: `{"action": "retry"}`');
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

const AT = '2026-01-02T03:04:05Z';
const runOf = (over: Partial<TaskInput> = {}): TaskRun =>
  newRun({ ...input, ...over }, { workflowId: 'task-fix-it', runId: 'run-1' }, '2026-01-01T00:00:00Z');
const last = (run: TaskRun) => run.s.transitions.at(-1);

describe('a new run', () => {
  it('starts running at analysis with nothing asked, held, carried or filed', () => {
    const run = runOf({ budgetUsd: 2 });
    expect(run).toMatchObject({
      workflowId: 'task-fix-it',
      runId: 'run-1',
      inbox: { granted: { repo: false, staging: false } },
      gates: { repo: { requested: false, held: false }, staging: { requested: false, held: false } },
      carry: { analysis: '' },
      events: { filed: 0, details: {} },
    });
    expect(run.bodyRef).toBeUndefined();
    expect(run.s).toMatchObject({ state: 'running', stage: 'analysis', budgetUsd: 2, maxDevAttempts: 3 });
    expect(run.s.transitions).toEqual([
      { from: 'submitted', to: 'analysis', outcome: 'started', at: '2026-01-01T00:00:00Z' },
    ]);
  });
});

describe('cost and budget', () => {
  it('adds only real, positive costs, rounded to a millionth', () => {
    const run = runOf();
    addCost(run.s, 0.1);
    addCost(run.s, 0.2);
    addCost(run.s, -1);
    addCost(run.s, Number.NaN);
    addCost(run.s, Number.POSITIVE_INFINITY);
    expect(run.s.costUsd).toBe(0.3);
  });

  it('what is left of a budget never goes below zero; no budget, no limit', () => {
    const run = runOf({ budgetUsd: 1 });
    run.s.costUsd = 0.25;
    expect(budgetLeft(run.s)).toBe(0.75);
    run.s.costUsd = 3;
    expect(budgetLeft(run.s)).toBe(0);
    expect(budgetLeft(runOf().s)).toBeUndefined();
  });

  it('decisionContext reads attempts, limits, staging and spending from the run', () => {
    const run = runOf({ staging: 'staging-1', budgetUsd: 4 });
    run.s.attempts.development = 2;
    run.s.maxDevAttempts = 5;
    run.s.costUsd = 1.5;
    expect(decisionContext(run)).toEqual({
      devAttempts: 2,
      maxDevAttempts: 5,
      hasStaging: true,
      costUsd: 1.5,
      budgetUsd: 4,
    });
    expect(decisionContext(runOf()).hasStaging).toBe(false);
  });
});

describe('stages', () => {
  it('beginAttempt counts per stage and returns the attempt number', () => {
    const run = runOf();
    expect(beginAttempt(run.s, 'testing')).toBe(1);
    expect(beginAttempt(run.s, 'testing')).toBe(2);
    expect(beginAttempt(run.s, 'development')).toBe(1);
    expect(run.s.attempts).toEqual({ analysis: 0, development: 1, testing: 2, 'deploy-staging': 0 });
  });

  it('recordDecision records the transition each kind of decision makes, and nothing else', () => {
    const run = runOf();
    const before = { ...run.s, transitions: undefined };
    recordDecision(run.s, 'analysis', { kind: 'stage', stage: 'development', why: 'analysis complete' }, AT);
    recordDecision(run.s, 'development', { kind: 'hold', heldStage: 'development', reason: 'changed nothing' }, AT);
    recordDecision(run.s, 'analysis', { kind: 'needs-input', why: 'questions' }, AT);
    recordDecision(run.s, 'testing', { kind: 'done', why: 'tests passed' }, AT);
    expect(run.s.transitions.slice(1)).toEqual([
      { from: 'analysis', to: 'development', outcome: 'analysis complete', at: AT },
      { from: 'development', to: 'hold', outcome: 'changed nothing', at: AT },
      { from: 'analysis', to: 'needs-input', outcome: 'questions', at: AT },
      { from: 'testing', to: 'done', outcome: 'tests passed', at: AT },
    ]);
    expect({ ...run.s, transitions: undefined }).toEqual(before);
  });

  it('recordTransition keeps who sent a signal only when there is someone', () => {
    const run = runOf();
    recordTransition(run.s, 'hold', 'testing', 'resumed', AT, 'op');
    recordTransition(run.s, 'hold', 'testing', 'resumed', AT, '');
    expect(run.s.transitions.slice(1)).toEqual([
      { from: 'hold', to: 'testing', outcome: 'resumed', at: AT, note: 'op' },
      { from: 'hold', to: 'testing', outcome: 'resumed', at: AT },
    ]);
  });
});

describe('the gate rules', () => {
  it('with serial, development, testing and deploy-staging need the repo gate; analysis never does', () => {
    const run = runOf({ serial: true });
    expect(gatesNeeded(run, 'analysis')).toEqual([]);
    expect(gatesNeeded(run, 'development')).toEqual(['repo']);
    expect(gatesNeeded(run, 'testing')).toEqual(['repo']);
    expect(gatesNeeded(run, 'deploy-staging')).toEqual(['repo']);
  });

  it('deploy-staging also takes the staging target gate, after the repo gate, with or without serial', () => {
    expect(gatesNeeded(runOf({ serial: true, staging: 'web' }), 'deploy-staging')).toEqual(['repo', 'staging']);
    expect(gatesNeeded(runOf({ serial: false, staging: 'web' }), 'deploy-staging')).toEqual(['staging']);
    expect(gatesNeeded(runOf({ serial: false, staging: 'web' }), 'testing')).toEqual([]);
  });

  it('a task that holds a gate does not ask again, and without serial nobody asks for the repo gate', () => {
    const run = runOf({ serial: true, staging: 'web' });
    run.gates.repo.held = true;
    expect(gatesNeeded(run, 'testing')).toEqual([]);
    run.gates.staging.held = true;
    expect(gatesNeeded(run, 'deploy-staging')).toEqual([]);
    const free = runOf({ serial: false });
    expect(gatesNeeded(free, 'development')).toEqual([]);
  });

  it('queue → acquired → released: the state shows the wait, and a release forgets both flags', () => {
    const run = runOf();
    run.inbox.granted.repo = true; // a grant from an earlier turn must not count
    requestGate(run, 'repo');
    expect(run.inbox.granted.repo).toBe(false);
    expect(run.gates.repo).toEqual({ requested: true, held: false });
    // Asking shows nothing yet: a free gate is taken at once, without a queued state.
    expect(run.s.state).toBe('running');
    queueForGate(run, 'repo');
    expect(run.s).toMatchObject({ state: 'queued', detail: 'waiting for the repo gate of webapp' });
    expect(gatesNeeded(run, 'development')).toEqual(['repo']);
    gateAcquired(run, 'repo');
    expect(run.gates.repo).toEqual({ requested: true, held: true });
    expect(run.s.state).toBe('running');
    expect(gatesNeeded(run, 'testing')).toEqual([]);
    gateReleased(run, 'repo');
    expect(run.gates.repo).toEqual({ requested: false, held: false });
    expect(gatesNeeded(run, 'testing')).toEqual(['repo']);
  });

  it('a task waiting for its staging target says so, and the two gates are kept apart', () => {
    const run = runOf({ staging: 'web' });
    requestGate(run, 'staging');
    queueForGate(run, 'staging');
    expect(run.s).toMatchObject({ state: 'queued', detail: 'waiting for staging target web' });
    expect(run.gates).toEqual({ repo: { requested: false, held: false }, staging: { requested: true, held: false } });
    expect(gateRef(run, 'staging')).toEqual({ target: 'web' });
    expect(gateRef(run, 'repo')).toEqual({ repo: 'webapp' });
  });
});

describe('waiting for an answer', () => {
  it('asks the last round’s questions', () => {
    const run = runOf();
    run.s.rounds.push({ questions: ['old?'], answer: 'yes' }, { questions: ['Which page?', 'Keep ?next=?'] });
    expect(askQuestions(run.s)).toEqual(['Which page?', 'Keep ?next=?']);
    expect(run.s).toMatchObject({
      state: 'needs-input',
      questions: ['Which page?', 'Keep ?next=?'],
      detail: 'waiting for an answer to 2 question(s)',
    });
  });

  it('with no round there is nothing to ask', () => {
    const run = runOf();
    expect(askQuestions(run.s)).toEqual([]);
    expect(run.s.detail).toBe('waiting for an answer to 0 question(s)');
  });

  it('an answer goes on the last round, is filed with the event, and analysis runs again', () => {
    const run = runOf();
    run.s.rounds.push({ questions: ['Which page?'] });
    askQuestions(run.s);
    run.inbox.answer = { text: 'the login page', by: 'ana' };
    expect(takeAnswer(run, AT)).toBe('analysis');
    expect(run.inbox.answer).toBeUndefined();
    expect(run.s.rounds[0]).toEqual({
      questions: ['Which page?'],
      answer: 'the login page',
      answeredBy: 'ana',
      answeredAt: AT,
    });
    expect(last(run)).toEqual({ from: 'needs-input', to: 'analysis', outcome: 'answered', at: AT, note: 'ana' });
    expect(run.events.details[run.s.transitions.length - 1]).toEqual({ answer: 'the login page' });
    expect(run.s.state).toBe('running');
    expect(run.s.questions).toBeUndefined();
  });

  it('no answer → hold: the wait times out into a hold before analysis, saying how long it waited', () => {
    const run = runOf();
    run.s.rounds.push({ questions: ['Anyone?'] });
    askQuestions(run.s);
    const held = answerTimedOut(run.s, 3000, AT);
    expect(held).toEqual({ heldStage: 'analysis', reason: 'no answer within 3s' });
    expect(last(run)).toEqual({ from: 'needs-input', to: 'hold', outcome: 'no answer within 3s', at: AT });
    expect(answerTimedOut(run.s, 7 * 86_400_000, AT).reason).toBe('no answer within 7d');
    // The round stays unanswered: a resume asks the analyst again.
    expect(run.s.rounds[0]!.answer).toBeUndefined();
  });
});

describe('hold and resume', () => {
  it('hold shows the held stage and the reason', () => {
    const run = runOf();
    hold(run.s, 'testing', 'the test command could not run');
    expect(run.s).toMatchObject({
      state: 'hold',
      heldStage: 'testing',
      holdReason: 'the test command could not run',
      detail: 'on hold before testing',
    });
    expect(resumeTimedOut(86_400_000, 'the test command could not run')).toBe(
      'on hold for 1d without a resume (the test command could not run)',
    );
  });

  it('takeResume empties the inbox', () => {
    const run = runOf();
    run.inbox.resume = { action: 'retry' };
    expect(takeResume(run)).toEqual({ action: 'retry' });
    expect(run.inbox.resume).toBeUndefined();
    expect(takeResume(run)).toBeUndefined();
  });

  it('abort fails the task, naming who and why when given, and changes nothing', () => {
    const run = runOf();
    hold(run.s, 'development', 'changed nothing');
    const before = structuredClone(run);
    expect(applyResume(run, { action: 'abort', by: 'op', note: 'not worth it' }, 'development', 'resumed', AT)).toEqual(
      {
        fail: 'aborted by op: not worth it',
      },
    );
    expect(applyResume(run, { action: 'abort' }, 'development', 'resumed', AT)).toEqual({ fail: 'aborted' });
    expect(applyResume(run, { action: 'abort', note: 'later' }, 'development', 'resumed', AT)).toEqual({
      fail: 'aborted: later',
    });
    expect(run).toEqual(before);
  });

  it('retry applies the new budget and limit, carries the note, files the details and goes on', () => {
    const run = runOf({ budgetUsd: 1 });
    run.s.attempts.development = 3;
    hold(run.s, 'development', 'all 3 development attempts are used');
    const r = { action: 'retry' as const, budgetUsd: 5, maxDevAttempts: 6, note: 'try harder', by: 'op' };
    expect(applyResume(run, r, 'development', 'resumed', AT)).toEqual({ next: 'development' });
    expect(run.s).toMatchObject({ budgetUsd: 5, maxDevAttempts: 6, state: 'running' });
    expect(run.s.holdReason).toBeUndefined();
    expect(run.carry.note).toBe('try harder');
    expect(last(run)).toEqual({ from: 'hold', to: 'development', outcome: 'resumed', at: AT, note: 'op' });
    expect(run.events.details[run.s.transitions.length - 1]).toEqual({
      action: 'retry',
      note: 'try harder',
      budgetUsd: 5,
      maxDevAttempts: 6,
    });
  });

  it('a plain retry after attempts ran out grants one more; a retry elsewhere keeps the limit and the note', () => {
    const run = runOf({ budgetUsd: 1 });
    run.s.attempts.development = 3;
    run.carry.note = 'earlier note';
    expect(applyResume(run, { action: 'retry' }, 'development', 'resumed', AT)).toEqual({ next: 'development' });
    expect(run.s.maxDevAttempts).toBe(4);
    expect(run.s.budgetUsd).toBe(1);
    expect(run.carry.note).toBe('earlier note');
    const other = runOf();
    expect(applyResume(other, { action: 'retry' }, 'testing', 'unpaused', AT)).toEqual({ next: 'testing' });
    expect(other.s.maxDevAttempts).toBe(3);
    expect(last(other)).toMatchObject({ from: 'hold', to: 'testing', outcome: 'unpaused' });
  });
});

describe('operator park', () => {
  it('parks before the next stage as a hold, and an unpause goes on there', () => {
    const run = runOf();
    run.s.stage = 'analysis';
    run.s.paused = true;
    park(run.s, 'development', AT);
    expect(last(run)).toEqual({ from: 'analysis', to: 'hold', outcome: 'paused by an operator', at: AT });
    expect(run.s).toMatchObject({
      state: 'hold',
      heldStage: 'development',
      holdReason: 'paused by an operator (unpause or resume to continue)',
      detail: 'paused before development',
    });
    run.s.paused = false;
    expect(leavePark(run)).toBeUndefined();
    expect(unpark(run.s, 'development', AT)).toBe('development');
    expect(last(run)).toEqual({ from: 'hold', to: 'development', outcome: 'unpaused', at: AT });
    expect(run.s.state).toBe('running');
    expect(run.s.holdReason).toBeUndefined();
  });

  it('a resume ends the park too: it is handed back and the pause is over', () => {
    const run = runOf();
    run.s.paused = true;
    park(run.s, 'testing', AT);
    run.inbox.resume = { action: 'abort', by: 'op' };
    expect(leavePark(run)).toEqual({ action: 'abort', by: 'op' });
    expect(run.s.paused).toBe(false);
    expect(run.inbox.resume).toBeUndefined();
  });
});

describe('the reminder schedule', () => {
  /** Runs the schedule as waitForPerson does, with nobody answering: when it reminds, when it gives up. */
  function schedule(waitTimeoutMs: number, reminderEveryMs: number) {
    let clock = 0;
    const deadline = clock + waitTimeoutMs;
    const waits: number[] = [];
    const reminders: number[] = [];
    for (let wait = nextWaitMs(deadline, clock, reminderEveryMs); wait !== undefined;) {
      waits.push(wait);
      clock += wait;
      if (remindNow(deadline, clock)) reminders.push(clock);
      wait = nextWaitMs(deadline, clock, reminderEveryMs);
    }
    return { waits, reminders, gaveUpAt: clock };
  }

  it('reminds every interval and not at the deadline itself', () => {
    expect(schedule(3000, 1000)).toEqual({ waits: [1000, 1000, 1000], reminders: [1000, 2000], gaveUpAt: 3000 });
  });

  it('the last wait is cut to the deadline', () => {
    expect(schedule(2500, 1000)).toEqual({ waits: [1000, 1000, 500], reminders: [1000, 2000], gaveUpAt: 2500 });
  });

  it('an interval longer than the wait means no reminder at all', () => {
    expect(schedule(7 * 86_400_000, 30 * 86_400_000)).toEqual({
      waits: [7 * 86_400_000],
      reminders: [],
      gaveUpAt: 7 * 86_400_000,
    });
  });

  it('a deadline already passed waits no more; one not reached yet reminds', () => {
    expect(nextWaitMs(1000, 1000, 500)).toBeUndefined();
    expect(nextWaitMs(1000, 1500, 500)).toBeUndefined();
    expect(nextWaitMs(1000, 999, 500)).toBe(1);
    expect(remindNow(1000, 999)).toBe(true);
    expect(remindNow(1000, 1000)).toBe(false);
    expect(remindNow(1000, 1001)).toBe(false);
  });
});

describe('endings', () => {
  it('done sets the state after the transition was recorded', () => {
    const run = runOf();
    markDone(run.s, 'tests passed; no staging target');
    expect(run.s).toMatchObject({ state: 'done', detail: 'tests passed; no staging target' });
    expect(run.s.transitions).toHaveLength(1);
  });

  it('failed records the transition from the state it was in', () => {
    const run = runOf();
    hold(run.s, 'development', 'changed nothing');
    markFailed(run.s, 'aborted by op', AT);
    expect(last(run)).toEqual({ from: 'hold', to: 'failed', outcome: 'aborted by op', at: AT });
    expect(run.s).toMatchObject({ state: 'failed', detail: 'aborted by op' });
  });

  it('cancelled records the transition from the stage it was in', () => {
    const run = runOf();
    enterStage(run.s, 'development', 'developer at work');
    markCancelled(run.s, AT);
    expect(last(run)).toEqual({ from: 'development', to: 'cancelled', outcome: 'cancelled', at: AT });
    expect(run.s).toMatchObject({ state: 'cancelled', detail: 'cancelled' });
  });
});

describe('events and search attributes', () => {
  it('files each transition once, in order, with its details and actor', () => {
    const run = runOf();
    expect(pendingEvents(run.s, run.events)).toMatchObject({ upto: 1 });
    markFiled(run, 1);
    expect(pendingEvents(run.s, run.events)).toBeUndefined();
    run.s.rounds.push({ questions: ['?'] });
    recordDecision(run.s, 'analysis', { kind: 'needs-input', why: 'questions' }, AT);
    run.inbox.answer = { text: 'go', by: 'ana' };
    takeAnswer(run, AT);
    const pending = pendingEvents(run.s, run.events)!;
    expect(pending.upto).toBe(3);
    expect(pending.batch).toEqual([
      // Each keeps its place among the run's transitions: the store files it once, whoever sends it.
      {
        from: 'analysis',
        to: 'needs-input',
        outcome: 'questions',
        at: AT,
        kind: 'transition',
        actor: undefined,
        index: 1,
      },
      {
        from: 'needs-input',
        to: 'analysis',
        outcome: 'answered',
        at: AT,
        note: 'ana',
        kind: 'answer',
        actor: 'ana',
        details: { answer: 'go' },
        index: 2,
      },
    ]);
  });

  it('search attributes carry state, stage, repo, provider and cost', () => {
    const run = runOf();
    run.s.costUsd = 0.5;
    expect(searchAttributes(run.s).map((a) => [a.key.name, a.value])).toEqual([
      ['SwitchyardState', 'running'],
      ['SwitchyardStage', 'analysis'],
      ['SwitchyardRepo', 'webapp'],
      ['SwitchyardProvider', 'claude'],
      ['SwitchyardCostUsd', 0.5],
    ]);
  });
});
