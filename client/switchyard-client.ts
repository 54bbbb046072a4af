/**
 * A small typed client for Switchyard tasks on Temporal, used by the CLI and by tests.
 * Every operator message is checked against the task's current state first, so a refusal says
 * why instead of silently being ignored by the workflow; after a signal, `signalOutcome` says
 * whether the workflow took it.
 */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import proto from '@temporalio/proto';
import { connectionOptions, describeTarget, resolveTarget, type TemporalTarget } from '../worker/connection.js';
import type { SignalCheck } from '../workflows/messages.js';
import { redactSecrets as redact } from '../workflows/redact.js';
import {
  DEFAULT_TASK_QUEUE,
  SA_COST_USD,
  SA_TITLE,
  SA_PROVIDER,
  SA_REPO,
  SA_STAGE,
  SA_STATE,
  answerSignal,
  pauseSignal,
  resumeSignal,
  statusQuery,
  taskBranch,
  taskIdFromWorkflowId,
  taskWorkflowId,
  unpauseSignal,
  type AnswerInput,
  type OperatorInput,
  type ResumeInput,
  type TaskInput,
  type TaskStatus,
} from '../workflows/api/index.js';
import {
  InvalidMessageError,
  InvalidTaskInputError,
  StateError,
  TaskAlreadyRunningError,
  TaskExistsError,
  TaskNotFoundError,
  unreachable,
} from './errors.js';
import { defaultActor, errorText, isUnavailable, operator } from './helpers.js';
import { awaitSignalOutcome, stageProgress, watchTask, type SignalWaitOptions } from './polling.js';
import { refusalReason } from './refusal.js';
import type { SignalOutcome } from './signal-outcome.js';
import { listRow, mergeExecutionStatus, statusFromRecord, taskDetailsMarkdown } from './status-render.js';
import { TASK_WORKFLOW_TYPE, type TaskWorkflow } from './task-workflow.js';
import { listQuery } from './visibility.js';
import type {
  ActivityProgressView,
  ConnectOptions,
  DelegatedJobRow,
  ListFilter,
  MessageKind,
  SignalKind,
  SubmitOptions,
  SubmitResult,
  TaskListRow,
  TaskStatusView,
  WatchCallback,
  WatchOptions,
} from './views.js';

/** The activities a delegated stage waits in (activities/index.ts). */
const DELEGATED_AWAIT_ACTIVITIES = ['awaitDelegatedAnalysis', 'awaitDelegatedDevelopment'];
/** `status` answers within about a second even when no worker does (then from Temporal's record). */
const QUERY_DEADLINE_MS = 800;

export class SwitchyardClient {
  private constructor(
    readonly connection: Connection,
    readonly client: Client,
    /** Where this client is connected, and how (the worker connects the same way). */
    readonly target: TemporalTarget,
    readonly taskQueue: string,
  ) {}

  get address(): string {
    return this.target.address;
  }

  get namespace(): string {
    return this.target.namespace;
  }

  static async connect(opts: ConnectOptions = {}): Promise<SwitchyardClient> {
    const env = opts.env ?? process.env;
    // A caller that runs its own server (start) names it exactly; everyone else reads profile, env and flags.
    const target = opts.target ?? resolveTarget(opts, env);
    const { namespace } = target;
    const taskQueue = opts.taskQueue || env.SWITCHYARD_TASK_QUEUE || DEFAULT_TASK_QUEUE;
    let connection: Connection;
    try {
      connection = await Connection.connect({ ...connectionOptions(target), connectTimeout: '5s' });
    } catch (err) {
      throw unreachable(describeTarget(target), err);
    }
    return new SwitchyardClient(connection, new Client({ connection, namespace }), target, taskQueue);
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
    const { parseTaskInput } = await messageSchemas();
    const checked = parseTaskInput({ ...given, run, branch: taskBranch(task.id, run) });
    if (!checked.ok) throw new InvalidTaskInputError(checked.problems);
    const input = checked.input;
    try {
      const handle = await this.client.workflow.start<TaskWorkflow>(TASK_WORKFLOW_TYPE, {
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
          { key: SA_TITLE, value: task.title },
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
   * A closed run is always read from that record: a query would make a worker replay its whole
   * history, and a completed run's result is the status it ended with.
   */
  async status(taskId: string): Promise<TaskStatusView> {
    const handle = this.handle(taskId);
    let desc: WorkflowExecutionDescription;
    let worker: boolean;
    // A finished task's result is its whole status: read it, without making a worker replay the run.
    // Other ended runs (failed, cancelled) have no result, so a worker answers as for a running one.
    const completed = (d: WorkflowExecutionDescription) => d.status.name === 'COMPLETED';
    try {
      // Asked together; the answer about workers matters only for a run that has not completed.
      [desc, worker] = await Promise.all([handle.describe(), this.workerPolling()]);
    } catch (err) {
      throw this.wrap(err, taskId);
    }
    let status: TaskStatusView;
    if (completed(desc)) {
      // That run's result, not the latest run's: a rerun started meanwhile must not be waited for.
      const run = this.client.workflow.getHandle(handle.workflowId, desc.runId, { followRuns: false });
      status = await statusFromRecord(taskId, desc, run, 'the run has ended and its result could not be read');
    } else if (!worker) {
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
        rows.push(listRow(info));
        if (rows.length >= limit) break;
      }
    } catch (err) {
      throw this.wrap(err);
    }
    return rows;
  }

  /**
   * Tasks whose stage waits on the job platform: the running stage workflows with a pending await
   * activity, whose heartbeat carries the job id and the platform's last status.
   */
  async delegatedJobs(limit = 100): Promise<DelegatedJobRow[]> {
    const query = `WorkflowType IN ('analysisWorkflow', 'developmentWorkflow') AND ExecutionStatus = 'Running'`;
    const rows: DelegatedJobRow[] = [];
    const converter = this.client.options.loadedDataConverter.payloadConverter;
    try {
      for await (const info of this.client.workflow.list({ query })) {
        const desc = await this.client.workflow.getHandle(info.workflowId, info.runId).describe();
        for (const pending of desc.raw.pendingActivities ?? []) {
          const type = pending.activityType?.name ?? '';
          if (!DELEGATED_AWAIT_ACTIVITIES.includes(type)) continue;
          const payload = pending.heartbeatDetails?.payloads?.[0];
          const beat = (payload ? converter.fromPayload(payload) : {}) as Record<string, unknown>;
          const submittedAt = typeof beat.submittedAt === 'number' ? beat.submittedAt : undefined;
          const scheduled = pending.scheduledTime?.seconds ? Number(pending.scheduledTime.seconds) * 1000 : Date.now();
          const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
          rows.push({
            taskId: taskIdFromWorkflowId(desc.parentExecution?.workflowId ?? '') ?? info.workflowId,
            stage: type === 'awaitDelegatedAnalysis' ? 'analysis' : 'development',
            jobId: str(beat.jobId),
            target: str(beat.target),
            provider: str(beat.provider),
            platformStatus: str(beat.status) ?? 'submitted',
            elapsedMs: Math.max(0, Date.now() - (submittedAt ?? scheduled)),
            attempt: pending.attempt ?? 1,
            ...(pending.lastFailure?.message ? { lastFailure: pending.lastFailure.message } : {}),
          });
        }
        if (rows.length >= limit) break;
      }
    } catch (err) {
      throw this.wrap(err);
    }
    return rows;
  }

  // Redacted before sending (the signal stays in history), and checked with the workflow's own schema:
  // what it would ignore is refused here, naming the field. Each returns the status checked before.
  async answer(taskId: string, input: AnswerInput): Promise<TaskStatusView> {
    const payload: AnswerInput = { text: redact(input.text), by: redact(input.by ?? defaultActor()) };
    return this.send(
      taskId,
      'answer',
      (h) => h.signal(answerSignal, payload),
      (m) => m.parseAnswer(payload),
    );
  }

  async resume(taskId: string, input: ResumeInput): Promise<TaskStatusView> {
    const payload: ResumeInput = { ...input, ...operator(input) };
    return this.send(
      taskId,
      'resume',
      (h) => h.signal(resumeSignal, payload),
      (m) => m.parseResume(payload),
    );
  }

  async pause(taskId: string, input: OperatorInput = {}): Promise<TaskStatusView> {
    const payload = { ...input, ...operator(input) };
    return this.send(
      taskId,
      'pause',
      (h) => h.signal(pauseSignal, payload),
      (m) => m.parseOperator(payload),
    );
  }

  async unpause(taskId: string, input: OperatorInput = {}): Promise<TaskStatusView> {
    const payload = { ...input, ...operator(input) };
    return this.send(
      taskId,
      'unpause',
      (h) => h.signal(unpauseSignal, payload),
      (m) => m.parseOperator(payload),
    );
  }

  async cancel(taskId: string): Promise<TaskStatusView> {
    return this.send(taskId, 'cancel', (h) => h.cancel());
  }

  /** Whether the workflow took `signal`, sent once `before` was seen (see polling.ts). */
  async signalOutcome(
    taskId: string,
    signal: SignalKind,
    before: TaskStatusView,
    opts?: SignalWaitOptions,
  ): Promise<SignalOutcome> {
    return awaitSignalOutcome(this, taskId, signal, before, opts);
  }

  /** Reports every change until the task is settled (see polling.ts); returns the last status. */
  async watch(taskId: string, onChange: WatchCallback, opts?: WatchOptions): Promise<TaskStatusView> {
    return watchTask(this, taskId, onChange, opts);
  }

  /** The running stage's pending activity: heartbeat details and last failure. */
  async progress(status: TaskStatus): Promise<ActivityProgressView | undefined> {
    return stageProgress(this.client, status);
  }

  private handle(taskId: string) {
    return this.client.workflow.getHandle(taskWorkflowId(taskId));
  }

  /** Checks the payload and that `kind` fits the task's state, then sends it; returns the status checked. */
  private async send(
    taskId: string,
    kind: MessageKind,
    send: (handle: ReturnType<SwitchyardClient['handle']>) => Promise<unknown>,
    check?: (schemas: MessageSchemas) => SignalCheck<unknown>,
  ): Promise<TaskStatusView> {
    // The schemas load while Temporal is asked for the status; a payload they refuse is still refused first.
    const current = this.status(taskId);
    void current.catch(() => undefined);
    const checked = check?.(await messageSchemas());
    if (checked && !checked.ok) throw new InvalidMessageError(kind, checked.reason);
    const status = await current;
    const reason = refusalReason(kind, status);
    if (reason) throw new StateError(`cannot ${kind}: ${reason}`, taskId, status.state);
    try {
      await send(this.handle(taskId));
    } catch (err) {
      throw this.wrap(err, taskId);
    }
    return status;
  }

  private async currentStatus(taskId: string): Promise<TaskStatus | undefined> {
    return this.status(taskId).catch(() => undefined);
  }

  /** A Temporal client error as the CLI reports it: a missing task, an unreachable server, or as it is. */
  private wrap(err: unknown, taskId?: string): Error {
    if (err instanceof WorkflowNotFoundError && taskId) return new TaskNotFoundError(taskId, this.namespace);
    if (isUnavailable(err)) return unreachable(this.address, err);
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** The workflow's own message schemas (zod): loaded by the commands that send something, not by `status`. */
type MessageSchemas = typeof import('../workflows/messages.js');
function messageSchemas(): Promise<MessageSchemas> {
  return import('../workflows/messages.js');
}
