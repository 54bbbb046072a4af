/**
 * The task workflow as the client starts and lists it: its function type (so start arguments are
 * checked against `taskWorkflow`'s signature) and its workflow type name. Type-only: the client
 * never loads workflow code to start a task.
 */
import type { taskWorkflow } from '../workflows/task.js';

export type TaskWorkflow = typeof taskWorkflow;
/** The registered name of `taskWorkflow` (a workflow's type is its exported function's name). */
export const TASK_WORKFLOW_TYPE = 'taskWorkflow';
