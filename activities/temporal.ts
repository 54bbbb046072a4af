/**
 * Activities that talk to Temporal itself, for what workflow code cannot do: signal-with-start a
 * workflow it does not own, and ask whether another workflow is still running.
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import {
  gateAcquireUpdate,
  gateWorkflowId,
  stagingGateWorkflowId,
  type GateRef,
  type GateRequest,
  type NoticeInput,
} from '../workflows/api/index.js';
import type { repoGateWorkflow } from '../workflows/gate.js';
import type { noticeWorkflow } from '../workflows/notice.js';

/** Starts a notice's deliveries; a retried notify finds them started and leaves them be. */
export function noticeStarter(client: Client, taskQueue: string) {
  return async (workflowId: string, input: NoticeInput): Promise<void> => {
    try {
      await client.workflow.start<typeof noticeWorkflow>('noticeWorkflow', {
        workflowId,
        // A retried notify after the deliveries already finished must not send them again.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        taskQueue,
        args: [input],
        staticSummary: `Webhooks for ${input.notice.kind} of task ${input.notice.taskId}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };
}

export function createTemporalActivities(client: Client, taskQueue: string) {
  return {
    /** Asks a gate for a turn, starting it when it is not running; true when the gate was free and is ours now. */
    async requestGate(input: GateRequest & GateRef): Promise<{ granted: boolean }> {
      const [workflowId, name, summary] =
        'target' in input
          ? [stagingGateWorkflowId(input.target), input.target, `Staging target gate: ${input.target}`]
          : [gateWorkflowId(input.repo), input.repo, `Repo gate: ${input.repo}`];
      const startWorkflowOperation = new WithStartWorkflowOperation<typeof repoGateWorkflow>('repoGateWorkflow', {
        workflowId,
        taskQueue,
        args: [name],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        staticSummary: summary,
      });
      return client.workflow.executeUpdateWithStart(gateAcquireUpdate, {
        args: [{ workflowId: input.workflowId, taskId: input.taskId }],
        startWorkflowOperation,
      });
    },

    async isWorkflowRunning(workflowId: string): Promise<boolean> {
      try {
        const d = await client.workflow.getHandle(workflowId).describe();
        return d.status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  };
}
