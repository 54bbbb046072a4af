/**
 * Bundles the workflow code once at build time (dist/workflow-bundle.js), so workers start in a
 * second instead of bundling on every start.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { WORKFLOW_BUNDLE, workflowsEntry } from '../activities/paths.js';

export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsEntry(),
    logger: {
      log: () => {},
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: console.warn,
      error: console.error,
    },
  });
  await writeFile(WORKFLOW_BUNDLE, code);
  return WORKFLOW_BUNDLE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = await buildWorkflowBundle();
  console.error(`workflow bundle written to ${path}`);
}
