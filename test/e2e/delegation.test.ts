/**
 * Delegation end to end: the built CLI and real worker processes, a real HTTP job platform on loopback
 * (test/fakes/job-platform.ts, the only stand-in) injecting each fault of the contract, real git repos,
 * patches applied with git and tests run with node --test. One platform and one worker serve the
 * scenarios in order; each task steers the platform with directives in its body.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eEnv, git, PIPELINE_AGENT, type E2eEnv, type WorkerProcess } from '../helpers/e2e.js';
import { payloadData, taskHistories } from '../helpers/histories.js';
import { storeDump } from '../helpers/store.js';
import { startFakePlatform, type FakeJob, type FakePlatform, type JobScript } from '../fakes/job-platform.js';
import { recordE2eHistory } from '../replay/record.js';

const TOKEN = `sy-platform-${Date.now().toString(36)}-${'k'.repeat(24)}`;
const TOKEN_ENV = 'SWITCHYARD_TEST_PLATFORM_TOKEN';

let env: E2eEnv;
let platform: FakePlatform;
let worker: WorkerProcess;
let fix: string;
let baseConfig: string;

const directive = (job: FakeJob, name: string): string | true | undefined => {
  const m = job.body.prompt.match(new RegExp(`platform: ${name}(?: (\\S+))?`));
  return m ? (m[1] ?? true) : undefined;
};

/** What the platform's model does, steered by `platform: …` lines in the task body. */
function script(job: FakeJob): JobScript {
  const slow = directive(job, `slow-${job.body.role}`);
  const runMs = typeof slow === 'string' ? Number(slow) : 300;
  if (directive(job, `fail-${job.body.role}`)) return { runMs, fail: 'CUDA out of memory on gpu-3', costUsd: 0.005 };
  if (job.body.role === 'analyst') {
    if (directive(job, 'ask') && !job.body.prompt.includes('## Answers')) {
      return {
        runMs,
        costUsd: 0.02,
        result: { text: 'I read greet.js.\n\n## Questions\n- Which greeting should greet() return?\n' },
      };
    }
    return { runMs, costUsd: 0.02, result: { text: 'Change greet() to return "hello".\n' } };
  }
  const patch = directive(job, 'bad-patch')
    ? fix.replace(/^index .*\n/m, '').replace(/^-.*helo.*$/m, '-  return `howdy, ${name}`;')
    : fix;
  return { runMs, usage: { inputTokens: 1000, outputTokens: 500 }, result: { text: 'Fixed the greeting.\n', patch } };
}

const jobsOf = (taskId: string) => platform.jobs.filter((j) => j.body.metadata.taskId === taskId);
const postsOf = (taskId: string) => platform.submits().filter((r) => (r.body ?? '').includes(`"taskId":"${taskId}"`));

async function submit(id: string, body: string, extra: Record<string, unknown> = {}): Promise<string> {
  const file = await env.writeTask(id, `Fix the greeting.\n\n${body}`, {
    allow_delegation: true,
    preferred_ai: 'gpu',
    ...extra,
  });
  const r = await env.cli(['submit', file]);
  expect(r.exitCode, r.stderr).toBe(0);
  return file;
}

async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `list --delegated --json` until the task's stage shows its job running on the platform. */
async function waitUntilAwaiting(taskId: string) {
  return waitFor(async () => {
    const r = await env.cli(['list', '--delegated', '--json']);
    if (r.exitCode !== 0) return undefined;
    const rows = JSON.parse(r.stdout) as { taskId: string; jobId?: string; platformStatus: string }[];
    return rows.find((row) => row.taskId === taskId && row.jobId && row.platformStatus === 'running');
  }, `${taskId} awaiting its job`);
}

async function abort(taskId: string): Promise<void> {
  const r = await env.cli(['resume', taskId, '--abort']);
  expect(r.exitCode, r.stderr).toBe(0);
  await env.waitForState(taskId, ['failed']);
}

beforeAll(async () => {
  platform = await startFakePlatform({ token: TOKEN });
  platform.onJob(script);
  env = await e2eEnv('delegation');
  // The patch a model would return: the fix as `git diff` prints it against the base.
  const greet = join(env.repoDir, 'greet.js');
  const original = await readFile(greet, 'utf8');
  await writeFile(greet, original.replace('helo', 'hello'));
  fix = `${await git(env.repoDir, 'diff')}\n`;
  await writeFile(greet, original);
  await env.writeConfig(['node', '--test'], 60, {
    yaml: [
      '  fake:',
      '    kind: command',
      // Runs only when a stage falls back to local; then it does the real work.
      `    command: ["node", ${JSON.stringify(PIPELINE_AGENT)}]`,
      '  gpu:',
      '    kind: delegated',
      '    target: gpu',
      '    prices: { inputPerMTok: 3, outputPerMTok: 15 }',
    ],
    default: 'fake',
  });
  await appendFile(
    env.configPath,
    [
      'delegation:',
      `  url: ${platform.url}/`,
      `  tokenEnv: ${TOKEN_ENV}`,
      '  pollIntervalSec: 0.2',
      '  requestTimeoutSec: 1',
      '  timeoutSec: 120',
      '',
    ].join('\n'),
  );
  baseConfig = await readFile(env.configPath, 'utf8');
  env.env[TOKEN_ENV] = TOKEN;
  env.env.SWITCHYARD_LOG_LEVEL = 'INFO';
  worker = await env.startWorker();
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await platform?.close();
});

describe('delegation to the job platform', () => {
  it('1. analysis and development run on the platform, testing locally → done; cost, ledger and route agree', async () => {
    const file = await env.writeTask('del-pass', 'Fix the greeting.', { allow_delegation: true, preferred_ai: 'gpu' });
    const routed = await env.cli(['route', file, '--json']);
    expect(routed.exitCode, routed.stderr).toBe(0);
    expect(JSON.parse(routed.stdout)).toEqual({
      taskId: 'del-pass',
      provider: 'gpu',
      mode: 'delegated',
      reason: 'preferred_ai "gpu" is a delegated target and delegation is allowed: delegated to "gpu".',
    });
    expect(platform.jobs).toHaveLength(0); // route submits nothing
    await submit('del-pass', '');
    const done = await env.waitForState('del-pass', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    expect(done).toMatchObject({ provider: 'gpu', providerMode: 'delegated' });
    expect(done.lastTest?.status).toBe('PASS');

    const jobs = jobsOf('del-pass');
    expect(jobs.map((j) => [j.body.role, j.body.provider, j.body.base, j.status])).toEqual([
      ['analyst', 'gpu', 'main', 'completed'],
      ['developer', 'gpu', 'main', 'completed'],
    ]);
    expect(new Set(jobs.map((j) => j.key)).size).toBe(2);
    expect(jobs[0].body.repo).toBe(env.repoDir);
    // Pinned to the commit the base named at submit: the patch is applied there.
    const main = await git(env.repoDir, 'rev-parse', 'main');
    expect(jobs.map((j) => j.body.commit)).toEqual([main, main]);
    expect(await git(env.repoDir, 'rev-parse', 'switchyard/del-pass~1')).toBe(main);
    expect(jobs[1].body.prompt).toContain('Change greet() to return "hello".'); // the platform's analysis
    expect(platform.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);

    // The platform's patch, committed like a local agent's work and pushed to the task's branch.
    expect(await git(env.repoDir, 'show', `switchyard/del-pass:greet.js`)).toContain('hello, ${name}');
    expect(await git(env.repoDir, 'log', '-1', '--format=%B', 'switchyard/del-pass')).toMatch(
      /switchyard\(del-pass\): development attempt 1\n\nFixed the greeting\./,
    );

    // Cost: the analyst's reported $0.02 plus the developer's tokens at the provider's prices ($0.0105).
    expect(done.costUsd).toBeCloseTo(0.0305, 6);
    const cost = await env.cli(['cost', '--by', 'job', '--json']);
    const rows = (JSON.parse(cost.stdout) as { rows: { group: string; costUsd: number; inputTokens: number }[] }).rows;
    expect(rows.map((r) => r.group).sort()).toEqual(jobs.map((j) => `${j.id} (gpu, task del-pass)`).sort());
    expect(rows.find((r) => r.inputTokens === 1000)?.costUsd).toBeCloseTo(0.0105, 6);

    const shown = await env.cli(['status', 'del-pass']);
    expect(shown.stdout).toMatch(/provider +gpu \(delegated\) — preferred_ai "gpu" is a delegated target/);
    const logs = await env.cli(['logs', 'del-pass']);
    expect(logs.stdout).toContain('delegation:submitted');
    await recordE2eHistory(env.env.TEMPORAL_ADDRESS, 'task-del-pass', 'e2e-delegated-done');
    await recordE2eHistory(env.env.TEMPORAL_ADDRESS, 'task-del-pass-analysis-1', 'e2e-delegated-analysis');
    await recordE2eHistory(env.env.TEMPORAL_ADDRESS, 'task-del-pass-development-1', 'e2e-delegated-development');

    // The token: in every request's header, and nowhere else.
    const places: Record<string, string> = {
      history: (await taskHistories(done))
        .map((h) => [h, ...payloadData(h).map((d) => Buffer.from(d, 'base64').toString('utf8'))].join('\n'))
        .join('\n'),
      store: await storeDump(env.db.url),
      status: (await env.cli(['status', 'del-pass', '--json'])).stdout,
      logs: (await env.cli(['logs', 'del-pass', '--json'])).stdout,
      'worker log': worker.output(),
      'platform request bodies': platform.requests.map((r) => r.body ?? '').join('\n'),
    };
    expect(places.store).toContain(jobs[0].id);
    expect(places['worker log']).toContain('submitted to the job platform');
    expect(
      Object.entries(places)
        .filter(([, text]) => text.includes(TOKEN))
        .map(([where]) => where),
    ).toEqual([]);
  });

  it('2. 503s, a lost response, a 429 with Retry-After and a slow poll are retried: one job per stage attempt', async () => {
    platform.inject({ kind: 'status', status: 503, times: 2, on: 'POST' });
    platform.inject({ kind: 'reset', afterProcessing: true, on: 'POST' });
    platform.inject({
      kind: 'status',
      status: 429,
      headers: { 'Retry-After': '2' },
      body: { error: 'slow down' },
      on: 'GET',
    });
    platform.inject({ kind: 'slow', delayMs: 2500, on: 'GET' });
    const from = platform.requests.length;
    await submit('del-faults', '');
    const done = await env.waitForState('del-faults', ['done', 'hold', 'failed'], 120_000);
    expect(done.state, done.holdReason).toBe('done');
    expect(jobsOf('del-faults').map((j) => j.body.role)).toEqual(['analyst', 'developer']);
    const analysisPosts = postsOf('del-faults').filter((r) => (r.body ?? '').includes('"role":"analyst"'));
    expect(analysisPosts.map((r) => r.status)).toEqual([503, 503, 'reset', 200]);
    const gets = platform.requests.slice(from).filter((r) => r.method === 'GET');
    const limited = gets.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    expect(gets[limited + 1].at - gets[limited].at).toBeGreaterThanOrEqual(1900);
  });

  it('3. a 400 is DelegationRejected: the task holds with the platform message, submitted once', async () => {
    platform.inject({
      kind: 'status',
      status: 400,
      body: { error: 'prompt exceeds the 100000-token limit of gpu' },
      on: 'POST',
    });
    await submit('del-rejected', '');
    const held = await env.waitForState('del-rejected', ['hold', 'done', 'failed']);
    expect(held.state).toBe('hold');
    expect(held.heldStage).toBe('analysis');
    expect(held.holdReason).toMatch(
      /DelegationRejected: the job platform refused POST \/jobs \(400\): prompt exceeds the 100000-token limit of gpu/,
    );
    expect(postsOf('del-rejected')).toHaveLength(1);
    expect(jobsOf('del-rejected')).toHaveLength(0);
    await abort('del-rejected');
  });

  it('4. a job that fails is DelegatedJobFailed: agent-failed, hold, and its cost counted', async () => {
    await submit('del-job-fails', 'platform: fail-developer');
    const held = await env.waitForState('del-job-fails', ['hold', 'done', 'failed']);
    expect(held.state).toBe('hold');
    expect(held.heldStage).toBe('development');
    expect(held.holdReason).toMatch(/DelegatedJobFailed: job job-\d+ on gpu failed: CUDA out of memory on gpu-3/);
    expect(held.costUsd).toBeCloseTo(0.025, 6);
    await abort('del-job-fails');
  });

  it('5. a patch that does not apply is agent-failed with git’s message', async () => {
    await submit('del-bad-patch', 'platform: bad-patch');
    const held = await env.waitForState('del-bad-patch', ['hold', 'done', 'failed']);
    expect(held.state).toBe('hold');
    expect(held.heldStage).toBe('development');
    expect(held.holdReason).toMatch(/the patch of job job-\d+ does not apply: .*(patch failed|does not apply)/s);
    expect(await git(env.repoDir, 'branch', '--list', 'switchyard/del-bad-patch')).toBe('');
    await abort('del-bad-patch');
  });

  it('6. questions in the analysis text’s ## Questions section wait for an answer; the next job gets it', async () => {
    await submit('del-ask', 'platform: ask');
    const waiting = await env.waitForState('del-ask', ['needs-input', 'hold', 'done', 'failed']);
    expect(waiting.state).toBe('needs-input');
    expect(waiting.questions).toEqual(['Which greeting should greet() return?']);
    const answered = await env.cli(['answer', 'del-ask', '--text', 'hello']);
    expect(answered.exitCode, answered.stderr).toBe(0);
    const done = await env.waitForState('del-ask', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    const analysts = jobsOf('del-ask').filter((j) => j.body.role === 'analyst');
    expect(analysts).toHaveLength(2);
    expect(analysts[1].body.prompt).toContain('hello');
  });

  it('7. kill -9 while awaiting: a new worker resumes the same job; one submit per stage attempt', async () => {
    await submit('del-kill', 'platform: slow-analyst 8000');
    const row = await waitUntilAwaiting('del-kill');
    expect(row).toMatchObject({ taskId: 'del-kill', platformStatus: 'running' });
    const listed = await env.cli(['list', '--delegated']);
    expect(listed.stdout).toMatch(new RegExp(`del-kill +analysis +${row.jobId} +gpu +running`));
    worker.kill('SIGKILL');
    await worker.exited;
    worker = await env.startWorker();
    const done = await env.waitForState('del-kill', ['done', 'hold', 'failed'], 120_000);
    expect(done.state, done.holdReason).toBe('done');
    const jobs = jobsOf('del-kill');
    expect(jobs.map((j) => j.body.role)).toEqual(['analyst', 'developer']);
    expect(jobs[0].id).toBe(row.jobId);
    expect(postsOf('del-kill')).toHaveLength(2);
  });

  it('8. cancelling the task while it awaits sends the DELETE and ends the stage as cancelled', async () => {
    await submit('del-cancel', 'platform: slow-analyst 60000');
    const row = await waitUntilAwaiting('del-cancel');
    const r = await env.cli(['cancel', 'del-cancel']);
    expect(r.exitCode, r.stderr).toBe(0);
    await env.waitForState('del-cancel', ['cancelled']);
    const job = await waitFor(() => jobsOf('del-cancel').find((j) => j.cancelled), 'the DELETE');
    expect(job.id).toBe(row.jobId);
  });

  it('9. platform unreachable: the task holds; with fallbackToLocal the stage runs locally and says why', async () => {
    await platform.stop();
    try {
      await submit('del-down', '');
      const held = await env.waitForState('del-down', ['hold', 'done', 'failed'], 120_000);
      expect(held.state).toBe('hold');
      expect(held.holdReason).toMatch(/ProviderUnavailable: the job platform did not answer POST \/jobs: ECONNREFUSED/);
      await abort('del-down');

      await writeFile(
        env.configPath,
        baseConfig.replace('  timeoutSec: 120\n', '  timeoutSec: 120\n  fallbackToLocal: true\n'),
      );
      const file = await env.writeTask('del-fallback', 'Fix the greeting.', {
        allow_delegation: true,
        preferred_ai: 'gpu',
      });
      const routed = JSON.parse((await env.cli(['route', file, '--json'])).stdout) as { localFallback?: string };
      expect(routed.localFallback).toBe('fake');
      expect((await env.cli(['submit', file])).exitCode).toBe(0);
      const done = await env.waitForState('del-fallback', ['done', 'hold', 'failed'], 180_000);
      expect(done.state, done.holdReason).toBe('done');
      expect(done).toMatchObject({ provider: 'fake', providerMode: 'local' });
      expect(done.providerReason).toMatch(
        /^the job platform could not be reached \(ProviderUnavailable: .*ECONNREFUSED.*\), so development ran on the local provider "fake" \(delegation\.fallbackToLocal\)\.$/,
      );
      expect(done.lastTest?.status).toBe('PASS');
    } finally {
      await writeFile(env.configPath, baseConfig);
      await platform.start();
    }
  });

  it('10. a job past delegation.timeoutSec is cancelled and the task holds, saying so', async () => {
    await writeFile(env.configPath, baseConfig.replace('  timeoutSec: 120\n', '  timeoutSec: 3\n'));
    try {
      await submit('del-deadline', 'platform: slow-analyst 60000');
      const held = await env.waitForState('del-deadline', ['hold', 'done', 'failed']);
      expect(held.state).toBe('hold');
      expect(held.holdReason).toMatch(
        /DelegatedJobFailed: job job-\d+ on gpu did not finish within 3 s of its submission \(delegation\.timeoutSec; last seen running\); it was cancelled/,
      );
      expect(jobsOf('del-deadline').map((j) => j.cancelled)).toEqual([true]);
      await abort('del-deadline');
    } finally {
      await writeFile(env.configPath, baseConfig);
    }
  });

  it('11. a worker stopped with SIGTERM while awaiting leaves the job alone; the next worker finishes it', async () => {
    await submit('del-sigterm', 'platform: slow-analyst 15000');
    const row = await waitUntilAwaiting('del-sigterm');
    worker.kill('SIGTERM');
    await worker.exited;
    worker = await env.startWorker();
    const done = await env.waitForState('del-sigterm', ['done', 'hold', 'failed'], 120_000);
    expect(done.state, done.holdReason).toBe('done');
    const [analyst] = jobsOf('del-sigterm');
    expect(analyst).toMatchObject({ id: row.jobId, status: 'completed', cancelled: false, deleteRequests: 0 });
  });
});
