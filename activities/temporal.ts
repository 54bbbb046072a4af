/**
 * Activities that talk to Temporal itself, for what workflow code cannot do: signal-with-start a
 * workflow it does not own, and ask whether another workflow is still running.
 */
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import {
  gateAcquireSignal,
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
    async requestGate(input: GateRequest & GateRef): Promise<void> {
      const [workflowId, name, summary] =
        'target' in input
          ? [stagingGateWorkflowId(input.target), input.target, `Staging target gate: ${input.target}`]
          : [gateWorkflowId(input.repo), input.repo, `Repo gate: ${input.repo}`];
      await client.workflow.signalWithStart<typeof repoGateWorkflow, [GateRequest]>('repoGateWorkflow', {
        workflowId,
        taskQueue,
        args: [name],
        signal: gateAcquireSignal,
        signalArgs: [{ workflowId: input.workflowId, taskId: input.taskId }],
        staticSummary: summary,
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
