/**
 * repoGateWorkflow (`gate-<repo>`, or `staging-gate-<target>` for a staging target): a FIFO mutex. Tasks ask with `gateAcquire` (sent by the
 * requestGate activity with signal-with-start), the gate answers the head of the queue with
 * `gateGranted`, and the holder gives it back with `gateRelease`. Anyone with a Temporal client can
 * send these too: every payload is checked first, and a bad one is recorded as ignored, never thrown.
 */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  ErrorType,
  gateAcquireSignal,
  gateAcquireUpdate,
  gateGrantedSignal,
  gateReleaseSignal,
  gateStateQuery,
  stagingGateWorkflowId,
  type GateRef,
  type GateState,
} from './api/index.js';
import { shortActivity } from './activity-options.js';
import type { SwitchyardActivities } from './activity-types.js';
import { acquireNow, enqueue, release } from './gate-queue.js';
import { MAX_GATE_IGNORED, parseGateAcquire, parseGateInput, parseGateRelease } from './messages.js';

const { isWorkflowRunning } = proxyActivities<SwitchyardActivities>(shortActivity);

/** A holder that dies without releasing must not block the repo forever. */
const HOLDER_CHECK_INTERVAL = '5 minutes';
/** An idle gate ends; the next request starts it again. */
const IDLE_TIMEOUT = '10 minutes';

export async function repoGateWorkflow(repoRaw: string, carriedRaw?: GateState): Promise<void> {
  const state = checkedInput(repoRaw, carriedRaw);
  const repo = state.repo;
  // The same mutex guards a staging target when started under that id; the grant names what it guards.
  const staging = workflowInfo().workflowId === stagingGateWorkflowId(repo);
  const granted: GateRef = staging ? { target: repo } : { repo };
  const ignore = (signal: string, reason: string): void => {
    log.warn('gate signal ignored', { signal, reason });
    const ignored = (state.ignored ??= []);
    ignored.push({ signal, at: new Date().toISOString(), reason });
    if (ignored.length > MAX_GATE_IGNORED) ignored.splice(0, ignored.length - MAX_GATE_IGNORED);
    describe(state, staging);
  };
  setHandler(gateAcquireSignal, (payload: unknown) => {
    const r = parseGateAcquire(payload);
    if (!r.ok) return ignore('gateAcquire', `invalid payload: ${r.reason}`);
    enqueue(state, r.value);
  });
  setHandler(
    gateAcquireUpdate,
    (req) => {
      const granted = acquireNow(state, req, new Date().toISOString());
      describe(state, staging);
      return { granted };
    },
    {
      // A bad request is rejected before it reaches history.
      validator: (payload: unknown) => {
        const r = parseGateAcquire(payload);
        if (!r.ok) throw ApplicationFailure.nonRetryable(`invalid payload: ${r.reason}`, ErrorType.InvalidInput);
      },
      description: 'Internal: a task asks for this gate (the requestGate activity). Do not send by hand.',
    },
  );
  setHandler(gateReleaseSignal, (payload: unknown) => {
    const r = parseGateRelease(payload);
    if (!r.ok) return ignore('gateRelease', `invalid payload: ${r.reason}`);
    release(state, r.value.workflowId);
  });
  setHandler(gateStateQuery, () => state);

  for (;;) {
    describe(state, staging);
    if (!state.holder) {
      const next = state.queue.shift();
      if (!next) {
        // An update may hand the gate over directly: a holder wakes the loop too.
        if (!(await condition(() => state.queue.length > 0 || !!state.holder, IDLE_TIMEOUT))) return;
        continue;
      }
      state.holder = { ...next, since: new Date().toISOString() };
      try {
        await getExternalWorkflowHandle(next.workflowId).signal(gateGrantedSignal, granted);
      } catch (err) {
        // The task is gone (cancelled or terminated while queued): pass the gate on.
        log.warn('gate holder unreachable, skipping', { workflowId: next.workflowId, error: String(err) });
        state.holder = undefined;
      }
      continue;
    }
    const holderId = state.holder.workflowId;
    const released = await condition(() => state.holder?.workflowId !== holderId, HOLDER_CHECK_INTERVAL);
    if (!released && !(await holderAlive(holderId))) {
      log.warn('gate holder ended without releasing', { workflowId: holderId });
      release(state, holderId);
    }
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof repoGateWorkflow>(repo, state);
  }
}

/** When the check itself fails, assume the holder lives: a wrong "dead" would break the mutex. */
async function holderAlive(workflowId: string): Promise<boolean> {
  try {
    return await isWorkflowRunning(workflowId);
  } catch (err) {
    log.warn('gate holder check failed; assuming it still runs', { workflowId, error: String(err) });
    return true;
  }
}

/** The start input checked by its schema; a bad one fails the run at once, listing every problem. */
function checkedInput(repo: unknown, carried: unknown): GateState {
  const r = parseGateInput(repo, carried, workflowInfo().workflowId);
  if (r.ok) return r.value;
  setCurrentDetails(['**failed** · invalid start input', r.problems.map((p) => `- ${p}`).join('\n')].join('\n\n'));
  throw ApplicationFailure.create({
    message: `invalid start input: ${r.problems.join('; ')}`,
    type: ErrorType.InvalidInput,
    nonRetryable: true,
    details: [{ problems: r.problems }],
  });
}

function describe(state: GateState, staging: boolean): void {
  const holder = state.holder ? `held by \`${state.holder.taskId}\` since ${state.holder.since}` : 'free';
  const queue = state.queue.length ? `; waiting: ${state.queue.map((q) => `\`${q.taskId}\``).join(', ')}` : '';
  const last = state.ignored?.at(-1);
  const ignored = last ? `\n\nIgnored signals: ${state.ignored!.length} (latest: ${last.signal}, ${last.reason})` : '';
  const what = staging ? 'Staging target gate' : 'Repo gate';
  setCurrentDetails(`${what} for **${state.repo}**: ${holder}${queue}${ignored}`);
}
