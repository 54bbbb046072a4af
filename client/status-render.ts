/**
 * A task's status and list row as the client shows them, pieced together from what Temporal keeps
 * (visibility rows, describe, the status memo) when no worker answers; and the Web UI's details text.
 */
import type { WorkflowExecutionDescription, WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import {
  MEMO_STATUS_KEY,
  SA_COST_USD,
  SA_PROVIDER,
  SA_REPO,
  SA_STAGE,
  SA_STATE,
  STAGES,
  TASK_STATES,
  taskIdFromWorkflowId,
  type Stage,
  type StatusMemo,
  type TaskInput,
  type TaskState,
  type TaskStatus,
} from '../workflows/api/index.js';
import { preview } from '../workflows/preview.js';
import { webUiMarkdown } from '../workflows/task-view.js';
import { FINAL_STATES, type TaskListRow, type TaskStatusView } from './views.js';

/** One `list` row from a visibility record: search attributes and memo, no worker needed. */
export function listRow(info: WorkflowExecutionInfo): TaskListRow {
  const sa = info.typedSearchAttributes;
  const workflowId = info.workflowId;
  const taskId = taskIdFromWorkflowId(workflowId) ?? workflowId;
  const memoTitle = info.memo?.title;
  return {
    taskId,
    workflowId,
    title: typeof memoTitle === 'string' && memoTitle ? memoTitle : taskId,
    state: stateFromExecution(sa.get(SA_STATE), info.status.name),
    stage: sa.get(SA_STAGE) ?? '',
    repo: sa.get(SA_REPO) ?? '',
    provider: sa.get(SA_PROVIDER) ?? '',
    costUsd: sa.get(SA_COST_USD) ?? 0,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString(),
    status: info.status.name,
  };
}

const DETAILS_BODY_CHARS = 1000;

/** A short markdown shown in the Web UI's workflow details. */
export function taskDetailsMarkdown(input: TaskInput): string {
  const { task } = input;
  // An excerpt: the whole body travels once, in the workflow input.
  const body = preview(task.body.trim(), DETAILS_BODY_CHARS).split('\n').slice(0, 8);
  const lines = [
    `**${task.title}** (\`${task.id}\`)`,
    '',
    `- repo: \`${task.repo}\`, base \`${input.base}\``,
    `- provider: \`${input.provider}\`${input.providerMode === 'delegated' ? ' (delegated to the job platform)' : ''} — ${input.providerReason}`,
    `- dev attempts: ${input.maxDevAttempts}${input.budgetUsd !== undefined ? `, budget $${input.budgetUsd}` : ''}`,
    `- staging: ${input.staging ? `\`${input.staging}\`` : 'none'}`,
  ];
  if (task.sourcePath) lines.push(`- file: \`${task.sourcePath}\``);
  if (body.length && body[0]) {
    lines.push('', ...body);
    if (task.body.trim().split('\n').length > body.length) lines.push('…');
  }
  return webUiMarkdown(lines.join('\n'));
}

/** Temporal's record wins when it says the run was cancelled or ended abnormally. */
export function mergeExecutionStatus<T extends TaskStatus>(status: T, executionStatus: string): T {
  if (executionStatus === 'CANCELLED' && status.state !== 'cancelled') {
    return { ...status, state: 'cancelled', detail: `cancelled in Temporal (${status.detail || status.state})` };
  }
  if (['TERMINATED', 'TIMED_OUT', 'FAILED'].includes(executionStatus) && status.state !== 'failed') {
    const why = executionStatus === 'TIMED_OUT' ? 'timed out' : executionStatus.toLowerCase();
    return { ...status, state: 'failed', detail: `workflow ${why} in Temporal (${status.detail || status.state})` };
  }
  return status;
}

function stateFromExecution(saState: string | undefined, executionStatus: string): string {
  if (executionStatus === 'CANCELLED') return 'cancelled';
  if (['TERMINATED', 'TIMED_OUT', 'FAILED'].includes(executionStatus)) return 'failed';
  if (executionStatus === 'COMPLETED') {
    // A closed run cannot still be waiting; trust the attribute only when it names an end.
    return saState && (FINAL_STATES as readonly string[]).includes(saState) ? saState : 'done';
  }
  return saState || 'running';
}

/** What Temporal keeps without a worker: a finished run's result, else the workflow's status memo. */
export async function statusFromRecord(
  taskId: string,
  desc: WorkflowExecutionDescription,
  handle: WorkflowHandle,
  queryError: string,
): Promise<TaskStatusView> {
  if (desc.status.name === 'COMPLETED') {
    try {
      const result = (await handle.result()) as TaskStatus;
      if (result && typeof result === 'object' && typeof result.state === 'string') return { ...result };
    } catch {
      // fall through to the memo
    }
  }
  const sa = desc.typedSearchAttributes;
  const rawState = stateFromExecution(sa.get(SA_STATE), desc.status.name);
  const state = (TASK_STATES as readonly string[]).includes(rawState) ? (rawState as TaskState) : 'running';
  const rawStage = sa.get(SA_STAGE);
  const stage = rawStage && (STAGES as readonly string[]).includes(rawStage) ? (rawStage as Stage) : 'analysis';
  let title = taskId;
  try {
    title = (await desc.staticSummary()) || (typeof desc.memo?.title === 'string' ? desc.memo.title : taskId);
  } catch {
    // the summary is decoration; the id will do
  }
  const base: TaskStatusView = {
    taskId,
    workflowId: desc.workflowId,
    title,
    repo: sa.get(SA_REPO) ?? '',
    state,
    stage,
    detail: `${queryError}; showing what Temporal recorded (${desc.status.name.toLowerCase()})`,
    rounds: [],
    paused: false,
    attempts: { analysis: 0, development: 0, testing: 0, 'deploy-staging': 0 },
    maxDevAttempts: 0,
    provider: sa.get(SA_PROVIDER) ?? '',
    providerReason: '',
    costUsd: sa.get(SA_COST_USD) ?? 0,
    transitions: [],
    ignoredSignals: [],
  };
  const memo = desc.memo?.[MEMO_STATUS_KEY];
  // The memo's own bookkeeping (version, counts of what it cut) is not part of a status.
  const {
    v: _v,
    questionCount: _q,
    transitionCount: _t,
    ignoredSignalCount: _i,
    ...snapshot
  } = memo && typeof memo === 'object' ? (memo as Partial<StatusMemo>) : {};
  // The search attributes are written with the memo; the execution status decides a closed run's state.
  const status: TaskStatusView = { ...base, ...snapshot, state, stage, queryError };
  if (!ABNORMAL_ENDS.includes(desc.status.name)) return status;
  // From the state the run recorded, so the detail says how Temporal ended it, as for a worker's answer.
  const recorded = sa.get(SA_STATE);
  const before =
    recorded && (TASK_STATES as readonly string[]).includes(recorded) ? (recorded as TaskState) : 'running';
  return mergeExecutionStatus({ ...status, state: before }, desc.status.name);
}

/** Execution statuses of a run that did not complete: mergeExecutionStatus decides its state. */
const ABNORMAL_ENDS = ['CANCELLED', 'TERMINATED', 'TIMED_OUT', 'FAILED'];

/** Whether `watch` has something new to report. */
export function statusChanged(a: TaskStatusView, b: TaskStatusView): boolean {
  const key = (s: TaskStatusView) =>
    JSON.stringify([
      s.state,
      s.stage,
      s.detail,
      s.attempts,
      s.paused,
      s.questions,
      s.holdReason,
      s.commit,
      s.transitions.length,
      s.progress,
    ]);
  return key(a) !== key(b);
}
