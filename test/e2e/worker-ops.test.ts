/**
 * Running a worker for a team: the `worker:` block of the config through the built CLI and a real worker
 * process — Prometheus metrics (the SDK's and Switchyard's) scraped after a task, /healthz answering for
 * Temporal and the store, and SIGTERM with an agent mid-run: the worker gives it the grace period, then
 * cancels it so its process tree dies, and exits 0.
 */
import { readFile } from 'node:fs/promises';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../worker/pid.js';
import { freePorts } from '../../worker/ports.js';
import { e2eEnv, type E2eEnv, type WorkerProcess } from '../helpers/e2e.js';

let env: E2eEnv;
let worker: WorkerProcess;
let metricsPort: number;
let healthPort: number;

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const health = async () => {
  const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; temporal: string; store: string } };
};

beforeAll(async () => {
  env = await e2eEnv('worker-ops');
  [metricsPort, healthPort] = await freePorts(2);
  await appendFile(
    env.configPath,
    [
      'worker:',
      '  maxConcurrentActivities: 4',
      '  maxCachedWorkflows: 50',
      '  shutdownGraceSec: 3',
      `  metrics: { port: ${metricsPort} }`,
      `  health: { port: ${healthPort} }`,
      '',
    ].join('\n'),
  );
  worker = await env.startWorker();
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
});

describe('worker operations', () => {
  it('serves Prometheus metrics — the SDK’s and ours — after a task, and /healthz', async () => {
    const file = await env.writeTask('ops-metrics', 'Fix the greeting.');
    expect((await env.cli(['submit', file])).exitCode).toBe(0);
    const done = await env.waitForState('ops-metrics', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');

    const text = await waitFor(async () => {
      const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return /switchyard_task_state_changes_total\{[^}]*state="done"/.test(body) ? body : undefined;
    }, 'our metrics in the scrape');
    // The SDK's own, from the runtime's exporter.
    expect(text).toMatch(/^temporal_workflow_completed_total\{/m);
    expect(text).toMatch(/^temporal_activity_execution_latency_bucket\{/m);
    // Ours, through the metric meter.
    expect(text).toMatch(
      /switchyard_stage_duration_bucket\{[^}]*outcome="passed"[^}]*stage="testing"|switchyard_stage_duration_bucket\{[^}]*stage="testing"/,
    );
    expect(text).toMatch(
      /switchyard_agent_runs_total\{[^}]*outcome="ok"[^}]*provider="fake"|switchyard_agent_runs_total\{[^}]*provider="fake"/,
    );
    expect(text).toMatch(/switchyard_cost_microusd_total\{[^}]*stage="analysis"/);
    expect(text).toMatch(/switchyard_gate_wait_bucket\{[^}]*gate="repo"/);

    expect(await health()).toEqual({ status: 200, body: { ok: true, temporal: 'ok', store: 'ok' } });
    expect((await fetch(`http://127.0.0.1:${healthPort}/other`)).status).toBe(404);
  });

  it('SIGTERM with an agent mid-run: grace period, then the agent’s process tree dies; exit 0', async () => {
    const pidfile = join(env.dir, 'hang.pids');
    const file = await env.writeTask('ops-sigterm', `Fix the greeting.\n\nfake-agent: hang ${pidfile}`);
    expect((await env.cli(['submit', file])).exitCode).toBe(0);
    const pids = await waitFor(async () => {
      const text = await readFile(pidfile, 'utf8');
      const list = text.trim().split('\n').map(Number);
      return list.length === 2 && list.every((p) => p > 0) ? list : undefined;
    }, 'the hanging agent');
    const signalled = Date.now();
    worker.kill('SIGTERM');
    const exit = (await worker.exited) as { exitCode?: number };
    const tookMs = Date.now() - signalled;
    expect(exit.exitCode).toBe(0);
    expect(worker.output()).toContain('SIGTERM: shutting down');
    // The grace period (3 s) came first; the cancel then took the agent's tree down.
    expect(tookMs).toBeGreaterThanOrEqual(2500);
    await waitFor(async () => (pids.every((p) => !isAlive(p)) ? true : undefined), 'the agent tree to die', 10_000);
  });

  it('/healthz names the store when it stops answering', async () => {
    worker = await env.startWorker();
    await waitFor(async () => ((await health()).status === 200 ? true : undefined), 'the new worker’s health');
    const stop = env.db.stop.bind(env.db);
    env.db.stop = async () => undefined; // stopped here: the cleanup must not end it twice
    await stop();
    const r = await waitFor(async () => {
      const h = await health();
      return h.status === 503 ? h : undefined;
    }, '/healthz to report the store');
    expect(r.body).toMatchObject({ ok: false, temporal: 'ok' });
    expect(r.body.store).not.toBe('ok');
  });
});
