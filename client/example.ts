/**
 * The bundled example for `switchyard start` / `demo`: the sample repo as a real git repo, a
 * config pointing at it and at the scripted (offline, no-AI) agent, and the sample task file.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { parseConfig } from '../worker/config.js';

const run = promisify(execFile);

export const EXAMPLE_REPO_NAME = 'sample-repo';
export const EXAMPLE_PROVIDER = 'scripted';

export interface PreparedExample {
  configPath: string;
  taskPath: string;
  repoPath: string;
}

/** examples/ next to the package: `../examples` from client/, `../../examples` from dist/client/. */
export function examplesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'examples', 'sample-repo', 'package.json'))) return join(dir, 'examples');
  }
  throw new Error(`the bundled examples/ directory was not found above ${fileURLToPath(import.meta.url)}`);
}

// Fixed identity and no signing: the user's git config must not break or sign the demo commit.
const GIT_CONFIG = [
  '-c',
  'user.name=Switchyard Example',
  '-c',
  'user.email=example@switchyard.invalid',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'core.hooksPath=/dev/null',
];

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', [...GIT_CONFIG, ...args], { cwd });
    return stdout.trim();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('git is not installed (or not on PATH); the example needs it');
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${e.stderr?.trim() || e.message}`);
  }
}

async function isReadyRepo(repoPath: string): Promise<boolean> {
  if (!existsSync(join(repoPath, '.git'))) return false;
  try {
    await git(repoPath, ['rev-parse', '--verify', '--quiet', 'refs/heads/main^{commit}']);
    return true;
  } catch {
    return false;
  }
}

async function materializeRepo(source: string, repoPath: string): Promise<void> {
  if (await isReadyRepo(repoPath)) return;
  // Built beside the target and renamed into place, so a crash or a concurrent start never
  // leaves a half-made repo where the next run would trust it.
  const tmp = `${repoPath}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  try {
    await cp(source, tmp, {
      recursive: true,
      filter: (src) => !/[\\/](node_modules|\.switchyard|\.git)$/.test(src),
    });
    await git(tmp, ['init', '--quiet', '--initial-branch=main']);
    await git(tmp, ['add', '--all']);
    await git(tmp, ['commit', '--quiet', '--message', 'Sample repo for the Switchyard example']);
    if (existsSync(repoPath)) {
      if (await isReadyRepo(repoPath)) return; // someone else finished first
      await rm(repoPath, { recursive: true, force: true });
    }
    await rename(tmp, repoPath);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function exampleConfigText(dataDir: string, repoPath: string, agentPath: string): string {
  const config = {
    dataDir,
    repos: { [EXAMPLE_REPO_NAME]: { url: repoPath, base: 'main', testCommand: ['node', '--test'] } },
    providers: {
      [EXAMPLE_PROVIDER]: {
        kind: 'command',
        command: ['node', agentPath],
        // Its demo knobs (SCRIPTED_AGENT_DELAY_MS, SCRIPTED_AGENT_FAIL_FIRST_ATTEMPT) reach it only if
        // listed here under env:, which a copied config may do; the example keeps the defaults.
      },
    },
    routing: { default: EXAMPLE_PROVIDER },
  };
  return [
    '# Written by `switchyard start` for the bundled example; rewritten on every start.',
    '# The "scripted" provider is an offline demo agent that follows a fixed script (no AI).',
    '# To use real repos and agents, copy examples/switchyard.config.yaml instead.',
    stringify(config, { lineWidth: 0 }),
  ].join('\n');
}

/**
 * Materializes the example under `${dataDir}/example` (idempotent: an existing repo is kept, so
 * work on it survives restarts) and returns where everything is.
 */
export async function prepareExample(dataDir: string): Promise<PreparedExample> {
  const examples = examplesDir();
  const root = resolve(dataDir);
  const exampleDir = join(root, 'example');
  const repoPath = join(exampleDir, EXAMPLE_REPO_NAME);
  const configPath = join(exampleDir, 'switchyard.config.yaml');
  await mkdir(exampleDir, { recursive: true });
  await materializeRepo(join(examples, EXAMPLE_REPO_NAME), repoPath);

  const text = exampleConfigText(root, repoPath, join(examples, 'agents', 'scripted-agent.mjs'));
  parseConfig(text, configPath); // a bug here should fail loudly now, not at submit time
  const tmpConfig = `${configPath}.tmp-${process.pid}`;
  await writeFile(tmpConfig, text);
  await rename(tmpConfig, configPath);

  return { configPath, taskPath: join(examples, 'tasks', 'fix-slugify.md'), repoPath };
}
