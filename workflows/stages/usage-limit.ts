/**
 * Usage limits are waited out in the stage workflow, with a durable timer: when every account of a
 * provider is cooling down the agent activity says until when, and the stage sleeps until then
 * (telling its task, so `status` and the Web UI show the wait) and runs the agent again.
 */
import {
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setCurrentDetails,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { stageProgressSignal, type Stage } from '../api/index.js';
import { describeFailure, usageLimitResetAt } from '../failures.js';

/** A little past the reset: providers' clocks and ours differ by a second or two. */
const RESET_MARGIN_MS = 2000;

export async function waitingOutUsageLimits<T>(stage: Stage, run: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (isCancellation(err)) throw err;
      const resetAt = usageLimitResetAt(describeFailure(err));
      if (resetAt === undefined) throw err;
      const detail = `waiting for usage limit reset until ${new Date(resetAt).toISOString()}`;
      setCurrentDetails(detail);
      await tellTask(stage, detail);
      await sleep(Math.max(RESET_MARGIN_MS, resetAt - Date.now() + RESET_MARGIN_MS));
      await tellTask(stage, 'usage limit reset: running the agent again');
    }
  }
}

/** Tells the parent task what the stage is doing (its `status` and the Web UI show it). */
export async function tellTask(stage: Stage, detail: string): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent) return;
  try {
    await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(stageProgressSignal, { stage, detail });
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('could not tell the task about the stage', { error: String(err) });
  }
}
