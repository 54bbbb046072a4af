/**
 * taskWorkflow's state: one plain JSON object (what the `status` query returns), the few things the
 * run keeps beside it, and the named pure functions through which every change to them goes.
 * Nothing here touches Temporal: taskWorkflow calls these and does the waiting and the telling.
 */
import type {
  AnswerInput,
  BodyRef,
  GateRef,
  ResumeInput,
  Stage,
  TaskInput,
  TaskState,
  TaskStatus,
} from './api/index.js';
import { formatDuration } from './duration.js';
import { preview } from './preview.js';
import type { FailureReport } from './prompts.js';
import { afterResume, type Decision, type DecisionContext } from './transitions.js';

export const TERMINAL_STATES: readonly TaskState[] = ['done', 'failed', 'cancelled'];

/** Signals taken by a handler and not yet acted on by the story. */
export interface Inbox {
  answer?: AnswerInput;
  resume?: ResumeInput;
  /** A grant arrived for the gate this task is asking for. */
  granted: Record<GateKind, boolean>;
}

/**
 * The gates a task takes: its repo's (development through deploy-staging, with `serial`) and its
 * staging target's (during the check, always: a target may be shared by several repos).
 */
export type GateKind = 'repo' | 'staging';

/** A gate as this task sees it: asked for (until released) and granted. */
export interface GateHold {
  requested: boolean;
  held: boolean;
}

/** What the developer needs from earlier stages; previews only, never whole logs. */
export interface Carry {
  analysis: string;
  failure?: FailureReport;
  note?: string;
}

/** Transitions up to `filed` are in the store; `details` adds what a transition alone does not say. */
export interface EventLog {
  filed: number;
  details: Record<number, Record<string, unknown>>;
}

export interface TaskRun {
  readonly input: TaskInput;
  readonly workflowId: string;
  readonly runId: string;
  /** The first run of this workflow id's chain: survives a reset, new on `submit --rerun`. */
  readonly firstRunId: string;
  readonly s: TaskStatus;
  readonly inbox: Inbox;
  readonly gates: Record<GateKind, GateHold>;
  readonly carry: Carry;
  readonly events: EventLog;
  /** Set once at the start when the body is too long to copy into every stage's prompt. */
  bodyRef?: BodyRef;
}

export function newRun(
  input: TaskInput,
  ids: { workflowId: string; runId: string; firstRunId?: string },
  at: string,
): TaskRun {
  return {
    input,
    ...ids,
    firstRunId: ids.firstRunId ?? ids.runId,
    s: initialStatus(input, ids.workflowId, at),
    inbox: { granted: { repo: false, staging: false } },
    gates: { repo: { requested: false, held: false }, staging: { requested: false, held: false } },
    carry: { analysis: '' },
    events: { filed: 0, details: {} },
  };
}

export function initialStatus(input: TaskInput, workflowId: string, at: string): TaskStatus {
  return {
    taskId: input.task.id,
    workflowId,
    title: input.task.title,
    repo: input.task.repo,
    state: 'running',
    stage: 'analysis',
    detail: 'starting',
    rounds: [],
    paused: false,
    attempts: { analysis: 0, development: 0, testing: 0, 'deploy-staging': 0 },
    maxDevAttempts: input.maxDevAttempts,
    provider: input.provider,
    providerReason: input.providerReason,
    ...(input.providerMode ? { providerMode: input.providerMode } : {}),
    costUsd: 0,
    budgetUsd: input.budgetUsd,
    transitions: [{ from: 'submitted', to: 'analysis', outcome: 'started', at }],
    ignoredSignals: [],
  };
}

export function recordTransition(s: TaskStatus, from: string, to: string, outcome: string, at: string, note?: string) {
  s.transitions.push(note ? { from, to, outcome, at, note } : { from, to, outcome, at });
}

export const MAX_IGNORED_SIGNALS = 50;

/** Signals that do not fit the state, or whose payload fails its schema, are kept for the record, never acted on. */
export function recordIgnored(s: TaskStatus, signal: string, at: string, reason: string): void {
  s.ignoredSignals.push({ signal, state: s.state, at, reason });
  if (s.ignoredSignals.length > MAX_IGNORED_SIGNALS)
    s.ignoredSignals.splice(0, s.ignoredSignals.length - MAX_IGNORED_SIGNALS);
}

export function addCost(s: TaskStatus, usd: number): void {
  if (!Number.isFinite(usd) || usd <= 0) return;
  s.costUsd = Math.round((s.costUsd + usd) * 1e6) / 1e6;
}

export function budgetLeft(s: TaskStatus): number | undefined {
  return s.budgetUsd === undefined ? undefined : Math.max(0, s.budgetUsd - s.costUsd);
}

/** What transitions.ts needs to know to decide what follows a stage. */
export function decisionContext(run: TaskRun): DecisionContext {
  return {
    devAttempts: run.s.attempts.development,
    maxDevAttempts: run.s.maxDevAttempts,
    hasStaging: run.input.staging !== undefined,
    costUsd: run.s.costUsd,
    budgetUsd: run.s.budgetUsd,
  };
}

// ------------------------------------------------------------------------------------------
// Stages

/** Counts the attempt and returns its number (1 for the first). */
export function beginAttempt(s: TaskStatus, stage: Stage): number {
  return ++s.attempts[stage];
}

export function enterStage(s: TaskStatus, stage: Stage, detail: string): void {
  s.stage = stage;
  s.state = 'running';
  s.detail = detail;
  s.holdReason = undefined;
  s.heldStage = undefined;
  s.questions = undefined;
}

/** The transition a decision makes out of `from`; the state itself changes when the story gets there. */
export function recordDecision(s: TaskStatus, from: Stage, d: Decision, at: string): void {
  if (d.kind === 'stage') recordTransition(s, from, d.stage, d.why, at);
  else if (d.kind === 'hold') recordTransition(s, from, 'hold', d.reason, at);
  else recordTransition(s, from, d.kind, d.why, at);
}

// ------------------------------------------------------------------------------------------
// Gates

/**
 * The gates `next` must hold and this task does not hold yet, in the order they are taken (the repo's
 * first: a staging gate is only ever held inside a repo's turn, so two tasks cannot wait on each other).
 */
export function gatesNeeded(run: TaskRun, next: Stage): GateKind[] {
  const needed: GateKind[] = [];
  // With `serial`, development through deploy-staging run under the repo gate; analysis never waits for it.
  if (next !== 'analysis' && run.input.serial && !run.gates.repo.held) needed.push('repo');
  if (next === 'deploy-staging' && run.input.staging && !run.gates.staging.held) needed.push('staging');
  return needed;
}

/** What the gate of `kind` guards for this task, as the gate names it in its grant. */
export function gateRef(run: TaskRun, kind: GateKind): GateRef {
  return kind === 'repo' ? { repo: run.input.task.repo } : { target: run.input.staging! };
}

export function requestGate(run: TaskRun, kind: GateKind): void {
  run.inbox.granted[kind] = false;
  run.gates[kind].requested = true;
}

/** The gate was not free: the task shows it waits in line. */
export function queueForGate(run: TaskRun, kind: GateKind): void {
  run.s.state = 'queued';
  run.s.detail =
    kind === 'repo'
      ? `waiting for the repo gate of ${run.input.task.repo}`
      : `waiting for staging target ${run.input.staging!}`;
}

export function gateAcquired(run: TaskRun, kind: GateKind): void {
  run.gates[kind].held = true;
  run.s.state = 'running';
}

export function gateReleased(run: TaskRun, kind: GateKind): void {
  run.gates[kind].requested = false;
  run.gates[kind].held = false;
}

// ------------------------------------------------------------------------------------------
// Waiting for people

/** The task waits for answers to the analyst's last questions; returns them. */
export function askQuestions(s: TaskStatus): string[] {
  s.state = 'needs-input';
  s.questions = s.rounds.at(-1)?.questions ?? [];
  s.detail = `waiting for an answer to ${s.questions.length} question(s)`;
  return s.questions;
}

/** No answer in time: the task holds before analysis, and a resume asks the analyst again. */
export function answerTimedOut(s: TaskStatus, waitTimeoutMs: number, at: string): { heldStage: Stage; reason: string } {
  const reason = `no answer within ${formatDuration(waitTimeoutMs)}`;
  recordTransition(s, 'needs-input', 'hold', reason, at);
  return { heldStage: 'analysis', reason };
}

/** The answer in the inbox goes on the last round, and analysis runs again with it. */
export function takeAnswer(run: TaskRun, at: string): Stage {
  const { s } = run;
  const a = run.inbox.answer!;
  run.inbox.answer = undefined;
  const round = s.rounds.at(-1);
  if (round) Object.assign(round, { answer: a.text, answeredBy: a.by, answeredAt: at });
  run.events.details[s.transitions.length] = { answer: preview(a.text) };
  recordTransition(s, 'needs-input', 'analysis', 'answered', at, a.by);
  s.questions = undefined;
  s.state = 'running';
  return 'analysis';
}

export function hold(s: TaskStatus, heldStage: Stage, reason: string): void {
  s.state = 'hold';
  s.heldStage = heldStage;
  s.holdReason = reason;
  s.detail = `on hold before ${heldStage}`;
}

/** Why a hold nobody resumed fails the task. */
export function resumeTimedOut(waitTimeoutMs: number, reason: string): string {
  return `on hold for ${formatDuration(waitTimeoutMs)} without a resume (${reason})`;
}

export function takeResume(run: TaskRun): ResumeInput | undefined {
  const r = run.inbox.resume;
  run.inbox.resume = undefined;
  return r;
}

/** A person's resume: abort fails the task; retry applies the new limits and goes on at the held stage. */
export function applyResume(
  run: TaskRun,
  r: ResumeInput,
  heldStage: Stage,
  outcome: string,
  at: string,
): { fail: string } | { next: Stage } {
  if (r.action === 'abort') return { fail: `aborted${r.by ? ` by ${r.by}` : ''}${r.note ? `: ${r.note}` : ''}` };
  const { s } = run;
  if (r.budgetUsd !== undefined) s.budgetUsd = r.budgetUsd;
  const next = afterResume(
    heldStage,
    { devAttempts: s.attempts.development, maxDevAttempts: s.maxDevAttempts },
    r.maxDevAttempts,
  );
  s.maxDevAttempts = next.maxDevAttempts;
  if (r.note) run.carry.note = r.note;
  run.events.details[s.transitions.length] = {
    action: r.action,
    note: r.note,
    budgetUsd: r.budgetUsd,
    maxDevAttempts: r.maxDevAttempts,
  };
  recordTransition(s, 'hold', next.stage, outcome, at, r.by);
  s.state = 'running';
  s.holdReason = undefined;
  return { next: next.stage };
}

/** Operator park at a stage boundary; shown as hold so it is visible and resumable. */
export function park(s: TaskStatus, next: Stage, at: string): void {
  recordTransition(s, s.stage, 'hold', 'paused by an operator', at);
  s.state = 'hold';
  s.heldStage = next;
  s.holdReason = 'paused by an operator (unpause or resume to continue)';
  s.detail = `paused before ${next}`;
}

/** A park ends on unpause or on a resume; the resume, if that is what came, still has to be applied. */
export function leavePark(run: TaskRun): ResumeInput | undefined {
  const r = takeResume(run);
  run.s.paused = false;
  return r;
}

/** Unpaused without a resume: on to the stage the task parked before. */
export function unpark(s: TaskStatus, next: Stage, at: string): Stage {
  recordTransition(s, 'hold', next, 'unpaused', at);
  s.state = 'running';
  s.holdReason = undefined;
  return next;
}

/**
 * The reminder schedule of a wait for a person: how long the next wait lasts (never past the
 * deadline, at most `reminderEveryMs`), or undefined once the deadline has passed.
 */
export function nextWaitMs(deadlineMs: number, nowMs: number, reminderEveryMs: number): number | undefined {
  const left = deadlineMs - nowMs;
  return left <= 0 ? undefined : Math.min(left, reminderEveryMs);
}

/** A wait that ended without the person reminds them, unless it ended at the deadline. */
export function remindNow(deadlineMs: number, nowMs: number): boolean {
  return deadlineMs - nowMs > 0;
}

// ------------------------------------------------------------------------------------------
// Endings

/** The transition to done is recorded by recordDecision; the state follows once the gate is given back. */
export function markDone(s: TaskStatus, why: string): void {
  s.state = 'done';
  s.detail = why;
}

export function markFailed(s: TaskStatus, reason: string, at: string): void {
  recordTransition(s, s.state, 'failed', reason, at);
  s.state = 'failed';
  s.detail = reason;
}

export function markCancelled(s: TaskStatus, at: string): void {
  recordTransition(s, s.stage, 'cancelled', 'cancelled', at);
  s.state = 'cancelled';
  s.detail = 'cancelled';
}

/** Transitions up to `upto` are in the store now. */
export function markFiled(run: TaskRun, upto: number): void {
  run.events.filed = upto;
}
