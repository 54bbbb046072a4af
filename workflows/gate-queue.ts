/** The gate's queue rules as plain functions over plain state (unit-tested without a server). */
import type { GateRequest, GateState } from './api/index.js';

/** Duplicate requests (a retried activity) are ignored: a task is either the holder or queued once. */
export function enqueue(state: GateState, req: GateRequest): boolean {
  if (state.holder?.workflowId === req.workflowId) return false;
  if (state.queue.some((q) => q.workflowId === req.workflowId)) return false;
  state.queue.push({ workflowId: req.workflowId, taskId: req.taskId });
  return true;
}

/**
 * A request that may take a free gate at once: queued like any other, and made the holder when nothing
 * holds the gate and nobody is ahead of it. True when the requester holds the gate now.
 */
export function acquireNow(state: GateState, req: GateRequest, now: string): boolean {
  enqueue(state, req);
  if (!state.holder && state.queue[0]?.workflowId === req.workflowId) {
    state.queue.shift();
    state.holder = { ...req, since: now };
  }
  return state.holder?.workflowId === req.workflowId;
}

/** Releasing also withdraws a request still in the queue (a task cancelled while queued). */
export function release(state: GateState, workflowId: string): boolean {
  if (state.holder?.workflowId === workflowId) {
    state.holder = undefined;
    return true;
  }
  const before = state.queue.length;
  state.queue = state.queue.filter((q) => q.workflowId !== workflowId);
  return state.queue.length !== before;
}
