/**
 * Whether the workflow took an operator signal or ignored it, read from two statuses: the one the
 * CLI checked before sending and one taken after. The workflow acts on a signal (or records it in
 * `ignoredSignals` with its reason) in the workflow task that delivers it, so a later status shows
 * either. Entries are matched by position after the last one seen before, not by clock: the
 * workflow's time and this machine's need not agree, and the ignored list is capped.
 */
import type { IgnoredSignal, TaskStatus, Transition } from '../workflows/api/index.js';
import type { SignalKind } from './views.js';

export type SignalOutcome =
  | { kind: 'applied' }
  | { kind: 'ignored'; reason: string }
  /** Sent, and kept by Temporal, but no status shows it taken yet. */
  | { kind: 'pending'; why: string };

type Seen = Pick<TaskStatus, 'paused' | 'rounds' | 'transitions' | 'ignoredSignals'>;

/** What `after` says about a `signal` sent once `before` was seen; undefined while it says nothing yet. */
export function signalOutcome(
  signal: SignalKind,
  before: Seen,
  after: Seen,
): Exclude<SignalOutcome, { kind: 'pending' }> | undefined {
  // Checked first: a signal of the same name someone else sent may have been the one applied.
  const ignored = newEntries(before.ignoredSignals, after.ignoredSignals, ignoredKey).filter(
    (i) => i.signal === signal,
  );
  if (ignored.length) return { kind: 'ignored', reason: ignored[0].reason };
  return applied(signal, before, after, newEntries(before.transitions, after.transitions, transitionKey))
    ? { kind: 'applied' }
    : undefined;
}

/** How each signal shows once the workflow has acted on it (workflows/task.ts). */
function applied(signal: SignalKind, before: Seen, after: Seen, added: Transition[]): boolean {
  switch (signal) {
    case 'answer': {
      // The open round gets the answer and analysis runs again.
      const open = before.rounds.length - 1;
      const answered = open >= 0 && !before.rounds[open].answeredAt && !!after.rounds[open]?.answeredAt;
      return answered || added.some((t) => t.from === 'needs-input' && t.to === 'analysis');
    }
    case 'resume':
      // Retry leaves hold for the held stage; abort leaves it for failed.
      return added.some((t) => t.from === 'hold');
    case 'pause':
      return after.paused || added.some((t) => t.outcome === 'pause requested');
    case 'unpause':
      return !after.paused || added.some((t) => t.outcome === 'unpaused');
  }
}

/**
 * The entries of `after` newer than the last entry of `before`. Keys leave out texts, which the
 * memo snapshot cuts; when the last entry seen is gone (rotated out of a capped list), all are new.
 */
export function newEntries<T>(before: readonly T[], after: readonly T[], key: (t: T) => string): T[] {
  const last = before.at(-1);
  if (last === undefined) return [...after];
  const k = key(last);
  for (let i = after.length - 1; i >= 0; i--) if (key(after[i]) === k) return after.slice(i + 1);
  return [...after];
}

export const transitionKey = (t: Transition) => JSON.stringify([t.from, t.to, t.at]);
const ignoredKey = (i: IgnoredSignal) => JSON.stringify([i.signal, i.state, i.at]);
