/**
 * A small typed client for Switchyard tasks on Temporal, used by the CLI and by tests.
 * Every operator message is checked against the task's current state first, so a refusal says
 * why instead of silently being ignored by the workflow.
 */
import os from 'node:os';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseTaskInput } from '../workflows/messages.js';
import { preview } from '../workflows/prompts.js';
import { redactSecrets } from '../workflows/redact.js';
import { signalFits } from '../workflows/transitions.js';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import proto from '@temporalio/proto';
import {
  taskIdFromWorkflowId,
  DEFAULT_TASK_QUEUE,
  MEMO_STATUS_KEY,
  SA_COST_USD,
  SA_PROVIDER,
  SA_REPO,
  SA_STAGE,
  SA_STATE,
  STAGES,
  TASK_STATES,
  answerSignal,
  pauseSignal,
  resumeSignal,
  stageWorkflowId,
  statusQuery,
  taskBranch,
  taskWorkflowId,
  unpauseSignal,
  type AnswerInput,
  type OperatorInput,
  type ResumeInput,
  type Stage,
  type StatusMemo,
  type TaskInput,
  type TaskState,
  type TaskStatus,
  type Transition,
} from '../workflows/api/index.js';

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';
/** States in which a task waits for nothing but a person, or has ended: `watch` stops there. */
export const SETTLED_STATES: readonly TaskState[] = ['done', 'failed', 'cancelled', 'needs-input', 'hold'];
export const FINAL_STATES: readonly TaskState[] = ['done', 'failed', 'cancelled'];
/** `status` answers within about a second even when no worker does (then from Temporal's record). */
const QUERY_DEADLINE_MS = 800;

export class ConnectionError extends Error {
  override name = 'ConnectionError';
}
/** The task is not in a state where the requested message makes sense. */
export class StateError extends Error {
  override name = 'StateError';
  constructor(
    message: string,
    readonly taskId: string,
    readonly state: TaskState,
  ) {
    super(message);
  }
}
export class TaskNotFoundError extends Error {
  override name = 'TaskNotFoundError';
  constructor(
    readonly taskId: string,
    namespace: string,
  ) {
    super(`no task "${taskId}" (workflow ${taskWorkflowId(taskId)} not found in namespace "${namespace}")`);
  }
}
export class TaskAlreadyRunningError extends Error {
  override name = 'TaskAlreadyRunningError';
  constructor(
    readonly taskId: string,
    /** Its state when known. */
    readonly state?: TaskStatus,
  ) {
    const where = state ? `state ${state.state}, stage ${state.stage}` : 'state unknown';
    super(
      state && FINAL_STATES.includes(state.state)
        ? `task ${taskId} is still finishing (${where}); submit it again once \`switchyard status ${taskId}\` shows it has closed`
        : `task ${taskId} is already running (${where}); use \`switchyard status ${taskId}\``,
    );
  }
}

/** The start input fails the workflow's own schema (workflows/messages.ts). */
export class InvalidTaskInputError extends Error {
  override name = 'InvalidTaskInputError';
  constructor(readonly issues: string[]) {
    super(`the task's start input is not valid (${issues.length} problem(s))`);
  }
}

/** A task with this id already ran and closed; its id is not reused without `--rerun`. */
export class TaskExistsError extends Error {
  override name = 'TaskExistsError';
  constructor(
    readonly taskId: string,
    readonly state: TaskStatus | undefined,
    readonly nextBranch: string,
  ) {
    const where = state ? `${state.state}${state.branch ? `, branch ${state.branch}` : ''}` : 'closed';
    super(
      `task ${taskId} already ran (${where}); its id is not reused silently. ` +
        `Run it again with \`switchyard submit --rerun <file>\` (a new run on branch ${nextBranch}; ` +
        'the earlier branch and records stay), or give the task a new id.',
    );
  }
}

export interface SubmitOptions {
  /** Start a new run of a task id whose earlier run has closed, on a branch of its own. */
  rerun?: boolean;
}

export interface ConnectOptions {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  env?: NodeJS.ProcessEnv;
}

export interface SubmitResult {
  taskId: string;
  workflowId: string;
  runId: string;
  /** 1 for the id's first run, n + 1 for a rerun. */
  run: number;
  branch: string;
}

/** TaskStatus, plus why it had to be pieced together from Temporal's own records when no worker answered. */
export interface TaskStatusView extends TaskStatus {
  queryError?: string;
  /** What the running stage's activity last heartbeated (agent turns, last tool, cost so far). */
  progress?: ActivityProgressView;
}

export interface ActivityProgressView {
  activity: string;
  attempt: number;
  details?: Record<string, unknown>;
  lastFailure?: string;
}

export interface TaskListRow {
  taskId: string;
  workflowId: string;
  title: string;
  state: TaskState | string;
  stage: string;
  repo: string;
  provider: string;
  costUsd: number;
  startTime: string;
  closeTime?: string;
  /** Temporal's execution status (RUNNING, COMPLETED, CANCELLED, ...). */
  status: string;
}

export interface ListFilter {
  state?: string;
  repo?: string;
  limit?: number;
}

export type MessageKind = 'answer' | 'resume' | 'pause' | 'unpause' | 'cancel';

export interface WatchOptions {
  intervalMs?: number;
  /** Called once per distinct problem while polling goes on (e.g. no worker answering). */
  onProblem?: (message: string) => void;
  signal?: AbortSignal;
}

export type WatchCallback = (
  status: TaskStatusView,
  previous: TaskStatusView | undefined,
  newTransitions: Transition[],
) => void;

/** Secret-shaped words (tokens, keys) masked: the same patterns as agent output. */
const redact = redactSecrets;

/** An operator's note and name, redacted. */
function operator(input: OperatorInput): OperatorInput {
  return {
    by: redact(input.by ?? defaultActor()),
    ...(input.note !== undefined ? { note: redact(input.note) } : {}),
  };
}

/** `$USER@hostname`, recorded with answers and operator actions. */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  let user = env.USER || env.USERNAME;
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}`;
}

/** Why `kind` does not fit a task in this status, or undefined when it does. */
export function refusalReason(
  kind: MessageKind,
  status: Pick<TaskStatus, 'taskId' | 'state' | 'paused' | 'holdReason'>,
): string | undefined {
  const { taskId: id, state } = status;
  const where = `task ${id} is ${state}${status.paused && !FINAL_STATES.includes(state) ? ' (paused)' : ''}`;
  // The workflow's own rule decides; this only explains a refusal.
  if (kind !== 'cancel' && signalFits(kind, status)) return undefined;
  switch (kind) {
    case 'answer':
      return `${where}; answers are accepted only while it is needs-input${state === 'hold' ? ` — to go on, use \`switchyard resume ${id}\`` : ''}`;
    case 'resume':
      return `${where}; resume applies only while it is on hold${state === 'needs-input' ? ` — it waits for an answer: \`switchyard answer ${id} --text "…"\`` : ''}${status.paused ? ` — to un-park it, use \`switchyard unpause ${id}\`` : ''}`;
    case 'pause':
      if (status.paused && !FINAL_STATES.includes(state))
        return `${where}; it is already paused (\`switchyard unpause ${id}\` to go on)`;
      return `${where}; only a queued, running or waiting task can be paused`;
    case 'unpause':
      return `${where}; it is not paused`;
    case 'cancel':
      if (!FINAL_STATES.includes(state)) return undefined;
      return `${where}; it has already ended`;
  }
}

export class SwitchyardClient {
  private constructor(
    readonly connection: Connection,
    readonly client: Client,
    readonly address: string,
    readonly namespace: string,
    readonly taskQueue: string,
  ) {}

  static async connect(opts: ConnectOptions = {}): Promise<SwitchyardClient> {
    const env = opts.env ?? process.env;
    const address = opts.address || env.TEMPORAL_ADDRESS || DEFAULT_ADDRESS;
    const namespace = opts.namespace || env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE;
    const taskQueue = opts.taskQueue || env.SWITCHYARD_TASK_QUEUE || DEFAULT_TASK_QUEUE;
    let connection: Connection;
    try {
      connection = await Connection.connect({ address, connectTimeout: '5s' });
    } catch (err) {
      throw new ConnectionError(
        `cannot reach Temporal at ${address} — is \`switchyard start\` running? (${errorText(err)})`,
        { cause: err },
      );
    }
    return new SwitchyardClient(connection, new Client({ connection, namespace }), address, namespace, taskQueue);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  async submit(given: TaskInput, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const { task } = given;
    const workflowId = taskWorkflowId(task.id);
    const previous = await this.previousRun(task.id);
    const run = previous ? previous.run + 1 : 1;
    if (previous && !previous.running && !opts.rerun) {
      throw new TaskExistsError(task.id, await this.currentStatus(task.id), taskBranch(task.id, run));
    }
    // The workflow checks its input with the same schema; a problem is found here, before anything starts.
    const checked = parseTaskInput({ ...given, run, branch: taskBranch(task.id, run) });
    if (!checked.ok) throw new InvalidTaskInputError(checked.problems);
    const input = checked.input;
    try {
      const handle = await this.client.workflow.start('taskWorkflow', {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        // A closed task's id is reused only when the user asked for a rerun (checked above).
        workflowIdReusePolicy: opts.rerun
          ? WorkflowIdReusePolicy.ALLOW_DUPLICATE
          : WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: SA_STATE, value: 'running' },
          { key: SA_STAGE, value: 'analysis' },
          { key: SA_REPO, value: task.repo },
          { key: SA_PROVIDER, value: input.provider },
          { key: SA_COST_USD, value: 0 },
        ],
        // List results carry the memo but not the static summary, so the title travels in both.
        memo: { title: task.title, run },
        staticSummary: task.title,
        staticDetails: taskDetailsMarkdown(input),
      });
      return { taskId: task.id, workflowId, runId: handle.firstExecutionRunId, run, branch: input.branch! };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // Started or closed by someone else between our look and the start.
        const now = await this.previousRun(task.id);
        if (now && !now.running) throw new TaskExistsError(task.id, await this.currentStatus(task.id), input.branch!);
        throw new TaskAlreadyRunningError(task.id, await this.currentStatus(task.id));
      }
      throw this.wrap(err);
    }
  }

  /** The latest run of a task id, if any: whether it still runs, and its run number. */
  private async previousRun(taskId: string): Promise<{ running: boolean; run: number } | undefined> {
    try {
      const desc = await this.handle(taskId).describe();
      const run = desc.memo?.run;
      return { running: desc.status.name === 'RUNNING', run: typeof run === 'number' && run >= 1 ? run : 1 };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw this.wrap(err, taskId);
    }
  }

  /**
   * The task's status from its workflow's query; when no worker polls the task queue, or none
   * answers within a second, from what Temporal itself recorded (the status memo the workflow
   * keeps, search attributes, the result of a finished run), so this never waits on a worker.
   */
  async status(taskId: string): Promise<TaskStatusView> {
    const handle = this.client.workflow.getHandle(taskWorkflowId(taskId));
    let desc: WorkflowExecutionDescription;
    let worker: boolean;
    try {
      [desc, worker] = await Promise.all([handle.describe(), this.workerPolling()]);
    } catch (err) {
      throw this.wrap(err, taskId);
    }
    let status: TaskStatusView;
    if (!worker) {
      status = await statusFromRecord(taskId, desc, handle, 'no worker is running');
    } else {
      try {
        status = await this.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery));
      } catch (err) {
        status = await statusFromRecord(taskId, desc, handle, `no worker answered: ${errorText(err)}`);
      }
    }
    return mergeExecutionStatus(status, desc.status.name);
  }

  /**
   * Whether any worker polled the task queue for workflow tasks lately. A worker killed a moment
   * ago may still be listed for a while; then the query's short deadline decides.
   */
  async workerPolling(): Promise<boolean> {
    try {
      const res = await this.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        this.connection.workflowService.describeTaskQueue({
          namespace: this.namespace,
          taskQueue: { name: this.taskQueue },
          taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      return (res.pollers ?? []).length > 0;
    } catch {
      // Cannot tell: let the query (with its deadline) find out.
      return true;
    }
  }

  async list(filter: ListFilter = {}): Promise<TaskListRow[]> {
    const query = listQuery(filter);
    const limit = filter.limit ?? 100;
    const rows: TaskListRow[] = [];
    try {
      for await (const info of this.client.workflow.list({ query })) {
        const sa = info.typedSearchAttributes;
        const workflowId = info.workflowId;
        const taskId = taskIdFromWorkflowId(workflowId) ?? workflowId;
        const memoTitle = info.memo?.title;
        rows.push({
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
        });
        if (rows.length >= limit) break;
      }
    } catch (err) {
      throw this.wrap(err);
    }
    return rows;
  }

  // What a person types is redacted before it is sent: the signal itself is kept in history.
  async answer(taskId: string, input: AnswerInput): Promise<TaskStatusView> {
    const status = await this.requireFits(taskId, 'answer');
    const payload: AnswerInput = { text: redact(input.text), by: redact(input.by ?? defaultActor()) };
    await this.signal(taskId, () => this.handle(taskId).signal(answerSignal, payload));
    return status;
  }

  async resume(taskId: string, input: ResumeInput): Promise<TaskStatusView> {
    const status = await this.requireFits(taskId, 'resume');
    const payload: ResumeInput = { ...input, ...operator(input) };
    await this.signal(taskId, () => this.handle(taskId).signal(resumeSignal, payload));
    return status;
  }

  async pause(taskId: string, input: OperatorInput = {}): Promise<TaskStatusView> {
    const status = await this.requireFits(taskId, 'pause');
    await this.signal(taskId, () => this.handle(taskId).signal(pauseSignal, { ...input, ...operator(input) }));
    return status;
  }

  async unpause(taskId: string, input: OperatorInput = {}): Promise<TaskStatusView> {
    const status = await this.requireFits(taskId, 'unpause');
    await this.signal(taskId, () => this.handle(taskId).signal(unpauseSignal, { ...input, ...operator(input) }));
    return status;
  }

  async cancel(taskId: string): Promise<TaskStatusView> {
    const status = await this.requireFits(taskId, 'cancel');
    await this.signal(taskId, () => this.handle(taskId).cancel());
    return status;
  }

  /**
   * Poll the task's status and report every change until it is done, failed, cancelled or waits
   * for a person. Returns the last status seen.
   */
  async watch(taskId: string, onChange: WatchCallback, opts: WatchOptions = {}): Promise<TaskStatusView> {
    const intervalMs = opts.intervalMs ?? 1000;
    let previous: TaskStatusView | undefined;
    let lastProblem: string | undefined;
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('watch aborted');
      let current: TaskStatusView | undefined;
      try {
        current = await this.status(taskId);
        if (current.state === 'running') current.progress = await this.progress(current).catch(() => undefined);
      } catch (err) {
        // A missing task is final; anything else (server restarting) is worth waiting out.
        if (err instanceof TaskNotFoundError || opts.signal?.aborted) throw err;
        const problem = errorText(err);
        if (problem !== lastProblem) opts.onProblem?.(problem);
        lastProblem = problem;
      }
      if (current) {
        if (current.queryError) {
          if (current.queryError !== lastProblem) opts.onProblem?.(`no worker answered: ${current.queryError}`);
          lastProblem = current.queryError;
        } else {
          lastProblem = undefined;
        }
        // A status pieced together without a worker is too thin to report as progress, unless it is final.
        if (!current.queryError || SETTLED_STATES.includes(current.state)) {
          if (!previous || statusChanged(previous, current)) {
            const seen = previous?.transitions.length ?? 0;
            onChange(current, previous, current.transitions.slice(seen));
            previous = current;
          }
          if (SETTLED_STATES.includes(current.state)) return current;
        }
      }
      await sleep(intervalMs, opts.signal);
    }
  }

  /** The running stage's pending activity, as the Web UI shows it: heartbeat details and last failure. */
  async progress(status: TaskStatus): Promise<ActivityProgressView | undefined> {
    const id = stageWorkflowId(status.taskId, status.stage, status.attempts[status.stage]);
    const d = await this.client.workflow.getHandle(id).describe();
    const pending = d.raw.pendingActivities?.[0];
    if (!pending) return undefined;
    const payload = pending.heartbeatDetails?.payloads?.[0];
    const details = payload ? (defaultPayloadConverter.fromPayload(payload) as Record<string, unknown>) : undefined;
    return {
      activity: pending.activityType?.name ?? 'activity',
      attempt: pending.attempt ?? 1,
      details: details && typeof details === 'object' ? details : undefined,
      lastFailure: pending.lastFailure?.message ?? undefined,
    };
  }

  private handle(taskId: string) {
    return this.client.workflow.getHandle(taskWorkflowId(taskId));
  }

  private async requireFits(taskId: string, kind: MessageKind): Promise<TaskStatusView> {
    const status = await this.status(taskId);
    const reason = refusalReason(kind, status);
    if (reason) throw new StateError(`cannot ${kind}: ${reason}`, taskId, status.state);
    return status;
  }

  private async signal(taskId: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (err) {
      throw this.wrap(err, taskId);
    }
  }

  private async currentStatus(taskId: string): Promise<TaskStatus | undefined> {
    try {
      return await this.status(taskId);
    } catch {
      return undefined;
    }
  }

  private wrap(err: unknown, taskId?: string): Error {
    if (err instanceof WorkflowNotFoundError && taskId) return new TaskNotFoundError(taskId, this.namespace);
    if (isUnavailable(err)) {
      return new ConnectionError(
        `cannot reach Temporal at ${this.address} — is \`switchyard start\` running? (${errorText(err)})`,
        { cause: err },
      );
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Rows show Temporal's own verdict for closed runs (a terminated task is failed, whatever its last
 * SwitchyardState said), so the filter asks the same question.
 */
export function listQuery(filter: ListFilter): string {
  const parts = [`WorkflowType = 'taskWorkflow'`];
  if (filter.state) {
    const state = `SwitchyardState = '${quoteSafe(filter.state, '--state')}'`;
    if (filter.state === 'failed') parts.push(`(${state} OR ExecutionStatus IN ('Terminated', 'TimedOut', 'Failed'))`);
    else if (filter.state === 'cancelled') parts.push(`(${state} OR ExecutionStatus = 'Canceled')`);
    else if (filter.state === 'done') parts.push(state);
    else parts.push(`${state} AND ExecutionStatus = 'Running'`);
  }
  if (filter.repo) parts.push(`SwitchyardRepo = '${quoteSafe(filter.repo, '--repo')}'`);
  return parts.join(' AND ');
}

function quoteSafe(value: string, what: string): string {
  // Visibility queries have no portable escape for quotes; refuse rather than build a broken query.
  if (/['"\\]/.test(value)) throw new RangeError(`${what} must not contain quotes or backslashes: ${value}`);
  return value;
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
    `- provider: \`${input.provider}\` — ${input.providerReason}`,
    `- dev attempts: ${input.maxDevAttempts}${input.budgetUsd !== undefined ? `, budget $${input.budgetUsd}` : ''}`,
    `- staging: ${input.staging ? `\`${input.staging}\`` : 'none'}`,
  ];
  if (task.sourcePath) lines.push(`- file: \`${task.sourcePath}\``);
  if (body.length && body[0]) {
    lines.push('', ...body);
    if (task.body.trim().split('\n').length > body.length) lines.push('…');
  }
  return lines.join('\n');
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
async function statusFromRecord(
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
  return { ...base, ...snapshot, state, stage, queryError };
}

function statusChanged(a: TaskStatusView, b: TaskStatusView): boolean {
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

function isUnavailable(err: unknown): boolean {
  const text = errorText(err);
  // grpc UNAVAILABLE (14) / DEADLINE_EXCEEDED (4) while talking to the frontend
  const code =
    (err as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (err as { code?: unknown })?.code;
  return code === 14 || /UNAVAILABLE|ECONNREFUSED|No connection established/i.test(text);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause =
      err.cause instanceof Error && !err.message.includes(err.cause.message) ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
