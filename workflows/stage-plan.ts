/**
 * The stage plan: for each stage, what the task shows while it runs, the child workflow's input
 * built from the task's state, and how the child's result goes back into that state (returning
 * what follows, as transitions.ts decides). Pure: taskWorkflow runs the children.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import {
  taskBranch,
  type AnalysisStageInput,
  type AnalysisStageResult,
  type DevelopmentStageInput,
  type DevelopmentStageResult,
  type RanOn,
  type StageDelegation,
  type TaskInput,
  type Stage,
  type StagingStageInput,
  type StagingStageResult,
  type TaskStatus,
  type TestingStageInput,
  type TestingStageResult,
  type TestSummary,
} from './api/index.js';
import { analystPrompt, developerPrompt } from './prompts.js';
import { addCost, budgetLeft, decisionContext, type TaskRun } from './task-state.js';
import { decide, type Decision } from './transitions.js';

/** Each stage's child input and result. */
export interface StageIO {
  analysis: { input: AnalysisStageInput; result: AnalysisStageResult };
  development: { input: DevelopmentStageInput; result: DevelopmentStageResult };
  testing: { input: TestingStageInput; result: TestingStageResult };
  'deploy-staging': { input: StagingStageInput; result: StagingStageResult };
}
export type StageInput<S extends Stage> = StageIO[S]['input'];
export type StageResult<S extends Stage> = StageIO[S]['result'];

export interface StagePlan<S extends Stage> {
  /** What the task shows while attempt `n` runs. */
  detail(run: TaskRun, n: number): string;
  /** The child's input for attempt `n`. */
  input(run: TaskRun, n: number): StageInput<S>;
  /** Writes the child's result into the run and says what follows. */
  absorb(run: TaskRun, r: StageResult<S>): Decision;
}

export const STAGE_PLAN: { [S in Stage]: StagePlan<S> } = {
  analysis: {
    detail: (run, n) => `analyst ${run.input.provider} at work${where(run.input)} (attempt ${n})`,
    input: ({ input, s, bodyRef, workflowId, firstRunId }, n) => ({
      taskId: input.task.id,
      attempt: n,
      repo: input.task.repo,
      base: input.base,
      provider: input.provider,
      prompt: analystPrompt(input.task, input.base, s.rounds, bodyRef),
      bodyRef,
      budgetLeftUsd: budgetLeft(s),
      allowFallback: input.allowFallback,
      ...stageDelegation({ input, workflowId, firstRunId }, 'analysis', n),
      ...(input.agentTaskQueue ? { agentTaskQueue: input.agentTaskQueue } : {}),
    }),
    absorb(run, r) {
      const { s } = run;
      addCost(s, r.costUsd);
      noteRanOn(s, run.input, r.ranOn);
      if (r.summary) s.lastSummary = r.summary;
      if (r.outcome === 'ready') run.carry.analysis = s.analysisPreview = r.analysis;
      if (r.outcome === 'needs-input') s.rounds.push({ questions: r.questions });
      return decide('analysis', r.outcome, decisionContext(run), r.failure);
    },
  },

  development: {
    detail: (run, n) =>
      `developer ${run.input.provider} at work${where(run.input)} (attempt ${n} of ${run.s.maxDevAttempts})`,
    input: ({ input, s, carry, bodyRef, runId, workflowId, firstRunId }, n) => ({
      taskId: input.task.id,
      attempt: n,
      repo: input.task.repo,
      // Later attempts build on the previous commit, so the agent fixes its own work.
      ref: s.commit ?? input.base,
      branch: input.branch ?? taskBranch(input.task.id, input.run),
      // Pushes replace only what this run pushed last; the trailer lets a retry find its own push.
      expectedTip: s.commit ?? null,
      trailer: `${runId} development ${n}`,
      provider: input.provider,
      budgetLeftUsd: budgetLeft(s),
      allowFallback: input.allowFallback,
      prompt: developerPrompt(input.task, input.base, {
        analysis: carry.analysis,
        rounds: s.rounds,
        attempt: n,
        failure: carry.failure,
        resumeNote: carry.note,
        bodyRef,
      }),
      bodyRef,
      ...stageDelegation({ input, workflowId, firstRunId }, 'development', n),
      ...(input.agentTaskQueue ? { agentTaskQueue: input.agentTaskQueue } : {}),
    }),
    absorb(run, r) {
      const { s, carry } = run;
      // A resume note is for the attempt it was given to.
      carry.note = undefined;
      addCost(s, r.costUsd);
      noteRanOn(s, run.input, r.ranOn);
      if (r.summary) s.lastSummary = r.summary;
      if (r.outcome === 'committed') {
        s.branch = r.branch;
        s.commit = r.commit;
        carry.failure = undefined;
      }
      return decide('development', r.outcome, decisionContext(run), r.failure);
    },
  },

  testing: {
    detail: ({ s }, n) => `running tests on ${shortSha(s.commit)} (attempt ${n})`,
    input: ({ input, s }, n) => ({ taskId: input.task.id, attempt: n, repo: input.task.repo, commit: commitOf(s) }),
    absorb(run, r) {
      if (r.report) run.s.lastTest = r.report;
      if (r.outcome === 'failed') run.carry.failure = { source: 'testing', test: r.report };
      return decide('testing', r.outcome, decisionContext(run), r.failure ?? testFailureText(r.report));
    },
  },

  'deploy-staging': {
    detail: ({ input, s }, n) => `staging check on ${input.staging!} for ${shortSha(s.commit)} (attempt ${n})`,
    input: ({ input, s }, n) => ({
      taskId: input.task.id,
      attempt: n,
      repo: input.task.repo,
      commit: commitOf(s),
      branch: s.branch,
      target: input.staging!,
    }),
    absorb(run, r) {
      if (r.report) run.s.lastStaging = r.report;
      if (r.outcome === 'failed') run.carry.failure = { source: 'deploy-staging', staging: r.report };
      return decide('deploy-staging', r.outcome, decisionContext(run), r.failure);
    },
  },
};

/** An agent stage of a delegated task runs on the job platform (absent for local tasks: their inputs stay as they were). */
export function stageDelegation(
  run: Pick<TaskRun, 'input' | 'workflowId' | 'firstRunId'>,
  stage: Stage,
  n: number,
): {
  delegation?: StageDelegation;
} {
  const { input } = run;
  if (input.providerMode !== 'delegated') return {};
  const jobKey = `${run.workflowId}/${run.firstRunId}/${stage}-${n}`;
  return {
    delegation: { base: input.base, jobKey, ...(input.localFallback ? { localFallback: input.localFallback } : {}) },
  };
}

function where(input: TaskInput): string {
  return input.providerMode === 'delegated' ? ' on the job platform' : '';
}

/**
 * Who ran the agent stage that just ended: another provider (the platform unreachable, fallbackToLocal)
 * with its reason, or the routed one again after an earlier stage fell back.
 */
export function noteRanOn(s: TaskStatus, input: TaskInput, ranOn: RanOn | undefined): void {
  if (!ranOn && input.providerMode !== 'delegated') return;
  s.provider = ranOn?.provider ?? input.provider;
  s.providerMode = ranOn?.mode ?? 'delegated';
  s.providerReason = ranOn?.reason ?? input.providerReason;
}

/** Testing and staging run on the commit development made; without one the story is broken. */
export function commitOf(s: TaskStatus): string {
  if (!s.commit) throw ApplicationFailure.nonRetryable('no commit to test: development has not committed', 'Internal');
  return s.commit;
}

export function shortSha(sha?: string): string {
  return sha ? sha.slice(0, 12) : '(no commit)';
}

/** The failure text of a test run that did not pass, when the stage gave none of its own. */
export function testFailureText(report?: Pick<TestSummary, 'status' | 'exitCode' | 'counts'>): string | undefined {
  if (!report || report.status === 'PASS') return undefined;
  const failed = report.counts ? `, ${report.counts.failed} failing` : '';
  return `${report.status} (exit ${report.exitCode ?? 'signal'}${failed})`;
}
