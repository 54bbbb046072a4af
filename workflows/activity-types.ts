/**
 * The activity interface as workflows see it. activities/index.ts implements it (checked there with
 * `satisfies`), so workflows depend on this shape and never on activity code.
 */
import type {
  AgentRunInput,
  ArtifactRef,
  AnalystResult,
  DelegatedAnalysisInput,
  DelegatedDevelopmentInput,
  DelegatedJobRef,
  DeveloperInput,
  DeveloperResult,
  GateRef,
  GateRequest,
  NotifyActivityInput,
  RecordEventsInput,
  StagingRunInput,
  StagingSummary,
  TestRunInput,
  TestSummary,
  WebhookDeliveryInput,
} from './api/index.js';

export interface SwitchyardActivities {
  runAnalyst(input: AgentRunInput): Promise<AnalystResult>;
  runDeveloper(input: DeveloperInput): Promise<DeveloperResult>;
  /** POSTs the stage's job to the platform (idempotent per stage attempt) and returns its id. */
  submitDelegatedJob(input: AgentRunInput): Promise<DelegatedJobRef>;
  /** Polls the job to its end; a retry after a lost worker resumes the same job. Results as for a local run. */
  awaitDelegatedAnalysis(input: DelegatedAnalysisInput): Promise<AnalystResult>;
  awaitDelegatedDevelopment(input: DelegatedDevelopmentInput): Promise<DeveloperResult>;
  /** Best effort DELETE of a job whose stage was cancelled; a failure is logged, never thrown. */
  cancelDelegatedJob(input: { taskId: string; provider: string; jobId: string }): Promise<void>;
  runTests(input: TestRunInput): Promise<TestSummary>;
  runStagingCheck(input: StagingRunInput): Promise<StagingSummary>;
  /** Logs and files the notice, and starts its webhook deliveries (noticeWorkflow) without waiting for them. */
  notify(input: NotifyActivityInput): Promise<void>;
  /** One POST to one webhook; every attempt is an event in the store. */
  deliverWebhook(input: WebhookDeliveryInput): Promise<void>;
  /** Appends transitions to the store's events table (idempotent per activity). */
  recordEvents(input: RecordEventsInput): Promise<void>;
  /** Signal-with-start the repo gate: workflows cannot start a workflow they do not own. */
  requestGate(input: GateRequest & GateRef): Promise<{ granted: boolean }>;
  isWorkflowRunning(workflowId: string): Promise<boolean>;
  /** Stores a long task body once, so prompts can name it instead of copying it into every stage. */
  storeTaskBody(input: { taskId: string; body: string }): Promise<ArtifactRef>;
}
