/**
 * vitest globalSetup: builds dist/ when stale (e2e tests run the built CLI, workers load
 * dist/workflow-bundle.js) and starts one in-memory Temporal dev server for the whole run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
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
const SOURCE_DIRS = ['workflows', 'activities', 'worker', 'client'];
const log = (msg: string) => process.stderr.write(`[global-setup] ${msg}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildIfStale();

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

function buildIfStale(): void {
  if (process.env.SWITCHYARD_SKIP_BUILD === '1') return;
  // The build step (tsc + the workflow bundler) may not exist yet while the project is young.
  if (!fs.existsSync(path.join(root, 'worker', 'bundle.ts'))) {
    log('no worker/bundle.ts yet: skipping the build of dist/');
    return;
  }
  const bundle = path.join(root, 'dist', 'workflow-bundle.js');
  const builtAt = fs.existsSync(bundle) ? fs.statSync(bundle).mtimeMs : 0;
  const newest = Math.max(...SOURCE_DIRS.map((d) => newestTs(path.join(root, d))));
  if (builtAt >= newest) return;
  log(builtAt ? 'dist/ is older than the sources: npm run build' : 'no dist/ yet: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status === 0) return;
  const why = `npm run build failed (${r.error?.message ?? `exit code ${r.status}`})`;
  // CI must test what it built; locally a half-edited file elsewhere should not block every test.
  if (process.env.CI || !builtAt) {
    throw new Error(`${why}; the tests need a current dist/. Fix the build (SWITCHYARD_SKIP_BUILD=1 skips it).`);
  }
  log(`${why}: continuing with the older dist/ — tests that run built code may fail or test old code`);
}

function newestTs(dir: string): number {
  let newest = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}
