/**
 * What each of taskWorkflow's signals does to the run, as pure functions. Every payload is checked
 * before it touches state; one that fails its schema or does not fit the state is ignored with a
 * reason (taskWorkflow records it), never thrown.
 */
import type { GateRef, OperatorInput } from './api/index.js';
import { parseAnswer, parseGateGranted, parseOperator, parseResume, parseStageProgress } from './messages.js';
import { gateRef, recordTransition, type TaskRun } from './task-state.js';
import { signalFits } from './transitions.js';

/** `ignored`: record why and publish; otherwise publish only if the state shown has changed. */
export type Reaction = { ignored: string } | { publish: boolean };

const invalid = (reason: string): Reaction => ({ ignored: `invalid payload: ${reason}` });
const quiet: Reaction = { publish: false };
const shown: Reaction = { publish: true };

/** An answer waits in the inbox until the story takes it. */
export function onAnswer(run: TaskRun, payload: unknown): Reaction {
  const a = parseAnswer(payload);
  if (!a.ok) return invalid(a.reason);
  if (!signalFits('answer', run.s)) return { ignored: 'not waiting for an answer' };
  if (run.inbox.answer) return { ignored: 'an answer is already being taken' };
  run.inbox.answer = a.value;
  return quiet;
}

export function onResume(run: TaskRun, payload: unknown): Reaction {
  const r = parseResume(payload);
  if (!r.ok) return invalid(r.reason);
  if (!signalFits('resume', run.s)) return { ignored: 'not on hold' };
  if (run.inbox.resume) return { ignored: 'a resume is already being taken' };
  run.inbox.resume = r.value;
  return quiet;
}

const PAUSE_SIGNALS = {
  pause: { paused: true, ignored: 'already paused, on hold or ended', reason: 'pause requested' },
  unpause: { paused: false, ignored: 'not paused', reason: 'unpaused' },
} as const;

/** A pause is recorded at once; the task parks at the next stage boundary. */
export function onPause(run: TaskRun, payload: unknown, at: string): Reaction {
  return pauseChange(run, 'pause', payload, at);
}

export function onUnpause(run: TaskRun, payload: unknown, at: string): Reaction {
  return pauseChange(run, 'unpause', payload, at);
}

function pauseChange(run: TaskRun, signal: keyof typeof PAUSE_SIGNALS, payload: unknown, at: string): Reaction {
  const op = parseOperator(payload);
  if (!op.ok) return invalid(op.reason);
  const change = PAUSE_SIGNALS[signal];
  if (!signalFits(signal, run.s)) return { ignored: change.ignored };
  run.s.paused = change.paused;
  operatorDetails(run, op.value);
  recordTransition(run.s, run.s.state, run.s.state, change.reason, at, op.value.by);
  return shown;
}

export function onGateGranted(run: TaskRun, payload: unknown): Reaction {
  const g = parseGateGranted(payload);
  if (!g.ok) return invalid(g.reason);
  const kind = (['repo', 'staging'] as const).find((k) => sameGate(gateRef(run, k), g.value));
  if (!kind)
    return {
      ignored: 'repo' in g.value ? 'a grant for another repo' : 'a grant for another staging target',
    };
  if (!run.gates[kind].requested) {
    return { ignored: kind === 'repo' ? 'not waiting for the repo gate' : 'not waiting for the staging target gate' };
  }
  run.inbox.granted[kind] = true;
  return quiet;
}

export function onStageProgress(run: TaskRun, payload: unknown): Reaction {
  const p = parseStageProgress(payload);
  if (!p.ok) return invalid(p.reason);
  // Progress of a stage that has moved on is stale, not wrong: dropped without a record.
  if (run.s.stage !== p.value.stage || run.s.state !== 'running') return quiet;
  run.s.detail = p.value.detail;
  return shown;
}

/** A note from pause/unpause goes with the transition's event in the store. */
function operatorDetails(run: TaskRun, op: OperatorInput): void {
  if (op.note) run.events.details[run.s.transitions.length] = { note: op.note };
}

function sameGate(a: GateRef, b: GateRef): boolean {
  return 'repo' in a ? 'repo' in b && a.repo === b.repo : 'target' in b && a.target === b.target;
}
