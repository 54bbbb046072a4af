/**
 * Records workflow histories as replay fixtures when RECORD_HISTORIES=1 (see test/replay/README.md).
 * Without it, this does nothing: fixtures change only on purpose.
 */
import type { Client } from '@temporalio/client';
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
