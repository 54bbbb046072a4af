/**
 * `npm run bench [-- --quick] [-- --out FILE]`: Switchyard against a bare Temporal baseline (bench/baseline),
 * both on one dev server (SQLite file) started here, with an instant scripted agent and real git repos,
 * runs interleaved. Prints every figure as min/median/max and as a ratio to its baseline; a full run
 * writes docs/benchmarks.md. Nothing here asserts a timing: the figures are for people to read.
 */
import { Client, Connection } from '@temporalio/client';
import { execa, type ResultPromise } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../activities/paths.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities/index.js';
import { baseEnv } from '../activities/env.js';
import type { Config } from '../activities/config-schema.js';
import { createPool, createStore, migrate } from '../activities/store/index.js';
import { SwitchyardClient } from '../client/switchyard-client.js';
import { parseTaskText } from '../client/task-file.js';
import { resolveTaskInput } from '../client/resolve.js';
import { loadConfig } from '../worker/config.js';
import { ensureSearchAttributes, startDevServer } from '../worker/dev-server.js';
import { startEmbeddedPostgres } from '../worker/embedded-pg.js';
import { ensureTemporalCli } from '../worker/temporal-cli.js';
import { answerSignal, taskWorkflowId, type TestSummary } from '../workflows/api/index.js';
import { bareAnswerSignal } from './baseline/workflows.js';
import { cpuSeconds, historyTotals, percentile, rssMb, spawnCount, stats, waitFor, wallMs } from './measure.js';
import { renderMarkdown, renderTable, type Figure } from './report.js';

const quick = process.argv.includes('--quick');
const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? process.argv[outAt + 1] : quick ? undefined : join(PROJECT_ROOT, 'docs', 'benchmarks.md');
const SIZE = quick
  ? { one: 1, rounds: 1, repos: 4, perRepo: 2, parked: 20, answers: 5, cli: 3 }
  : { one: 5, rounds: 3, repos: 20, perRepo: 2, parked: 500, answers: 20, cli: 9 };
// --parked N: how many tasks the memory figure parks (e.g. to try a workflow cache size).
const parkedAt = process.argv.indexOf('--parked');
if (parkedAt > 0) SIZE.parked = Number(process.argv[parkedAt + 1]);
const say = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const AGENT = join(PROJECT_ROOT, 'bench', 'agent.mjs');
const CLI = join(PROJECT_ROOT, 'bin', 'switchyard.js');
const SY_QUEUE = 'bench-switchyard';
const BARE_QUEUE = 'bench-bare';
const PROMPT = 'Make greet() say hello, so that the test suite passes.';

const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
const marks = join(dir, 'marks');
const stops: (() => Promise<unknown>)[] = [];
try {
  await main();
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const started = Date.now();
  await mkdir(marks);
  const temporalCli = process.env.TEMPORAL_CLI_PATH || (await ensureTemporalCli());
  const server = await startDevServer({
    dataDir: join(dir, 'temporal'),
    port: 0,
    headless: true,
    temporalCli,
    log: () => undefined,
  });
  stops.push(() => server.stop());
  const connection = await Connection.connect({ address: server.address });
  stops.push(() => connection.close());
  await ensureSearchAttributes(connection, server.namespace);
  const client = new Client({ connection, namespace: server.namespace });
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: 0 });
  stops.push(() => pg.stop());
  const pool = createPool(pg.url);
  await migrate(pool);
  await pool.end();

  const repos: string[] = [];
  for (let i = 1; i <= SIZE.repos; i++) repos.push(await makeRepo(join(dir, 'repos', `r${i}`)));
  const passing = await makeRepo(join(dir, 'repos', 'passing'), 'hello');
  const configPath = join(dir, 'switchyard.config.yaml');
  await writeFile(configPath, configYaml([...repos, passing]));
  const config = loadConfig(configPath).config;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_CONFIG_FILE: join(dir, 'no-temporal.toml'),
    DATABASE_URL: pg.url,
    SWITCHYARD_TASK_QUEUE: SY_QUEUE,
    SWITCHYARD_CONFIG: configPath,
    SWITCHYARD_LOG_LEVEL: 'ERROR',
    BENCH_MARKS: marks,
  };
  const preload = ['--import', join(PROJECT_ROOT, 'bench', 'count-spawns.mjs')];
  // BENCH_CPU_PROF=<dir>: CPU profiles of both workers, for finding where the time goes.
  if (process.env.BENCH_CPU_PROF) preload.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`);
  const syWorker = spawnWorker('switchyard', [...preload, CLI, 'worker', '--config', configPath], env);
  const bareWorker = spawnWorker(
    'bare',
    [
      ...preload,
      join(PROJECT_ROOT, 'dist', 'bench', 'baseline', 'worker.js'),
      BARE_QUEUE,
      AGENT,
      marks,
      '8',
      String(config.worker.maxCachedWorkflows),
    ],
    env,
  );
  const sy = await SwitchyardClient.connect({
    target: { address: server.address, namespace: server.namespace },
    taskQueue: SY_QUEUE,
  });
  stops.push(() => sy.close());
  await waitFor('the Switchyard worker', async () => ((await sy.workerPolling()) ? true : undefined), 60_000);
  await waitFor(
    'the bare worker',
    () => (bareWorker.output().includes('bare worker ready') ? true : undefined),
    120_000,
  );
  say(`servers and workers up in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  let n = 0;
  const nextId = (kind: string) => `b${kind}${++n}`;
  const runSy = async (repo: number, body = PROMPT) => {
    const id = nextId('s');
    const text = `---\nid: ${id}\nrepo: r${repo}\ntitle: Bench task ${id}\n---\n${body}\n`;
    const input = resolveTaskInput(parseTaskText(text, `${id}.md`), config);
    await sy.submit(input);
    return id;
  };
  const finishSy = (id: string) => client.workflow.getHandle(taskWorkflowId(id)).result();
  const runBare = async (repo: number, body = PROMPT) => {
    const id = nextId('b');
    await client.workflow.start('bareTask', {
      taskQueue: BARE_QUEUE,
      workflowId: `bare-${id}`,
      args: [{ taskId: id, repoDir: repos[repo - 1], prompt: body }],
    });
    return id;
  };
  const finishBare = (id: string) => client.workflow.getHandle(`bare-${id}`).result();
  const sides = {
    switchyard: { start: runSy, finish: finishSy, worker: syWorker, wf: taskWorkflowId },
    bare: { start: runBare, finish: finishBare, worker: bareWorker, wf: (id: string) => `bare-${id}` },
  };
  type Side = keyof typeof sides;
  const order = (round: number): Side[] => (round % 2 ? ['bare', 'switchyard'] : ['switchyard', 'bare']);

  // Warm-up: the first task of each side loads code and fills the git caches.
  for (const side of order(0)) await sides[side].finish(await sides[side].start(1));

  const samples = { one: { switchyard: [] as number[], bare: [] as number[] }, done: { switchyard: '', bare: '' } };
  for (let r = 0; r < SIZE.one; r++) {
    for (const side of order(r)) {
      const t = performance.now();
      const id = await sides[side].start(1 + (r % SIZE.repos));
      await sides[side].finish(id);
      samples.one[side].push(performance.now() - t);
      samples.done[side] = id;
    }
  }
  say('one task: done');

  // The CLI: one closed task's status, and --help, against their floors, while nothing else runs: the
  // parked and answered tasks later on would slow both sides, each by its own factor.
  const doneId = samples.done.switchyard;
  const cli = { status: [] as number[], describe: [] as number[], help: [] as number[], node: [] as number[] };
  for (let i = 0; i < SIZE.cli; i++) {
    cli.status.push(await wallMs([process.execPath, CLI, 'status', doneId], env));
    cli.describe.push(
      await wallMs(
        [temporalCli, 'workflow', 'describe', '--address', server.address, '-w', taskWorkflowId(doneId)],
        env,
      ),
    );
    cli.help.push(await wallMs([process.execPath, CLI, '--help'], env));
    cli.node.push(await wallMs([process.execPath, '-e', '0'], env));
  }

  const through = { switchyard: [] as number[], bare: [] as number[] };
  const cpu = { switchyard: [] as number[], bare: [] as number[] };
  const spawns = { switchyard: [] as number[], bare: [] as number[] };
  const tasks = SIZE.repos * SIZE.perRepo;
  for (let r = 0; r < SIZE.rounds; r++) {
    for (const side of order(r)) {
      const s = sides[side];
      const cpu0 = cpuSeconds(s.worker.pid);
      const spawns0 = await spawnCount(s.worker.spawnFile);
      const t = performance.now();
      const ids = await Promise.all(Array.from({ length: tasks }, (_, i) => s.start(1 + (i % SIZE.repos))));
      await Promise.all(ids.map((id) => s.finish(id)));
      const minutes = (performance.now() - t) / 60_000;
      through[side].push(tasks / minutes);
      cpu[side].push(cpuSeconds(s.worker.pid) - cpu0);
      spawns[side].push(((await spawnCount(s.worker.spawnFile)) - spawns0) / tasks);
    }
  }
  say(`throughput (${tasks} tasks over ${SIZE.repos} repos): done`);

  const hist = {
    switchyard: await historyTotals(client, taskWorkflowId(samples.done.switchyard)),
    bare: await historyTotals(client, `bare-${samples.done.bare}`),
  };
  if (process.argv.includes('--verbose')) {
    for (const side of ['switchyard', 'bare'] as const) {
      const lines = [...hist[side].byType]
        .sort()
        .map(([k, v]) => `  ${String(v.events).padStart(3)} ${String(v.bytes).padStart(6)} B  ${k}`);
      say(`${side} history by workflow and event type:\n${lines.join('\n')}`);
    }
  }
  const testRunner = await runnerSamples(config, pg.url, passing);

  // Parked tasks: the worker's memory over idle, then how fast an answer reaches the analyst.
  await new Promise((r) => setTimeout(r, 2000));
  const idle = rssMb(syWorker.pid);
  const bareIdle = rssMb(bareWorker.pid);
  const asking = `${PROMPT}\n\nbench: ask`;
  // Started 25 at a time over every repo: the server and the client are not flooded at once.
  const park = async (start: (repo: number, body: string) => Promise<string>) => {
    const ids: string[] = [];
    for (let i = 0; i < SIZE.parked; i += 25) {
      const batch = Array.from({ length: Math.min(25, SIZE.parked - i) }, (_, j) => 1 + ((i + j) % SIZE.repos));
      ids.push(...(await Promise.all(batch.map((repo) => start(repo, asking)))));
    }
    return ids;
  };
  const parked = await park(runSy);
  await waitFor(
    `${SIZE.parked} tasks in needs-input`,
    async () => {
      const { count } = await client.workflow.count(`TaskQueue="${SY_QUEUE}" AND SwitchyardState="needs-input"`);
      return count >= SIZE.parked ? true : (await new Promise((r) => setTimeout(r, 500)), undefined);
    },
    30 * 60_000,
  );
  await new Promise((r) => setTimeout(r, 3000));
  const parkedRss = rssMb(syWorker.pid) - idle;
  say(`${SIZE.parked} parked: +${parkedRss.toFixed(0)} MB`);

  // The same number of bare tasks waiting for a signal, with the same workflow cache size.
  const bareParked = await park(runBare);
  await waitFor(
    'bare tasks asking',
    () => (bareParked.every((id) => existsSync(join(marks, `${id}-analyst-1`))) ? true : undefined),
    30 * 60_000,
    500,
  );
  await new Promise((r) => setTimeout(r, 3000));
  const bareParkedRss = rssMb(bareWorker.pid) - bareIdle;
  const answerMs = { switchyard: [] as number[], bare: [] as number[] };
  for (let i = 0; i < SIZE.answers; i++) {
    for (const side of order(i)) {
      const id = side === 'switchyard' ? parked[Math.floor((i * parked.length) / SIZE.answers)] : bareParked[i];
      const handle = client.workflow.getHandle(sides[side].wf(id));
      if (side === 'switchyard') await handle.signal(answerSignal, { text: 'hello', by: 'bench' });
      else await handle.signal(bareAnswerSignal, 'hello');
      const returned = performance.timeOrigin + performance.now();
      const mark = join(marks, `${id}-analyst-2`);
      const at = await waitFor(
        'the analyst after an answer',
        async () => (existsSync(mark) ? Number(await readFile(mark, 'utf8')) || undefined : undefined),
        60_000,
      );
      answerMs[side].push(at - returned);
    }
  }
  say('answers: done');

  const figures: Figure[] = [
    {
      name: 'submit → done, one task',
      unit: 'ms',
      ours: stats(samples.one.switchyard),
      base: stats(samples.one.bare),
      baseName: 'bare',
      target: { ratio: 1.2, below: true },
    },
    {
      name: `throughput, ${tasks} tasks over ${SIZE.repos} repos`,
      unit: 'tasks/min',
      ours: stats(through.switchyard),
      base: stats(through.bare),
      baseName: 'bare',
      target: { ratio: 0.9, below: false },
    },
    {
      name: 'processes spawned per task',
      unit: '',
      ours: stats(spawns.switchyard),
      base: stats(spawns.bare),
      baseName: 'bare',
      target: { absolute: 20 },
    },
    {
      name: `worker CPU per ${tasks} tasks`,
      unit: 's',
      ours: stats(cpu.switchyard),
      base: stats(cpu.bare),
      baseName: 'bare',
      target: { ratio: 1.5, below: true },
    },
    {
      name: `worker RSS, ${SIZE.parked} tasks parked in needs-input, over idle`,
      unit: 'MB',
      ours: stats([parkedRss]),
      base: stats([bareParkedRss]),
      baseName: 'bare',
      target: { absolute: 50 },
    },
    {
      name: '`answer` returns → analyst process started, p95',
      unit: 'ms',
      ours: p95(answerMs.switchyard),
      base: p95(answerMs.bare),
      baseName: 'bare',
      target: { absolute: 150 },
    },
    {
      name: '`switchyard status <id>` (closed task) wall',
      unit: 'ms',
      ours: stats(cli.status),
      base: stats(cli.describe),
      baseName: '`temporal workflow describe`',
      target: { ratio: 5, below: true },
    },
    {
      name: '`switchyard --help` wall',
      unit: 'ms',
      ours: stats(cli.help),
      base: stats(cli.node),
      baseName: '`node -e 0`',
      target: { ratio: 2.5, below: true },
    },
    {
      name: 'test-runner activity over the bare test process',
      unit: 'ms',
      ours: testRunner.overhead,
      base: testRunner.bare,
      baseName: '`node --test` alone',
      target: { absolute: 40 },
      delta: true,
    },
    {
      name: 'history per finished task, events',
      unit: 'events',
      ours: stats([hist.switchyard.events]),
      base: stats([hist.bare.events]),
      baseName: 'bare',
      target: { ratio: 1.3, below: true },
    },
    {
      name: 'history per finished task, bytes',
      unit: 'KB',
      ours: stats([hist.switchyard.bytes / 1024]),
      base: stats([hist.bare.bytes / 1024]),
      baseName: 'bare',
      target: { ratio: 1.3, below: true },
    },
  ];
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  const meta = { quick, machine, date: new Date().toISOString(), seconds: (Date.now() - started) / 1000, size: SIZE };
  process.stdout.write(renderTable(figures, meta));
  if (out) {
    const previous = existsSync(out) ? await readFile(out, 'utf8') : '';
    await writeFile(out, renderMarkdown(figures, meta, previous));
    say(`written to ${out}`);
  }
}

function p95(values: number[]) {
  const s = stats(values);
  return { ...s, median: percentile(values, 95) };
}

/**
 * Switchyard's runTests activity (worktree at the commit, the run, the log stored) against the same
 * `node --test` run alone, both from here, interleaved; the first activity run fills the cache.
 */
async function runnerSamples(config: Config, databaseUrl: string, repoDir: string) {
  const store = createStore(createPool(databaseUrl));
  const acts = createActivities({ config: () => config, dataDir: join(dir, 'runner-data'), store, log: () => {} });
  const env = new MockActivityEnvironment();
  const commit = (await execa('git', ['rev-parse', 'HEAD'], { cwd: repoDir })).stdout.trim();
  const input = (attempt: number) => ({ taskId: 'runner', repo: `r${SIZE.repos + 1}`, commit, attempt });
  await env.run(acts.runTests, input(0));
  const activity: number[] = [];
  const bare: number[] = [];
  for (let i = 1; i <= Math.max(5, SIZE.cli); i++) {
    const t = performance.now();
    const r = (await env.run(acts.runTests, input(i))) as TestSummary;
    if (r.status !== 'PASS') throw new Error(`bench: the runner's test run did not pass: ${r.output}`);
    activity.push(performance.now() - t);
    bare.push(await runTestsAlone(repoDir));
  }
  await store.close();
  const a = stats(activity);
  const b = stats(bare);
  return { overhead: { min: a.min - b.median, median: a.median - b.median, max: a.max - b.median, n: a.n }, bare: b };
}

async function runTestsAlone(repoDir: string): Promise<number> {
  const t = performance.now();
  // The environment the activity gives a test command (NODE_EXTRA_CA_CERTS alone costs node 80 ms here).
  const env = baseEnv(process.env, []);
  const r = await execa('node', ['--test'], { cwd: repoDir, reject: false, env, extendEnv: false });
  if (r.exitCode !== 0) throw new Error(`node --test failed in ${repoDir}: ${r.stdout.slice(-1000)}`);
  return performance.now() - t;
}

interface BenchWorker {
  pid: number;
  spawnFile: string;
  output(): string;
}

function spawnWorker(name: string, args: string[], env: Record<string, string>): BenchWorker {
  const spawnFile = join(dir, `${name}.spawns`);
  let output = '';
  const p: ResultPromise = execa(process.execPath, args, {
    env: { ...env, BENCH_SPAWN_FILE: spawnFile },
    all: true,
    reject: false,
  });
  p.all?.on('data', (d: Buffer) => (output += d.toString()));
  void p.then((r) => {
    if (!stopping) say(`${name} worker exited (${r.exitCode}): ${output.slice(-2000)}`);
  });
  let stopping = false;
  stops.push(async () => {
    stopping = true;
    p.kill('SIGTERM');
    await p;
  });
  return { pid: p.pid!, spawnFile, output: () => output };
}

async function makeRepo(repoDir: string, greeting = 'helo'): Promise<string> {
  await mkdir(join(repoDir, 'test'), { recursive: true });
  await writeFile(join(repoDir, 'package.json'), '{ "name": "greet", "type": "module", "private": true }\n');
  await writeFile(join(repoDir, 'greet.js'), `export function greet(name) {\n  return \`${greeting}, \${name}\`;\n}\n`);
  await writeFile(
    join(repoDir, 'test', 'greet.test.js'),
    "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { greet } from '../greet.js';\n" +
      "test('greets by name', () => assert.equal(greet('Ada'), 'hello, Ada'));\n",
  );
  const git = (...a: string[]) => execa('git', a, { cwd: repoDir });
  await git('init', '-q', '-b', 'main');
  // Pushes to the task branches of a non-bare repo are fine; its checked-out main is never pushed.
  await git('add', '-A');
  await git('-c', 'user.name=bench', '-c', 'user.email=b@b', 'commit', '-qm', 'initial');
  return repoDir;
}

function configYaml(repos: string[]): string {
  return [
    `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
    'repos:',
    ...repos.flatMap((url, i) => [
      `  r${i + 1}:`,
      `    url: ${JSON.stringify(url)}`,
      '    base: main',
      '    testCommand: ["node", "--test"]',
      `    staging: check-r${i + 1}`,
    ]),
    // Each repo has its own staging target, as the baseline's checks share nothing either.
    'staging:',
    ...repos.flatMap((_, i) => [`  check-r${i + 1}:`, '    command: ["node", "-e", "0"]']),
    'providers:',
    '  bench:',
    '    kind: command',
    `    command: ["node", ${JSON.stringify(AGENT)}]`,
    '    env: ["BENCH_MARKS"]',
    'routing:',
    '  default: bench',
    '',
  ].join('\n');
}
