/**
 * repoGateWorkflow (`gate-<repo>`): a FIFO mutex per repo. Tasks ask with `gateAcquire` (sent by the
 * requestGate activity with signal-with-start), the gate answers the head of the queue with
 * `gateGranted`, and the holder gives it back with `gateRelease`.
 */
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { gateAcquireSignal, gateGrantedSignal, gateReleaseSignal, gateStateQuery, type GateState } from './api.js';
import { shortActivity } from './activity-options.js';
import type { SwitchyardActivities } from './activity-types.js';
import { enqueue, release } from './gate-queue.js';

const { isWorkflowRunning } = proxyActivities<SwitchyardActivities>(shortActivity);

/** A holder that dies without releasing must not block the repo forever. */
const HOLDER_CHECK_INTERVAL = '5 minutes';
/** An idle gate ends; the next request starts it again. */
const IDLE_TIMEOUT = '10 minutes';

export async function repoGateWorkflow(repo: string, carried?: GateState): Promise<void> {
  const state: GateState = carried ?? { repo, queue: [] };
  setHandler(gateAcquireSignal, (req) => {
    enqueue(state, req);
  });
  setHandler(gateReleaseSignal, ({ workflowId }) => {
    release(state, workflowId);
  });
  setHandler(gateStateQuery, () => state);

  for (;;) {
    describe(state);
    if (!state.holder) {
      const next = state.queue.shift();
      if (!next) {
        if (!(await condition(() => state.queue.length > 0, IDLE_TIMEOUT))) return;
        continue;
      }
      state.holder = { ...next, since: new Date().toISOString() };
      try {
        await getExternalWorkflowHandle(next.workflowId).signal(gateGrantedSignal, { repo });
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

function describe(state: GateState): void {
  const holder = state.holder ? `held by \`${state.holder.taskId}\` since ${state.holder.since}` : 'free';
  const queue = state.queue.length ? `; waiting: ${state.queue.map((q) => `\`${q.taskId}\``).join(', ')}` : '';
  setCurrentDetails(`Repo gate for **${state.repo}**: ${holder}${queue}`);
}
