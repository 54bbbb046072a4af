/** The visibility (list) query for tasks. */
import { TASK_WORKFLOW_TYPE } from './task-workflow.js';
import type { ListFilter } from './views.js';

/**
 * Rows show Temporal's own verdict for closed runs (a terminated task is failed, whatever its last
 * SwitchyardState said), so the filter asks the same question.
 */
export function listQuery(filter: ListFilter): string {
  const parts = [`WorkflowType = '${TASK_WORKFLOW_TYPE}'`];
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
