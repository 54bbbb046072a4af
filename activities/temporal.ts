/**
 * Activities that talk to Temporal itself, for what workflow code cannot do: signal-with-start a
 * workflow it does not own, and ask whether another workflow is still running.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  gateAcquireSignal,
  gateWorkflowId,
  stagingGateWorkflowId,
  type GateRef,
  type GateRequest,
} from '../workflows/api/index.js';
import type { repoGateWorkflow } from '../workflows/gate.js';

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
