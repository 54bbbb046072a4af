/** How the CLI reads, from a status before and one after, whether the workflow took a signal or ignored it. */
import { describe, expect, it } from 'vitest';
import type { IgnoredSignal, TaskStatus, Transition } from '../../workflows/api/index.js';
import { newEntries, signalOutcome } from '../../client/signal-outcome.js';

type Seen = Pick<TaskStatus, 'paused' | 'rounds' | 'transitions' | 'ignoredSignals'>;

const t = (from: string, to: string, outcome: string, at: string): Transition => ({ from, to, outcome, at });
const ig = (signal: string, at: string, reason: string, state: TaskStatus['state'] = 'needs-input'): IgnoredSignal => ({
  signal,
  state,
  at,
  reason,
});

const asking: Seen = {
  paused: false,
  rounds: [{ questions: ['Which greeting?'] }],
  transitions: [t('submitted', 'analysis', 'started', 't1'), t('analysis', 'needs-input', 'questions', 't2')],
  ignoredSignals: [ig('resume', 't2', 'not on hold')],
};
const held: Seen = { ...asking, rounds: [], transitions: [...asking.transitions, t('needs-input', 'hold', 'x', 't3')] };

describe('signalOutcome', () => {
  it('says nothing while the status is unchanged', () => {
    for (const signal of ['answer', 'resume', 'pause'] as const)
      expect(signalOutcome(signal, asking, asking)).toBe(undefined);
    expect(signalOutcome('unpause', { ...asking, paused: true }, { ...asking, paused: true })).toBe(undefined);
  });

  it('answer: applied once the open round is answered or analysis runs again', () => {
    const answeredRound = { ...asking, rounds: [{ questions: ['Which greeting?'], answeredAt: 't3', answer: 'hi' }] };
    expect(signalOutcome('answer', asking, answeredRound)).toEqual({ kind: 'applied' });
    // The memo snapshot carries no rounds: the transition says it.
    const fromMemo = {
      ...asking,
      rounds: [],
      transitions: [...asking.transitions, t('needs-input', 'analysis', 'answered', 't3')],
    };
    expect(signalOutcome('answer', { ...asking, rounds: [] }, fromMemo)).toEqual({ kind: 'applied' });
    // Timing out to hold is not an answer.
    expect(signalOutcome('answer', asking, { ...held, rounds: asking.rounds })).toBe(undefined);
  });

  it('an ignored entry of the same signal, newer than the last one seen, is the reason; others are not', () => {
    const after = {
      ...asking,
      ignoredSignals: [
        ...asking.ignoredSignals,
        ig('pause', 't3', 'already paused'),
        ig('answer', 't3', 'invalid payload: by: is longer than 200 characters'),
      ],
    };
    expect(signalOutcome('answer', asking, after)).toEqual({
      kind: 'ignored',
      reason: 'invalid payload: by: is longer than 200 characters',
    });
    // The entry already there before the send is not this send's.
    expect(signalOutcome('resume', asking, after)).toBe(undefined);
  });

  it('ignored wins over applied: a same-named signal someone else sent may be the one taken', () => {
    const after = {
      ...asking,
      transitions: [...asking.transitions, t('needs-input', 'analysis', 'answered', 't3')],
      ignoredSignals: [...asking.ignoredSignals, ig('answer', 't3', 'an answer is already being taken')],
    };
    expect(signalOutcome('answer', asking, after)).toEqual({
      kind: 'ignored',
      reason: 'an answer is already being taken',
    });
  });

  it('resume: applied when the task leaves hold, for a stage (retry) or for failed (abort)', () => {
    expect(
      signalOutcome('resume', held, {
        ...held,
        transitions: [...held.transitions, t('hold', 'analysis', 'resumed', 't4')],
      }),
    ).toEqual({ kind: 'applied' });
    expect(
      signalOutcome('resume', held, {
        ...held,
        transitions: [...held.transitions, t('hold', 'failed', 'aborted', 't4')],
      }),
    ).toEqual({ kind: 'applied' });
    // A hold left before the send is not this resume.
    const earlier = { ...held, transitions: [...held.transitions, t('hold', 'analysis', 'resumed', 't4')] };
    expect(signalOutcome('resume', earlier, earlier)).toBe(undefined);
  });

  it('pause and unpause: applied when `paused` flips or the transition is recorded', () => {
    expect(signalOutcome('pause', asking, { ...asking, paused: true })).toEqual({ kind: 'applied' });
    const parked = { ...held, paused: true };
    expect(signalOutcome('unpause', parked, { ...parked, paused: false })).toEqual({ kind: 'applied' });
    expect(
      signalOutcome('unpause', parked, {
        ...parked,
        transitions: [...parked.transitions, t('hold', 'hold', 'unpaused', 't4')],
      }),
    ).toEqual({ kind: 'applied' });
  });

  it('the ignored list is capped: entries past the last one seen still count when the oldest rotate out', () => {
    const full = Array.from({ length: 50 }, (_, i) => ig('pause', `t${i}`, `r${i}`));
    const after = { ...asking, ignoredSignals: [...full.slice(1), ig('answer', 't99', 'not waiting for an answer')] };
    expect(signalOutcome('answer', { ...asking, ignoredSignals: full }, after)).toEqual({
      kind: 'ignored',
      reason: 'not waiting for an answer',
    });
  });
});

describe('newEntries', () => {
  const key = (n: number) => String(n);
  it('is what follows the last entry seen', () => {
    expect(newEntries([1, 2], [1, 2, 3, 4], key)).toEqual([3, 4]);
    expect(newEntries([], [1], key)).toEqual([1]);
    expect(newEntries([1, 2], [1, 2], key)).toEqual([]);
    // A shorter snapshot (the memo keeps the last few) that still holds the anchor.
    expect(newEntries([1, 2, 3], [3, 4], key)).toEqual([4]);
    // The anchor rotated out: everything is newer than what was seen.
    expect(newEntries([1], [5, 6], key)).toEqual([5, 6]);
  });
});
