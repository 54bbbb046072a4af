/**
 * vitest globalSetup: the set-up `npm test` does (`scripts/run.mjs prepare`: a current dist/, since
 * the e2e tests run the built CLI and workers load dist/workflow-bundle.js), then one in-memory
 * Temporal dev server for the whole run.
 */
import { spawnSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../worker/dev-server.js';
import { ensureTemporalCli } from '../../worker/temporal-cli.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const log = (msg: string) => process.stderr.write(`[global-setup] ${msg}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  prepare();

  const temporalCli = await ensureTemporalCli({ log });
  const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'switchyard-test-temporal-'));
  const server = await startDevServer({ dataDir, port: 0, dbFile: null, headless: true, temporalCli, log });
  log(`Temporal dev server ${server.address} (pid ${server.pid})`);
  project.provide('temporalAddress', server.address);

  return async () => {
    await server.stop();
    await fsp.rm(dataDir, { recursive: true, force: true });
  };
}

/** The same set-up `npm test` does (scripts/run.mjs): dependencies and a current dist/. */
function prepare(): void {
  if (process.env.SWITCHYARD_SKIP_BUILD === '1') return;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'run.mjs'), 'prepare'], { stdio: 'inherit' });
  if (r.status !== 0) {
    throw new Error(
      `node scripts/run.mjs prepare failed (${r.error?.message ?? `exit code ${r.status}`}); the tests need a current ` +
        'dist/. Fix the build (SWITCHYARD_SKIP_BUILD=1 runs against the dist/ that is there).',
    );
  }
}
