/** The JSON histories of a task workflow and every stage it ran, for checks on what history holds. */
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { STAGES, stageWorkflowId, taskWorkflowId, type TaskStatus } from '../../workflows/api/index.js';
import { temporalAddress } from './temporal.js';

export async function taskHistories(status: TaskStatus): Promise<string[]> {
  const connection = await Connection.connect({ address: temporalAddress() });
  try {
    const client = new Client({ connection });
    const ids = [taskWorkflowId(status.taskId)];
    for (const stage of STAGES)
      for (let n = 1; n <= status.attempts[stage]; n++) ids.push(stageWorkflowId(status.taskId, stage, n));
    return await Promise.all(ids.map(async (id) => historyToJSON(await client.workflow.getHandle(id).fetchHistory())));
  } finally {
    await connection.close();
  }
}

/** Every payload's data (base64) in a JSON history. */
export function payloadData(historyJson: string): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.data === 'string' && typeof o.metadata === 'object') out.push(o.data);
    Object.values(o).forEach(walk);
  };
  walk(JSON.parse(historyJson));
  return out;
}
