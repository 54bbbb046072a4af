/**
 * Signals and queries of the task and gate workflows, with their payloads and the memo keys.
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Stage } from './shapes.js';
import type { TaskStatus } from './status.js';

export interface AnswerInput {
  text: string;
  by?: string;
}
export interface ResumeInput {
  action: 'retry' | 'abort';
  note?: string;
  budgetUsd?: number;
  maxDevAttempts?: number;
  by?: string;
}
export interface OperatorInput {
  by?: string;
  note?: string;
}

/**
 * Every payload is checked by workflows/messages.ts before it touches state; one that fails is
 * recorded in `ignoredSignals` with the reason. `answer` also takes a bare string as the text.
 */
/**
 * What the Web UI shows beside each handler (Send a Signal, Queries): what it does and the Data it takes.
 * The internal ones are sent by Switchyard's own workflows and say so.
 */
export const HANDLER_DESCRIPTIONS = {
  answer:
    'Answer the analyst\'s questions (while the task is needs-input). Data: {"text": "your answer"} ' +
    '(optional "by": "your name"), or the answer as a JSON string: "your answer".',
  resume:
    'Continue a task on hold. Data: {"action": "retry"} re-runs the held stage, {"action": "abort"} fails the task; ' +
    'optional "note", "budgetUsd", "maxDevAttempts", "by".',
  pause: 'Park the task at the next stage boundary. Data: {} (optional "note", "by").',
  unpause: 'Let a paused task go on. Data: {} (optional "note", "by").',
  status: "The task's whole status: state, stage, questions, hold reason, attempts, cost, transitions.",
  gateGranted: 'Internal: sent by a repo or staging gate workflow when the task may go on. Do not send by hand.',
  stageProgress: "Internal: sent by the task's stage workflows to report progress. Do not send by hand.",
} as const;

export const answerSignal = defineSignal<[AnswerInput | string]>('answer');
export const resumeSignal = defineSignal<[ResumeInput]>('resume');
export const pauseSignal = defineSignal<[OperatorInput?]>('pause');
export const unpauseSignal = defineSignal<[OperatorInput?]>('unpause');
export const statusQuery = defineQuery<TaskStatus>('status');
/** From a stage workflow to its task: what the stage is doing now (e.g. waiting for a usage-limit reset). */
export const stageProgressSignal = defineSignal<[{ stage: Stage; detail: string }]>('stageProgress');

/** Memo key of the status snapshot (`StatusMemo`), so `status` and `list` need no worker. */
export const MEMO_STATUS_KEY = 'status';
/** Memo key of the task's title (set at start by the client). */
export const MEMO_TITLE_KEY = 'title';

// Gates (FIFO mutexes): one per repo (development through deploy-staging) and one per staging
// target (during its check). The same workflow runs both; its id says which.

/** What a gate guards; the grant names it the same way. */
export type GateRef = { repo: string } | { target: string };

export interface GateRequest {
  workflowId: string;
  taskId: string;
}
export interface GateState {
  /** The repo's name, or for a staging gate (`staging-gate-<target>`) the target's name. */
  repo: string;
  holder?: GateRequest & { since: string };
  queue: GateRequest[];
  /** Signals whose payload failed its schema (workflows/messages.ts): the latest, never acted on. */
  ignored?: GateIgnoredSignal[];
}
export interface GateIgnoredSignal {
  signal: string;
  at: string;
  reason: string;
}
export const gateAcquireSignal = defineSignal<[GateRequest]>('gateAcquire');
/**
 * The same request as an update (the requestGate activity sends it with update-with-start): a free gate
 * answers `granted: true` at once, so the task neither waits for a grant signal nor sets a timer; a
 * queued request is granted later with `gateGranted`, as a signalled one is.
 */
export const gateAcquireUpdate = defineUpdate<{ granted: boolean }, [GateRequest]>('gateAcquireNow');
export const gateReleaseSignal = defineSignal<[{ workflowId: string }]>('gateRelease');
/** Sent by the gate to the task workflow that now holds it. */
export const gateGrantedSignal = defineSignal<[GateRef]>('gateGranted');
export const gateStateQuery = defineQuery<GateState>('gateState');
