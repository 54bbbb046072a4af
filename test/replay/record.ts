/**
 * Records workflow histories as replay fixtures when RECORD_HISTORIES=1 (see test/replay/README.md).
 * Without it, this does nothing: fixtures change only on purpose.
 */
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../activities/paths.js';

export const HISTORIES_DIR = join(PROJECT_ROOT, 'test', 'replay', 'histories');

export async function recordHistory(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  // A suffix keeps earlier fixtures: they are what proves old workflows still replay.
  const suffix = process.env.RECORD_HISTORIES_SUFFIX ?? '';
  await writeFile(join(HISTORIES_DIR, `${name}${suffix}.json`), historyToJSON(history));
}

/** For the e2e scenarios (the built CLI and a worker process): connects to the server itself. */
export async function recordE2eHistory(address: string, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const connection = await Connection.connect({ address });
  try {
    await recordHistory(new Client({ connection }), workflowId, name);
  } finally {
    await connection.close();
  }
}
