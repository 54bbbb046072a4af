/**
 * The contract between workflows, activities, the worker and the client: message definitions,
 * search-attribute keys and the plain JSON shapes that travel through history.
 * Imported by workflow code, so it must stay free of Node built-ins and I/O.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const DEFAULT_TASK_QUEUE = 'switchyard';

export const STAGES = ['analysis', 'development', 'testing', 'deploy-staging'] as const;
export type Stage = (typeof STAGES)[number];

export const TASK_STATES = ['queued', 'running', 'needs-input', 'hold', 'done', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

// ---------------------------------------------------------------------------------------------
// Search attributes (registered by the dev-server launcher; see worker/dev-server.ts)

export const SA_STATE = defineSearchAttributeKey('SwitchyardState', SearchAttributeType.KEYWORD);
export const SA_STAGE = defineSearchAttributeKey('SwitchyardStage', SearchAttributeType.KEYWORD);
export const SA_REPO = defineSearchAttributeKey('SwitchyardRepo', SearchAttributeType.KEYWORD);
export const SA_PROVIDER = defineSearchAttributeKey('SwitchyardProvider', SearchAttributeType.KEYWORD);
export const SA_COST_USD = defineSearchAttributeKey('SwitchyardCostUsd', SearchAttributeType.DOUBLE);

/** Name → type as `temporal server start-dev --search-attribute NAME=TYPE` expects it. */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Double'> = {
  SwitchyardState: 'Keyword',
  SwitchyardStage: 'Keyword',
  SwitchyardRepo: 'Keyword',
  SwitchyardProvider: 'Keyword',
  SwitchyardCostUsd: 'Double',
};

// ---------------------------------------------------------------------------------------------
// Workflow ids

export const taskWorkflowId = (taskId: string): string => `task-${taskId}`;
export const stageWorkflowId = (taskId: string, stage: Stage, n: number): string => `task-${taskId}-${stage}-${n}`;
export const gateWorkflowId = (repo: string): string => `gate-${repo}`;
/**
 * The branch a task's run pushes to: `switchyard/<taskId>` for the first run, `switchyard/<taskId>.run-<n>`
 * for a rerun (task ids never contain ".", so no task's branch can be another's), so an earlier run's
 * commits are never pushed over.
 */
export const taskBranch = (taskId: string, run = 1): string =>
  run > 1 ? `switchyard/${taskId}.run-${run}` : `switchyard/${taskId}`;

// ---------------------------------------------------------------------------------------------
// Failure types (ApplicationFailure.type). Retry policies list the non-retryable ones.

export const ErrorType = {
  RateLimited: 'RateLimited',
  ProviderUnavailable: 'ProviderUnavailable',
  ProviderAuth: 'ProviderAuth',
  ToolMissing: 'ToolMissing',
  ConfigInvalid: 'ConfigInvalid',
  AgentIncomplete: 'AgentIncomplete',
  AgentFailed: 'AgentFailed',
  StagingEnvPermanent: 'StagingEnvPermanent',
  StagingTransient: 'StagingTransient',
  DelegationRejected: 'DelegationRejected',
  DelegatedJobFailed: 'DelegatedJobFailed',
  /** A workflow's start input failed its schema (workflows/messages.ts); details: `[{ problems }]`. */
  InvalidInput: 'InvalidInput',
} as const;
export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/** Failures that a retry cannot fix: the stage reports them and the task goes to hold. */
export const NON_RETRYABLE_ERRORS: ErrorTypeName[] = [
  ErrorType.ProviderAuth,
  ErrorType.ToolMissing,
  ErrorType.ConfigInvalid,
  ErrorType.AgentIncomplete,
  ErrorType.AgentFailed,
  ErrorType.StagingEnvPermanent,
  ErrorType.DelegationRejected,
  ErrorType.DelegatedJobFailed,
];

// ---------------------------------------------------------------------------------------------
// The task as submitted

export interface TaskSpec {
  id: string;
  repo: string;
  title: string;
  base?: string;
  preferredAi?: string;
  allowDelegation: boolean;
  complexityHint?: 'low' | 'medium' | 'high';
  needsClaudeCode: boolean;
  budgetUsd?: number;
  maxDevAttempts?: number;
  staging?: string;
  /** Markdown body: what to do, acceptance criteria. */
  body: string;
  /** Where the task file came from (for messages only). */
  sourcePath?: string;
}

/** Resolved at submit time from the task file and the config; the workflow's whole input. */
export interface TaskInput {
  task: TaskSpec;
  base: string;
  maxDevAttempts: number;
  budgetUsd?: number;
  /** Staging target name, when the task or its repo has one. */
  staging?: string;
  /** Whether development..deploy-staging must hold the repo gate. */
  serial: boolean;
  provider: string;
  providerReason: string;
  /** Whether a provider's `fallback` may stand in (the task did not pin its agent). */
  allowFallback?: boolean;
  waitTimeoutMs: number;
  reminderEveryMs: number;
  /** 1 for a task id's first run; `submit --rerun` of a finished task starts run n + 1. */
  run?: number;
  /** The branch development pushes to (`taskBranch(task.id, run)`). */
  branch?: string;
}

// ---------------------------------------------------------------------------------------------
// Messages to taskWorkflow

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

// ---------------------------------------------------------------------------------------------
// Repo gate (FIFO mutex per repo)

export interface GateRequest {
  workflowId: string;
  taskId: string;
}
export interface GateState {
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
export const gateReleaseSignal = defineSignal<[{ workflowId: string }]>('gateRelease');
/** Sent by the gate to the task workflow that now holds it. */
export const gateGrantedSignal = defineSignal<[{ repo: string }]>('gateGranted');
export const gateStateQuery = defineQuery<GateState>('gateState');

// ---------------------------------------------------------------------------------------------
// Activity inputs and results

/** A stored artifact as workflow state carries it: a reference, never the content. */
export interface ArtifactRef {
  id: number;
  kind: string;
  size: number;
  truncated: boolean;
}

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export type AgentRole = 'analyst' | 'developer';

/**
 * A task body too long to copy into every stage's history: stored once, and named in prompts by
 * an unguessable marker that the agent activity replaces with the stored text.
 */
export interface BodyRef {
  artifactId: number;
  marker: string;
}

export interface AgentRunInput {
  taskId: string;
  role: AgentRole;
  attempt: number;
  repo: string;
  /** Branch name or commit SHA the worktree starts from. */
  ref: string;
  provider: string;
  prompt: string;
  /** What is left of the task's budget, for CLIs that can cap their own spend. */
  budgetLeftUsd?: number;
  /** Whether routing lets a provider's `fallback` stand in when all its accounts are cooling down. */
  allowFallback?: boolean;
  /** Set when the prompt names the stored task body instead of holding it. */
  bodyRef?: BodyRef;
}

export interface AgentRunBase {
  provider: string;
  exitCode: number | null;
  durationMs: number;
  /** Contents of .switchyard/summary.md, capped. */
  summary: string;
  /** Last part of the agent's output, capped, for failure reports. */
  outputTail: string;
  usage?: Usage;
  costUsd: number;
  /** Set when the agent failed: a readable reason. */
  failure?: string;
  /** Prompt, transcript, analysis, questions, summary, diff: whatever this run stored. */
  artifacts: ArtifactRef[];
}

export interface AnalystResult extends AgentRunBase {
  ok: boolean;
  /** .switchyard/analysis.md, capped. */
  analysis: string;
  /** Parsed from .switchyard/questions.md: non-empty means blocking questions. */
  questions: string[];
}

export interface DeveloperInput extends AgentRunInput {
  role: 'developer';
  branch: string;
  /**
   * The branch tip this run last pushed, or null before its first push. A push only replaces that
   * tip (a lease), so commits Switchyard did not make in this run are never overwritten.
   */
  expectedTip: string | null;
  /** Names this development attempt in the commit trailer, so a retried activity finds its own push. */
  trailer: string;
}

export interface DeveloperResult extends AgentRunBase {
  outcome: 'committed' | 'no-changes' | 'agent-failed';
  branch: string;
  commit?: string;
  changedFiles: string[];
}

export interface TestRunInput {
  taskId: string;
  repo: string;
  commit: string;
  attempt: number;
}

export interface TestSummary {
  status: 'PASS' | 'FAIL' | 'TIMEOUT';
  exitCode: number | null;
  durationMs: number;
  counts?: TestCounts;
  /** Head and tail of the output under a cap, with a truncation marker. */
  output: string;
  outputBytes: number;
  truncated: boolean;
  command: string[];
  commit: string;
  /** The full output in the store. */
  logRef?: ArtifactRef;
}

export interface StagingRunInput {
  taskId: string;
  repo: string;
  commit: string;
  target: string;
  attempt: number;
}

export interface StagingSummary {
  status: 'PASS' | 'FAIL';
  exitCode: number | null;
  durationMs: number;
  output: string;
  outputBytes: number;
  truncated: boolean;
  target: string;
  commit: string;
  logRef?: ArtifactRef;
}

/** A transition as the store's `events` table keeps it (kind: transition, answer, resume, pause, unpause, cancel). */
export interface TaskEvent extends Transition {
  kind: string;
  actor?: string;
  details?: Record<string, unknown>;
}

export interface RecordEventsInput {
  taskId: string;
  events: TaskEvent[];
}

export interface NotifyInput {
  taskId: string;
  kind: 'needs-input' | 'hold' | 'reminder' | 'done' | 'failed';
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Stage workflow inputs and results (plain JSON; never large)

export interface AnalysisStageInput {
  taskId: string;
  attempt: number;
  repo: string;
  base: string;
  provider: string;
  prompt: string;
  budgetLeftUsd?: number;
  allowFallback?: boolean;
  bodyRef?: BodyRef;
}
export type AnalysisOutcome = 'ready' | 'needs-input' | 'agent-failed';
export interface AnalysisStageResult {
  outcome: AnalysisOutcome;
  analysis: string;
  questions: string[];
  summary: string;
  costUsd: number;
  failure?: string;
  artifacts?: ArtifactRef[];
}

export interface DevelopmentStageInput {
  taskId: string;
  attempt: number;
  repo: string;
  /** Base branch for the first attempt; the previous commit on later ones. */
  ref: string;
  branch: string;
  /** See DeveloperInput.expectedTip. */
  expectedTip: string | null;
  /** See DeveloperInput.trailer. */
  trailer: string;
  provider: string;
  prompt: string;
  budgetLeftUsd?: number;
  allowFallback?: boolean;
  bodyRef?: BodyRef;
}
export type DevelopmentOutcome = 'committed' | 'no-changes' | 'agent-failed';
export interface DevelopmentStageResult {
  outcome: DevelopmentOutcome;
  branch: string;
  commit?: string;
  summary: string;
  changedFiles: string[];
  costUsd: number;
  failure?: string;
  artifacts?: ArtifactRef[];
}

export interface TestingStageInput {
  taskId: string;
  attempt: number;
  repo: string;
  commit: string;
}
export type TestingOutcome = 'passed' | 'failed' | 'tool-error';
export interface TestingStageResult {
  outcome: TestingOutcome;
  report?: TestSummary;
  failure?: string;
}

export interface StagingStageInput {
  taskId: string;
  attempt: number;
  repo: string;
  commit: string;
  target: string;
}
export type StagingOutcome = 'passed' | 'failed' | 'env-problem';
export interface StagingStageResult {
  outcome: StagingOutcome;
  report?: StagingSummary;
  failure?: string;
}
