/**
 * The plain JSON shapes that travel through history: the task, activity and stage inputs and results.
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import type { TestCounts, Transition } from './status.js';

export const STAGES = ['analysis', 'development', 'testing', 'deploy-staging'] as const;
export type Stage = (typeof STAGES)[number];

export const TASK_STATES = ['queued', 'running', 'needs-input', 'hold', 'done', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

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
  /** Where `provider` runs: on this worker (the default) or on the job platform. */
  providerMode?: ProviderMode;
  /** With delegation.fallbackToLocal: the local provider an agent stage runs on when the platform cannot be reached. */
  localFallback?: string;
  /** pipeline.agentTaskQueue: where the agent activities go (absent: the task's own queue). */
  agentTaskQueue?: string;
  /** Whether a provider's `fallback` may stand in (the task did not pin its agent). */
  allowFallback?: boolean;
  waitTimeoutMs: number;
  reminderEveryMs: number;
  /** 1 for a task id's first run; `submit --rerun` of a finished task starts run n + 1. */
  run?: number;
  /** The branch development pushes to (`taskBranch(task.id, run)`). */
  branch?: string;
}

export type ProviderMode = 'local' | 'delegated';

/** Who ran a stage when it was not the routed provider (the platform unreachable, fallbackToLocal set). */
export interface RanOn {
  provider: string;
  mode: ProviderMode;
  reason: string;
}

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
  /** For a job on the platform (absent for local runs): the task's base branch, and the job's idempotency key. */
  base?: string;
  jobKey?: string;
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

/** A job's status as the platform reports it (docs/architecture.md §8, the platform contract). */
export const DELEGATED_JOB_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type DelegatedJobStatus = (typeof DELEGATED_JOB_STATUSES)[number];

/** A submitted job, as the await activity needs it (small: the prompt and result stay out of history). */
export interface DelegatedJobRef {
  jobId: string;
  /** The provider's name in the config, and what the platform runs it on. */
  provider: string;
  target: string;
  status: DelegatedJobStatus;
  /** The commit the job was given; its answer is applied there. */
  commit: string;
  /** Epoch ms of the submit; the job's deadline counts from here. */
  submittedAt: number;
  pollIntervalSec: number;
  timeoutSec: number;
}

export interface DelegatedAnalysisInput extends AgentRunInput {
  job: DelegatedJobRef;
}
export interface DelegatedDevelopmentInput extends DeveloperInput {
  job: DelegatedJobRef;
}

/** What an agent stage needs to run on the job platform. */
export interface StageDelegation {
  /** The task's base branch, which the platform is told beside the stage's commit. */
  base: string;
  /**
   * `<task workflow id>/<its first run id>/<stage>-<attempt>`: one job per stage attempt of one task run,
   * however often the submit is retried and across resets (a rerun has a new first run id).
   */
  jobKey: string;
  /** The local provider to run on when the platform cannot be reached to submit (delegation.fallbackToLocal). */
  localFallback?: string;
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
  /** The task's branch, for a remote command's `{branch}` (absent in histories from before ssh). */
  branch?: string;
  target: string;
  attempt: number;
}

/**
 * What a staging run means. Only `failed` is about the code; the rest are environment questions for a
 * person (a hang on the host included), never a reason to rewrite the code.
 */
export const STAGING_CLASSES = ['passed', 'failed', 'timeout', 'env-permanent', 'transient'] as const;
export type StagingClass = (typeof STAGING_CLASSES)[number];

export interface StagingSummary {
  status: 'PASS' | 'FAIL';
  outcomeClass: StagingClass;
  transport: 'local' | 'ssh';
  /** `user@host:port` of an ssh target. */
  host?: string;
  /** One line for a person: the class, the target and the first useful line of the output. */
  reason: string;
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
  /** Its place among the run's transitions: whichever activity files it, it is filed once. */
  index?: number;
}

export interface RecordEventsInput {
  taskId: string;
  events: TaskEvent[];
}

export const NOTICE_KINDS = ['needs-input', 'hold', 'reminder', 'done', 'failed'] as const;

/** What a webhook is told beside the message (all short: questions and reasons are previews). */
export interface NoticeFacts {
  title?: string;
  repo?: string;
  state?: string;
  stage?: string;
  questions?: string[];
  reason?: string;
}

export interface NotifyInput {
  taskId: string;
  kind: (typeof NOTICE_KINDS)[number];
  message: string;
  /** Absent in histories from before webhooks. */
  facts?: NoticeFacts;
}

/** The notify activity's input: the notice, and the task's transitions filed with it (one activity for both). */
export interface NotifyActivityInput extends NotifyInput {
  events?: TaskEvent[];
}

/** noticeWorkflow's input: one notice for the webhooks that want it. */
export interface NoticeInput {
  notice: NotifyInput;
  webhooks: string[];
  /** The task in the Web UI, when `notifications.webUi` is configured. */
  link?: string;
}

export interface WebhookDeliveryInput {
  webhook: string;
  notice: NotifyInput;
  link?: string;
}

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
  /** Set when the provider is delegated: the stage submits a job to the platform and awaits it. */
  delegation?: StageDelegation;
  /** The task queue of the agent activities (absent: the stage's own). */
  agentTaskQueue?: string;
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
  ranOn?: RanOn;
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
  delegation?: StageDelegation;
  agentTaskQueue?: string;
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
  ranOn?: RanOn;
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
  /** The task's branch (absent in histories from before ssh). */
  branch?: string;
  target: string;
}
export type StagingOutcome = 'passed' | 'failed' | 'env-problem';
export interface StagingStageResult {
  outcome: StagingOutcome;
  report?: StagingSummary;
  failure?: string;
}
