/**
 * Activities that talk to Temporal itself, for what workflow code cannot do: signal-with-start a
 * workflow it does not own, and ask whether another workflow is still running.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { gateAcquireSignal, gateWorkflowId, type GateRequest } from '../workflows/api/index.js';
import type { repoGateWorkflow } from '../workflows/gate.js';

export function createTemporalActivities(client: Client, taskQueue: string) {
  return {
    async requestGate(input: GateRequest & { repo: string }): Promise<void> {
      await client.workflow.signalWithStart<typeof repoGateWorkflow, [GateRequest]>('repoGateWorkflow', {
        workflowId: gateWorkflowId(input.repo),
        taskQueue,
        args: [input.repo],
        signal: gateAcquireSignal,
        signalArgs: [{ workflowId: input.workflowId, taskId: input.taskId }],
        staticSummary: `Repo gate: ${input.repo}`,
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
