/**
 * What taskWorkflow does to the world besides running its stages: the search attributes, memo and
 * current details it shows, the events it files, the notices it sends, the repo gate it asks for
 * and gives back, and the check of its start input. The story itself is in task.ts.
 */
import {
  ApplicationFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ErrorType,
  gateReleaseSignal,
  gateWorkflowId,
  stagingGateWorkflowId,
  MEMO_STATUS_KEY,
  SA_STATE,
  taskWorkflowId,
  type BodyRef,
  type NotifyInput,
  type TaskInput,
  type TaskSpec,
  type TaskStatus,
} from './api/index.js';
import { gateRequestActivity, localShortActivity, storeActivity } from './activity-options.js';
import type { SwitchyardActivities } from './activity-types.js';
import { printable } from './grammar.js';
import { parseTaskInput } from './messages.js';
import { bodyNeedsStore } from './prompts.js';
import { redactSecrets } from './redact.js';
import { gateRef, markFiled, type GateKind, type TaskRun } from './task-state.js';
import { taskMetrics } from './task-metrics.js';
import { currentDetails, noticeFacts, pendingEvents, searchAttributes, statusMemo } from './task-view.js';

const { notify } = proxyLocalActivities<SwitchyardActivities>(localShortActivity);
const { requestGate } = proxyActivities<SwitchyardActivities>(gateRequestActivity);
const { recordEvents, storeTaskBody } = proxyActivities<SwitchyardActivities>(storeActivity);
// On the way out (cancel) a store outage must not hold the task forever.
const { recordEvents: recordEventsBounded } = proxyActivities<SwitchyardActivities>({
  ...storeActivity,
  scheduleToCloseTimeout: '2m',
});

/** Search attributes, the memo snapshot and the Web UI's current details; upserts only what changed. */
export function publisher(s: TaskStatus): () => void {
  // What was last sent, so unchanged values add nothing to history; the start's own attributes (set
  // by the client at submit) count as sent.
  const started = workflowInfo().typedSearchAttributes;
  const startKey = JSON.stringify(searchAttributes(s).map((a) => started.get(a.key) ?? null));
  const published = { attributes: startKey, memo: '', state: '' };
  return () => {
    if (s.state !== published.state) {
      published.state = s.state;
      taskMetrics.entered(s.state);
    }
    const attributes = searchAttributes(s);
    const attributesKey = JSON.stringify(attributes.map((a) => a.value));
    if (attributesKey !== published.attributes) {
      published.attributes = attributesKey;
      upsertSearchAttributes(attributes);
    }
    const memo = statusMemo(s);
    const memoKey = JSON.stringify(memo);
    if (memoKey !== published.memo) {
      published.memo = memoKey;
      upsertMemo({ [MEMO_STATUS_KEY]: memo });
    }
    setCurrentDetails(currentDetails(s));
  };
}

/** Files new transitions as events in the store, in one activity per boundary. */
export async function fileEvents(run: TaskRun, opts: { bounded?: boolean } = {}): Promise<void> {
  const pending = pendingEvents(run.s, run.events);
  if (!pending) return;
  try {
    await (opts.bounded ? recordEventsBounded : recordEvents)({ taskId: run.s.taskId, events: pending.batch });
  } catch (err) {
    if (isCancellation(err) || !opts.bounded) throw err;
    log.warn('events not filed: the store stayed unreachable', { error: String(err) });
  }
  markFiled(run, pending.upto);
}

/**
 * A notice, with the transitions since the last filing (the waits and the end are where a task
 * notifies, so one activity files both). A notice that cannot be sent is logged: it never stops the
 * task, and its events are then filed by themselves.
 */
export async function sendNotice(run: TaskRun, kind: NotifyInput['kind'], message: string): Promise<void> {
  const { s } = run;
  const pending = pendingEvents(s, run.events);
  try {
    await notify({
      taskId: s.taskId,
      kind,
      message,
      facts: noticeFacts(s),
      ...(pending ? { events: pending.batch } : {}),
    });
    if (pending) markFiled(run, pending.upto);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('notification failed', { kind, error: String(err) });
    await fileEvents(run);
  }
}

/** A long body is stored once; prompts then carry a marker instead of the text. */
export async function storedBody(task: TaskSpec): Promise<BodyRef | undefined> {
  if (!bodyNeedsStore(task)) return undefined;
  const ref = await storeTaskBody({ taskId: task.id, body: task.body });
  return { artifactId: ref.id, marker: `[[switchyard:task-body:${uuid4()}]]` };
}

/** Asks a gate for a turn (update-with-start; duplicates are ignored by the gate); true when it is ours now. */
export async function askForGate(run: TaskRun, kind: GateKind): Promise<boolean> {
  const r = await requestGate({ ...gateRef(run, kind), workflowId: run.workflowId, taskId: run.input.task.id });
  return r?.granted === true;
}

/** Gives a gate back; a gate that is gone holds nothing for us. */
export async function giveBackGate(run: TaskRun, kind: GateKind): Promise<void> {
  const ref = gateRef(run, kind);
  const id = 'repo' in ref ? gateWorkflowId(ref.repo) : stagingGateWorkflowId(ref.target);
  try {
    await getExternalWorkflowHandle(id).signal(gateReleaseSignal, { workflowId: run.workflowId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('gate release not delivered', { error: String(err) });
  }
}

/** The start input checked by its schema; a bad one fails the run at once, listing every problem. */
export function checkedInput(raw: unknown): TaskInput {
  const r = startInput(raw, workflowInfo().workflowId);
  if ('input' in r) return r.input;
  upsertSearchAttributes([{ key: SA_STATE, value: 'failed' }]);
  setCurrentDetails(
    [
      '**failed** · invalid start input',
      r.problems.map((p) => `- ${p}`).join('\n'),
      "See the README for the start input's JSON shape, or submit with `switchyard submit <task.md>`.",
    ].join('\n\n'),
  );
  throw ApplicationFailure.create({
    message: `invalid start input: ${r.problems.join('; ')}`,
    type: ErrorType.InvalidInput,
    nonRetryable: true,
    details: [{ problems: r.problems }],
  });
}

/** The schema's verdict on a start input, and the workflow id it must run under. */
export function startInput(raw: unknown, workflowId: string): { input: TaskInput } | { problems: string[] } {
  const r = parseTaskInput(raw);
  const problems = r.ok ? [] : r.problems;
  if (r.ok && workflowId !== taskWorkflowId(r.input.task.id)) {
    const expected = taskWorkflowId(r.input.task.id);
    // Stage children are named after the task id: a second id for the same task would collide with them.
    problems.push(
      redactSecrets(`workflowId: "${printable(workflowId)}" must be "${expected}" for task ${r.input.task.id}`),
    );
  }
  return r.ok && problems.length === 0 ? { input: r.input } : { problems };
}
