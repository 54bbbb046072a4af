/**
 * Activities that talk to Temporal itself, for what workflow code cannot do: update-with-start (or
 * signal-with-start) a workflow it does not own, and ask whether another workflow is still running.
 */
import { log } from '@temporalio/activity';
import {
  isGrpcServiceError,
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import {
  gateAcquireSignal,
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
  // Learned once per worker: a server that refuses update-with-start is asked by signal from then on.
  let byUpdate = true;
  return {
    /**
     * Asks a gate for a turn, starting it when it is not running; true when the gate was free and is
     * ours now. Without update-with-start the request is a signal-with-start and the turn comes as
     * the gate's grant signal, so the answer is always false.
     */
    async requestGate(input: GateRequest & GateRef): Promise<{ granted: boolean }> {
      const [workflowId, name, summary] =
        'target' in input
          ? [stagingGateWorkflowId(input.target), input.target, `Staging target gate: ${input.target}`]
          : [gateWorkflowId(input.repo), input.repo, `Repo gate: ${input.repo}`];
      const start = {
        workflowId,
        taskQueue,
        args: [name] as [string],
        staticSummary: summary,
      };
      const request: GateRequest = { workflowId: input.workflowId, taskId: input.taskId };
      if (byUpdate) {
        try {
          return await client.workflow.executeUpdateWithStart(gateAcquireUpdate, {
            args: [request],
            startWorkflowOperation: new WithStartWorkflowOperation<typeof repoGateWorkflow>('repoGateWorkflow', {
              ...start,
              workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            }),
          });
        } catch (err) {
          if (!updateWithStartUnavailable(err)) throw err;
          byUpdate = false;
          log.warn('this Temporal server does not take update-with-start; gates are asked by signal from now on', {
            error: String(err instanceof ServiceError && err.cause ? err.cause.message : err),
          });
        }
      }
      await client.workflow.signalWithStart<typeof repoGateWorkflow, [GateRequest]>('repoGateWorkflow', {
        ...start,
        signal: gateAcquireSignal,
        signalArgs: [request],
      });
      return { granted: false };
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

const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;

/**
 * A server older than update-with-start (no ExecuteMultiOperation), or a namespace where it is
 * turned off (`frontend.enableExecuteMultiOperation`). Any other failure is the activity's to retry.
 */
export function updateWithStartUnavailable(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  if (!isGrpcServiceError(cause)) return false;
  if (cause.code === GRPC_UNIMPLEMENTED) return true;
  return cause.code === GRPC_PERMISSION_DENIED && /ExecuteMultiOperation/.test(cause.message);
}
