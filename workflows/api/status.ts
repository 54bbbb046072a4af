/**
 * What a task shows: the status query's answer and its compact copy in the memo.
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import type { ProviderMode, Stage, StagingSummary, TaskState, TestSummary } from './shapes.js';

export interface IgnoredSignal {
  signal: string;
  state: TaskState;
  at: string;
  reason: string;
}

/**
 * A compact copy of TaskStatus kept in the workflow's memo (a few KB at most: long texts are cut,
 * lists keep their last entries, `*Count` says how many there are in all).
 */
export type StatusMemo = Pick<
  TaskStatus,
  | 'taskId'
  | 'title'
  | 'repo'
  | 'state'
  | 'stage'
  | 'detail'
  | 'questions'
  | 'holdReason'
  | 'heldStage'
  | 'paused'
  | 'attempts'
  | 'maxDevAttempts'
  | 'provider'
  | 'providerReason'
  | 'providerMode'
  | 'costUsd'
  | 'budgetUsd'
  | 'branch'
  | 'commit'
  | 'transitions'
  | 'ignoredSignals'
> & { v: 1; questionCount?: number; transitionCount: number; ignoredSignalCount: number };

export interface Transition {
  from: string;
  to: string;
  outcome: string;
  at: string;
  note?: string;
}

export interface QuestionRound {
  questions: string[];
  answer?: string;
  answeredBy?: string;
  answeredAt?: string;
}

export interface TestCounts {
  framework: string;
  passed: number;
  failed: number;
  skipped?: number;
  total?: number;
}

export interface TaskStatus {
  taskId: string;
  workflowId: string;
  title: string;
  repo: string;
  state: TaskState;
  stage: Stage;
  /** Human-readable detail of what is happening now ("waiting for the repo gate", ...). */
  detail: string;
  questions?: string[];
  rounds: QuestionRound[];
  holdReason?: string;
  /** Stage to re-run when a hold is resumed with retry. */
  heldStage?: Stage;
  paused: boolean;
  branch?: string;
  commit?: string;
  attempts: Record<Stage, number>;
  maxDevAttempts: number;
  provider: string;
  providerReason: string;
  /** Absent in histories from before delegation: local. */
  providerMode?: ProviderMode;
  costUsd: number;
  budgetUsd?: number;
  lastSummary?: string;
  analysisPreview?: string;
  lastTest?: TestSummary;
  lastStaging?: StagingSummary;
  transitions: Transition[];
  /** Signals not acted on (wrong state or a payload that failed its schema), newest last, at most 50. */
  ignoredSignals: IgnoredSignal[];
}
