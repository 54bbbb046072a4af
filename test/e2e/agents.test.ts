/**
 * Real agent adapters end to end with the fake CLIs (test/fakes/bin): usage-limit failover and
 * waits, overload retries that never cool an account, auth holds, budgets, redaction, cancel, and a
 * full pipeline on each of the four CLIs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../workflows/api/index.js';
import { isAlive } from '../../worker/pid.js';
import { PROJECT_ROOT } from '../../activities/paths.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { payloadData, taskHistories } from '../helpers/histories.js';

const FAKES = join(PROJECT_ROOT, 'test', 'fakes', 'bin');
const PASSED = [
  'FAKE_SCENARIO',
  'FAKE_AGENT_RECORD',
  'FAKE_RESET_IN_SEC',
  'FAKE_DELAY_MS',
  'FAKE_PIDS_FILE',
  'FAKE_SECRET_VAR',
  'E2E_SECRET',
];
/** Passes once the agent has edited the worktree. */
const AGENT_EDITED = ['test', '-f', 'AGENT_WAS_HERE.md'];

let env: E2eEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

interface Run {
  cli: string;
  account?: string;
  argv: string[];
}

function runs(env: E2eEnv): Run[] {
  const file = join(env.dir, 'runs.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Run);
}

async function setup(
  name: string,
  kind: 'claude-code' | 'codex' | 'gemini' | 'aider',
  opts: { accounts?: string[]; scenario?: string; extra?: Record<string, string> } = {},
): Promise<E2eEnv> {
  const e = await e2eEnv(name);
  const homeVar = {
    'claude-code': 'CLAUDE_CONFIG_DIR',
    codex: 'CODEX_HOME',
    gemini: 'GEMINI_CLI_HOME',
    aider: 'AIDER_HOME',
  }[kind];
  const accounts = opts.accounts ?? [];
  for (const a of accounts) await mkdir(join(e.dir, `acct-${a}`), { recursive: true });
  Object.assign(e.env, {
    // The fakes stand where the real CLIs would: first on the worker's PATH, under their own names.
    PATH: `${FAKES}:${process.env.PATH ?? ''}`,
    FAKE_AGENT_RECORD: join(e.dir, 'runs.jsonl'),
    FAKE_DELAY_MS: '20',
    FAKE_SCENARIO: opts.scenario ?? 'success',
    ...opts.extra,
  });
  await e.writeConfig(AGENT_EDITED, 60, {
    default: 'agent',
    yaml: [
      '  agent:',
      `    kind: ${kind}`,
      `    env: ${JSON.stringify(PASSED)}`,
      '    prices: { inputPerMTok: 3, outputPerMTok: 15 }',
      ...(accounts.length
        ? [
            '    accounts:',
            ...accounts.map(
              (a) => `      - { name: ${a}, env: { ${homeVar}: ${JSON.stringify(join(e.dir, `acct-${a}`))} } }`,
            ),
          ]
        : []),
    ],
  });
  return e;
}

/** Histories with every payload decoded too, so a secret inside one cannot hide in base64. */
async function historiesOf(status: TaskStatus): Promise<string> {
  const histories = await taskHistories(status);
  const decoded = histories.flatMap(payloadData).map((d) => Buffer.from(d, 'base64').toString('utf8'));
  return [...histories, ...decoded].join('\n');
}

describe('agent CLIs e2e', () => {
  it.each(['claude-code', 'codex', 'gemini', 'aider'] as const)(
    '%s runs a task through the whole pipeline',
    async (kind) => {
      env = await setup(`cli-${kind}`, kind);
      await env.startWorker();
      const task = await env.writeTask(`greet-${kind}`, 'Leave a note in the repo.');
      const r = await env.cli(['submit', task, '--wait']);
      const s = await env.status(`greet-${kind}`);
      expect(r.exitCode, `${r.stderr}\n${s.holdReason ?? ''}`).toBe(0);
      expect(s.state).toBe('done');
      expect(s.costUsd).toBeGreaterThan(0);
      expect(runs(env).map((x) => x.cli)).toEqual([
        kind === 'claude-code' ? 'claude' : kind,
        kind === 'claude-code' ? 'claude' : kind,
      ]);
      const cost = JSON.parse((await env.cli(['cost', '--by', 'provider', '--json'])).stdout) as {
        rows: { group: string; costUsd: number }[];
      };
      expect(cost.rows[0].group).toBe('agent');
      expect(cost.rows[0].costUsd).toBeCloseTo(s.costUsd, 6);
    },
  );

  it('watch shows live agent progress from the heartbeats (turns, last tool, cost so far)', async () => {
    env = await setup('progress', 'claude-code', { scenario: 'slow-success', extra: { FAKE_DELAY_MS: '60' } });
    await env.startWorker();
    const task = await env.writeTask('greet-progress', 'Leave a note in the repo.');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const watched = await env.cli(['watch', 'greet-progress']);
    expect(watched.exitCode, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/run(Analyst|Developer) \(agent\): turn \d+/);
  });

  it('(a) a quota rejection on account A moves the retry to account B at once', async () => {
    env = await setup('quota-failover', 'claude-code', { accounts: ['a', 'b'], extra: { FAKE_RESET_IN_SEC: '600' } });
    await writeFile(join(env.dir, 'acct-a', 'scenario'), 'quota-rejected');
    await env.startWorker();
    const task = await env.writeTask('greet-failover', 'Leave a note in the repo.');
    const r = await env.cli(['submit', task, '--wait']);
    expect(r.exitCode, r.stderr).toBe(0);
    const accounts = runs(env).map((x) => x.account?.split('-').pop());
    // The analyst hit A's limit, went on at once on B, and development stayed off A (cooling).
    expect(accounts).toEqual(['a', 'b', 'b']);
    const cooled = await env.db.store.listAccounts('agent');
    expect(cooled.find((a) => a.name === 'a')?.cooldownUntil?.getTime()).toBeGreaterThan(Date.now() + 500_000);
    expect(cooled.find((a) => a.name === 'b')?.cooldownUntil ?? null).toBeNull();
  });

  it('(a) with one account the task waits for the reset (visible in status) and then completes', async () => {
    env = await setup('quota-wait', 'claude-code', { accounts: ['solo'], extra: { FAKE_RESET_IN_SEC: '20' } });
    const scenario = join(env.dir, 'acct-solo', 'scenario');
    await writeFile(scenario, 'quota-rejected');
    await env.startWorker();
    const task = await env.writeTask('greet-wait', 'Leave a note in the repo.');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const deadline = Date.now() + 60_000;
    let waiting: TaskStatus | undefined;
    while (Date.now() < deadline) {
      const s = await env.status('greet-wait');
      if (s.detail.startsWith('waiting for usage limit reset until')) {
        waiting = s;
        break;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(waiting?.state).toBe('running');
    await writeFile(scenario, 'success');
    const done = await env.waitForState('greet-wait', ['done', 'hold', 'failed'], 90_000);
    expect(done.state).toBe('done');
    const first = done.transitions[0].at;
    const analysisDone = done.transitions.find((t) => t.from === 'analysis')!.at;
    expect(Date.parse(analysisDone) - Date.parse(first)).toBeGreaterThanOrEqual(15_000);
  });

  it('(b) repeated 529s are retried with backoff on the same account, which is never cooled', async () => {
    env = await setup('overload', 'claude-code', { accounts: ['a', 'b'] });
    const scenario = join(env.dir, 'acct-a', 'scenario');
    await writeFile(scenario, 'repeated-529');
    await env.startWorker();
    const task = await env.writeTask('greet-529', 'Leave a note in the repo.');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const deadline = Date.now() + 60_000;
    while (runs(env).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await writeFile(scenario, 'success');
    const done = await env.waitForState('greet-529', ['done', 'hold', 'failed'], 90_000);
    expect(done.state).toBe('done');
    expect(new Set(runs(env).map((x) => x.account?.split('-').pop()))).toEqual(new Set(['a']));
    // The retry continues the CLI session the failed attempt started (same host, same account).
    expect(
      runs(env)[1].argv.some((a) => a.startsWith('--resume')),
      JSON.stringify(runs(env).map((r) => r.argv)),
    ).toBe(true);
    expect(runs(env).length).toBeGreaterThanOrEqual(3);
    expect((await env.db.store.listAccounts('agent')).filter((a) => a.cooldownUntil)).toEqual([]);
  });

  it('(c) an auth failure holds the task with a readable reason', async () => {
    env = await setup('auth', 'claude-code', { scenario: 'auth' });
    await env.startWorker();
    const task = await env.writeTask('greet-auth', 'Leave a note in the repo.');
    const r = await env.cli(['submit', task, '--wait']);
    expect(r.exitCode).toBe(3);
    const s = await env.status('greet-auth');
    expect(s.state).toBe('hold');
    expect(s.holdReason).toMatch(/ProviderAuth/);
    expect(s.holdReason).toMatch(/Invalid API key|log ?in|authentication/i);
    expect(runs(env)).toHaveLength(1); // not retried
  });

  it('(d) crossing the budget holds the task; resume --budget completes it', async () => {
    env = await setup('budget', 'claude-code');
    await env.startWorker();
    const task = await env.writeTask('greet-budget', 'Leave a note in the repo.', { budget_usd: 0.0001 });
    const r = await env.cli(['submit', task, '--wait']);
    expect(r.exitCode).toBe(3);
    const held = await env.status('greet-budget');
    // Claude gets what is left of the budget as --max-budget-usd and stops at it; either that cap
    // or the workflow's own check holds the task.
    expect(held.holdReason).toMatch(/budget (cap|exceeded)/);
    expect(runs(env)[0].argv.join(' ')).toMatch(/--max-budget-usd[= ]0\.0001/);
    const resumed = await env.cli(['resume', 'greet-budget', '--budget', '100']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const done = await env.waitForState('greet-budget', ['done', 'hold', 'failed']);
    expect(done.state).toBe('done');
    expect(done.budgetUsd).toBe(100);
  });

  it('(e) a secret printed by the agent appears nowhere in history, store or logs', async () => {
    const secret = 'e2e-very-secret-value-7f3a91c2';
    env = await setup('secret', 'claude-code', {
      scenario: 'secret-echo',
      extra: { FAKE_SECRET_VAR: 'E2E_SECRET', E2E_SECRET: secret },
    });
    await env.startWorker();
    const task = await env.writeTask('greet-secret', 'Leave a note in the repo.');
    const r = await env.cli(['submit', task, '--wait']);
    const s = await env.status('greet-secret');
    expect(runs(env).length).toBeGreaterThan(0);
    const logs = await env.cli(['logs', 'greet-secret', '--json']);
    expect(logs.stdout).toContain('[REDACTED]');
    const everything = [r.stdout, r.stderr, JSON.stringify(s), logs.stdout, await historiesOf(s)].join('\n');
    expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/sk-ant-[A-Za-z0-9_-]{10,}/);
  });

  it('(f) cancel kills the CLI and its children', async () => {
    const pidsFile = join(process.env.TMPDIR ?? '/tmp', `switchyard-e2e-pids-${process.pid}-${Date.now()}`);
    env = await setup('cancel-cli', 'claude-code', { scenario: 'hang', extra: { FAKE_PIDS_FILE: pidsFile } });
    await env.startWorker();
    const task = await env.writeTask('greet-hang-cli', 'Leave a note in the repo.');
    expect((await env.cli(['submit', task])).exitCode).toBe(0);
    const deadline = Date.now() + 60_000;
    while (!existsSync(pidsFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const pids = readFileSync(pidsFile, 'utf8').trim().split(/\s+/).map(Number).filter(Boolean);
    expect(pids.length).toBeGreaterThan(0);
    expect((await env.cli(['cancel', 'greet-hang-cli'])).exitCode).toBe(0);
    await env.waitForState('greet-hang-cli', ['cancelled']);
    const gone = Date.now() + 20_000;
    while (pids.some(isAlive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
