/**
 * Names: the task queue, workflow ids and the branch a task pushes to.
 * Imported by workflow code: no Node built-ins, no I/O.
 */
import type { Stage } from './shapes.js';

export const DEFAULT_TASK_QUEUE = 'switchyard';

/** Every task workflow id starts with this; no other module spells it. */
export const TASK_WORKFLOW_PREFIX = 'task-';
export const taskWorkflowId = (taskId: string): string => `${TASK_WORKFLOW_PREFIX}${taskId}`;
/** The task id of a task workflow id, or undefined for any other workflow id. */
export const taskIdFromWorkflowId = (workflowId: string): string | undefined =>
  workflowId.startsWith(TASK_WORKFLOW_PREFIX) ? workflowId.slice(TASK_WORKFLOW_PREFIX.length) : undefined;
export const stageWorkflowId = (taskId: string, stage: Stage, n: number): string =>
  `${TASK_WORKFLOW_PREFIX}${taskId}-${stage}-${n}`;
export const gateWorkflowId = (repo: string): string => `gate-${repo}`;
/** One notice's webhook deliveries, named after the notify activity that started them (`key`: its activity key). */
export const noticeWorkflowId = (taskId: string, key: string): string => {
  // A short, stable digest without Node built-ins (this file is imported by workflow code).
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return `notice-${taskId}-${h.toString(16).padStart(8, '0')}-${key.length}`;
};
/** A staging target's gate: one check at a time on a target, whichever repos share it. */
export const STAGING_GATE_PREFIX = 'staging-gate-';
export const stagingGateWorkflowId = (target: string): string => `${STAGING_GATE_PREFIX}${target}`;
/**
 * The branch a task's run pushes to: `switchyard/<taskId>` for the first run, `switchyard/<taskId>.run-<n>`
 * for a rerun (task ids never contain ".", so no task's branch can be another's), so an earlier run's
 * commits are never pushed over.
 */
export const taskBranch = (taskId: string, run = 1): string =>
  run > 1 ? `switchyard/${taskId}.run-${run}` : `switchyard/${taskId}`;
