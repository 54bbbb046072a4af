/**
 * End-to-end plumbing: real git repos in temp dirs, a real worker process and the built CLI,
 * against the dev server that global-setup started.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskStatus } from '../../workflows/api/index.js';
import { processStartTime } from '../../activities/ownership.js';
import { PROJECT_ROOT } from '../../activities/paths.js';
import { startTestStore, type TestStore } from './store.js';
import { temporalAddress, uniqueTaskQueue } from './temporal.js';

export const CLI = join(PROJECT_ROOT, 'bin', 'switchyard.js');
export const PIPELINE_AGENT = join(PROJECT_ROOT, 'test', 'fakes', 'pipeline-agent.mjs');

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd });
  return r.stdout.trim();
}

/** A repo whose node:test suite fails until greet() says hello. */
export async function makeGreetRepo(dir: string): Promise<string> {
  await mkdir(join(dir, 'test'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'greet', type: 'module', private: true }, null, 2));
  await writeFile(join(dir, 'greet.js'), 'export function greet(name) {\n  return `helo, ${name}`;\n}\n');
  await writeFile(
    join(dir, 'test', 'greet.test.js'),
    [
      "import { test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "import { greet } from '../greet.js';",
      "test('greets by name', () => assert.equal(greet('Ada'), 'hello, Ada'));",
      "test('is a string', () => assert.equal(typeof greet('x'), 'string'));",
      '',
    ].join('\n'),
  );
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'add', '-A');
  await git(dir, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'initial');
  return dir;
}

/** Lines under `providers:` (indented two spaces) and the routing default. */
export interface ProvidersBlock {
  yaml: string[];
  default: string;
}

export interface E2eEnv {
  dir: string;
  repoDir: string;
  repoName: string;
  configPath: string;
  taskQueue: string;
  env: Record<string, string>;
  /** The store the worker writes to (embedded PGlite over the wire). */
  db: TestStore;
  writeConfig(testCommand?: string[], testTimeoutSec?: number, providers?: ProvidersBlock): Promise<void>;
  writeTask(id: string, body: string, extra?: Record<string, unknown>): Promise<string>;
  cli(args: string[], opts?: { input?: string }): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  status(taskId: string): Promise<TaskStatus>;
  waitForState(taskId: string, states: string[], timeoutMs?: number): Promise<TaskStatus>;
  /** `switchyard [globalArgs] worker --config …`. */
  startWorker(globalArgs?: string[]): Promise<WorkerProcess>;
  cleanup(): Promise<void>;
}

/** A `switchyard worker` process an e2e test started. */
export interface WorkerProcess {
  pid: number;
  /** Its /proc start time: with the pid, the owner tag its worktrees and spool files carry. */
  startTime: number;
  /** What it printed so far (stdout+stderr). */
  output(): string;
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<unknown>;
}

export async function e2eEnv(name: string): Promise<E2eEnv> {
  const dir = await mkdtemp(join(tmpdir(), `switchyard-e2e-${name}-`));
  const repoDir = await makeGreetRepo(join(dir, 'greet-repo'));
  const configPath = join(dir, 'switchyard.config.yaml');
  const taskQueue = uniqueTaskQueue(`e2e-${name}`);
  // Gate workflow ids derive from the repo name: one name per environment keeps tests apart.
  const repoName = `greet-${taskQueue.split('-').pop()}`;
  const db: TestStore = await startTestStore();
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporalAddress(),
    SWITCHYARD_TASK_QUEUE: taskQueue,
    SWITCHYARD_CONFIG: configPath,
    SWITCHYARD_LOG_LEVEL: 'ERROR',
    // A developer's own temporal.toml profile must not reach the tests.
    TEMPORAL_CONFIG_FILE: join(dir, 'no-temporal.toml'),
  };
  const workers: ResultPromise[] = [];

  const self: E2eEnv = {
    dir,
    repoDir,
    repoName,
    configPath,
    taskQueue,
    env,
    db,
    async writeConfig(testCommand = ['node', '--test'], testTimeoutSec = 60, providers?: ProvidersBlock) {
      await writeFile(
        configPath,
        [
          `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
          'repos:',
          `  ${repoName}:`,
          `    url: ${JSON.stringify(repoDir)}`,
          '    base: main',
          `    testCommand: ${JSON.stringify(testCommand)}`,
          `    testTimeoutSec: ${testTimeoutSec}`,
          'providers:',
          ...(providers?.yaml ?? [
            '  fake:',
            '    kind: command',
            `    command: ["node", ${JSON.stringify(PIPELINE_AGENT)}]`,
          ]),
          'routing:',
          `  default: ${providers?.default ?? 'fake'}`,
          '',
        ].join('\n'),
      );
    },
    async writeTask(id, body, extra = {}) {
      const path = join(dir, `${id}.md`);
      const front = { id, repo: repoName, title: `Greeting task ${id}`, ...extra };
      const yaml = Object.entries(front)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join('\n');
      await writeFile(path, `---\n${yaml}\n---\n${body}\n`);
      return path;
    },
    async cli(args, opts = {}) {
      const r = await execa('node', [CLI, ...args], {
        env,
        cwd: dir,
        reject: false,
        input: opts.input ?? '',
        timeout: 120_000,
      });
      return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    async status(taskId) {
      const r = await self.cli(['status', taskId, '--json']);
      if (r.exitCode !== 0) throw new Error(`status ${taskId} exited ${r.exitCode}: ${r.stderr}`);
      return JSON.parse(r.stdout) as TaskStatus;
    },
    async waitForState(taskId, states, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      let last: TaskStatus | undefined;
      let lastErr: unknown;
      while (Date.now() < deadline) {
        try {
          last = await self.status(taskId);
          if (states.includes(last.state)) return last;
        } catch (err) {
          lastErr = err;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      throw new Error(
        `task ${taskId} did not reach ${states.join('/')}; last: ${last ? `${last.state}/${last.stage} ${last.detail}` : String(lastErr)}`,
      );
    },
    async startWorker(globalArgs = []) {
      const p = execa('node', [CLI, ...globalArgs, 'worker', '--config', configPath], {
        env,
        cwd: dir,
        reject: false,
        all: true,
      });
      workers.push(p);
      let output = '';
      p.all?.on('data', (d: Buffer) => (output += d.toString()));
      const pid = p.pid!;
      const startTime = processStartTime(pid) ?? 0;
      // A worker that dies at start says why.
      await Promise.race([
        new Promise((r) => setTimeout(r, 1500)),
        p.then((r) => {
          throw new Error(`worker exited early (${r.exitCode}): ${r.all}`);
        }),
      ]);
      return { pid, startTime, output: () => output, kill: (sig = 'SIGTERM') => p.kill(sig), exited: p };
    },
    async cleanup() {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.allSettled(workers);
      await db.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await self.writeConfig();
  return self;
}
