/**
 * The store end to end: big outputs live in Postgres and travel through history only as previews,
 * and a retried activity is counted once in the usage ledger.
 */
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../workflows/api/index.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { payloadData, taskHistories } from '../helpers/histories.js';

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

/** Sizes of every payload (inputs, results, signals) in the task's and its stages' histories. */
async function payloadSizes(status: TaskStatus): Promise<{ max: number; total: number }> {
  const sizes = (await taskHistories(status)).flatMap(payloadData).map((d) => Buffer.from(d, 'base64').length);
  return { max: Math.max(...sizes), total: sizes.reduce((a, b) => a + b, 0) };
}

describe('store e2e', () => {
  it('a test command printing 5 MB completes; the full log is in `logs`, history has only previews', async () => {
    env = await e2eEnv('bigLog');
    const printer = join(env.dir, 'big-output.mjs');
    await writeFile(
      printer,
      "for (let i = 0; i < 50_000; i++) console.log(`line ${i} ${'x'.repeat(96)}`);\nconsole.log('LAST LINE');\n",
    );
    await env.writeConfig(['node', printer]);
    await env.startWorker();
    const task = await env.writeTask('greet-big', 'Fix the greeting.');
    const r = await env.cli(['submit', task, '--wait', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const done = await env.status('greet-big');
    expect(done.state).toBe('done');
    expect(done.lastTest?.outputBytes).toBeGreaterThan(5_000_000);
    expect(Buffer.byteLength(done.lastTest!.output)).toBeLessThanOrEqual(4096);
    expect(done.lastTest!.output).toContain('LAST LINE');

    const logs = await env.cli(['logs', 'greet-big', '--kind', 'test-log', '--json']);
    expect(logs.exitCode, logs.stderr).toBe(0);
    const { artifacts } = JSON.parse(logs.stdout) as { artifacts: { size: number; text: string; stage: string }[] };
    expect(artifacts).toHaveLength(1);
    expect(artifacts[0].stage).toBe('testing');
    expect(artifacts[0].size).toBe(done.lastTest!.outputBytes);
    expect(artifacts[0].text.startsWith('line 0 ')).toBe(true);
    expect(artifacts[0].text.trimEnd().endsWith('LAST LINE')).toBe(true);

    const human = await env.cli(['logs', 'greet-big']);
    expect(human.stdout).toMatch(/=== analysis #1 · prompt/);
    expect(human.stdout).toMatch(/=== development #1 · diff/);
    expect(human.stdout).toMatch(/=== events/);
    expect(human.stdout).toMatch(/transition\s+testing → done/);

    const sizes = await payloadSizes(done);
    expect(sizes.max).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.total).toBeLessThan(1_000_000);
  });

  it('a 200 KB task body travels once: stored, named in prompts, and given whole to the agent', async () => {
    env = await e2eEnv('bigBody');
    await env.startWorker();
    const filler = Array.from({ length: 2000 }, (_, i) => `- requirement ${i}: ${'y'.repeat(90)}`).join('\n');
    const task = await env.writeTask('greet-long', `Fix the greeting.\n\n${filler}\n\nLAST REQUIREMENT`);
    const r = await env.cli(['submit', task, '--wait', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const done = await env.status('greet-long');
    expect(done.state).toBe('done');

    const prompts = await env.cli(['logs', 'greet-long', '--kind', 'prompt', '--json']);
    const stored = (JSON.parse(prompts.stdout) as { artifacts: { stage: string; text: string }[] }).artifacts;
    expect(stored.map((a) => a.stage)).toEqual(['analysis', 'development']);
    for (const a of stored) {
      expect(a.text).toContain('requirement 1999');
      expect(a.text).toContain('LAST REQUIREMENT');
      expect(a.text).not.toContain('[[switchyard:task-body:');
    }
    // Over 64 KB in history: the start input and the one activity input that stores the body; no stage.
    const [taskHistory, ...stageHistories] = await taskHistories(done);
    const big = (h: string) => payloadData(h).filter((d) => Buffer.from(d, 'base64').length > 64 * 1024).length;
    expect(big(taskHistory)).toBe(2);
    for (const h of stageHistories) expect(big(h)).toBe(0);
  });

  it('a retried activity (the first push fails) has a ledger row per paid run; status cost agrees with the ledger', async () => {
    env = await e2eEnv('retry-once');
    // The origin's update hook fails the first push the way an overloaded server does; the retry
    // of the whole developer activity (agent, commit, push) then succeeds.
    const marker = join(env.dir, 'push-refused-once');
    const hook = join(env.repoDir, '.git', 'hooks', 'update');
    await writeFile(
      hook,
      `#!/bin/sh\nif [ ! -f "${marker}" ]; then touch "${marker}"; echo "503 service unavailable, retry later" >&2; exit 1; fi\n`,
    );
    await chmod(hook, 0o755);
    await env.startWorker();
    const task = await env.writeTask('greet-once', 'Fix the greeting.');
    const r = await env.cli(['submit', task, '--wait']);
    const done = await env.status('greet-once');
    expect(r.exitCode, `${r.stderr}\n${JSON.stringify(done, null, 1)}`).toBe(0);
    expect(done.state).toBe('done');
    expect(done.attempts.development).toBe(1);
    expect(existsSync(marker)).toBe(true); // the first push really was refused

    const cost = await env.cli(['cost', '--by', 'task', '--json']);
    expect(cost.exitCode, cost.stderr).toBe(0);
    const rows = (JSON.parse(cost.stdout) as { rows: { group: string; runs: number; costUsd: number }[] }).rows;
    const row = rows.find((x) => x.group === 'greet-once')!;
    // One analyst run and two developer runs: the developer activity ran (and was paid) twice.
    expect(row.runs).toBe(3);
    expect(row.costUsd).toBeCloseTo(done.costUsd, 6);
    expect(await env.db.store.taskCost('greet-once')).toBeCloseTo(0.05, 6);
    expect(done.costUsd).toBeCloseTo(0.05, 6);

    const transcripts = await env.db.store.listArtifacts({
      taskId: 'greet-once',
      stage: 'development',
      kind: 'transcript',
    });
    expect(transcripts).toHaveLength(1);

    const table = await env.cli(['cost', '--by', 'provider']);
    expect(table.stdout).toMatch(/^PROVIDER\s+RUNS/m);
    expect(table.stdout).toMatch(/^fake\s+3\s/m);
  });
});
