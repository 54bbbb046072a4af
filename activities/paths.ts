/** Where the project's files are, whether we run from source (vitest) or from dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const inDist = here.split(/[\\/]/).includes('dist');

/** The repository root (the folder with package.json). */
export const PROJECT_ROOT = inDist ? join(here, '..', '..') : join(here, '..');
export const DIST_DIR = join(PROJECT_ROOT, 'dist');
export const WORKFLOW_BUNDLE = join(DIST_DIR, 'workflow-bundle.js');
export const EXAMPLES_DIR = join(PROJECT_ROOT, 'examples');

/** The workflows entry for bundling at run time when no prebuilt bundle exists. */
export function workflowsEntry(): string {
  const js = join(DIST_DIR, 'workflows', 'index.js');
  return existsSync(js) ? js : join(PROJECT_ROOT, 'workflows', 'index.ts');
}
