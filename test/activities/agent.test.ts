import { startTestStore, type TestStore } from '../helpers/store.js';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseUsageLine } from '../../activities/agents/command.js';
import { parseQuestions } from '../../activities/agents/prompt-files.js';
import { createActivities } from '../../activities/index.js';
import { isAlive } from '../../worker/pid.js';
import type { AgentRunInput, DeveloperInput } from '../../workflows/api/index.js';
import type { Config } from '../../activities/config-schema.js';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { gitIn, makeConfig, makeRepo, mockActivityEnv, removeAll, runIn, tempDir } from './fixtures.js';

const fakeAgent = resolve(import.meta.dirname, '../fakes/agent.mjs');
const origin = makeRepo({ 'src/login.js': 'export const next = "/";\n' });
const base = gitIn(origin, 'rev-parse', 'HEAD');
const dataDir = tempDir('agent-data');
const scratch = tempDir('agent-scratch');
const recordFile = join(scratch, 'record.json');
afterAll(() => removeAll([origin, dataDir, scratch]));
afterEach(() => {
  rmSync(recordFile, { force: true });
  delete process.env.FAKE_AGENT_SCENARIO;
});

const config: Config = makeConfig({
  repos: { webapp: { url: origin } },
  providers: {
    fake: {
      kind: 'command',
      command: [process.execPath, fakeAgent],
      env: ['FAKE_AGENT_SCENARIO', 'FAKE_AGENT_RECORD'],
    },
    slow: {
      kind: 'command',
      command: [process.execPath, fakeAgent],
      env: ['FAKE_AGENT_SCENARIO', 'FAKE_AGENT_RECORD'],
      timeoutSec: 1,
    },
    ghost: { kind: 'command', command: ['switchyard-no-such-agent', '--print'] },
  },
});
const logs: string[] = [];
let acts: ReturnType<typeof createActivities>;
let testStore: TestStore;
beforeAll(async () => {
  testStore = await startTestStore();
  acts = createActivities({ config: () => config, dataDir, log: (m) => logs.push(m), store: testStore.store });
});
afterAll(async () => {
  await testStore?.stop();
});

process.env.FAKE_AGENT_RECORD = recordFile;
const record = () =>
  JSON.parse(readFileSync(recordFile, 'utf8')) as {
    stdin: string;
    cwd: string;
    env: Record<string, string>;
    promptFileContent: string;
    grandchildPid?: number;
  };

const analystInput = (provider = 'fake'): AgentRunInput => ({
  taskId: 'fix-login',
  role: 'analyst',
  attempt: 2,
  repo: 'webapp',
  ref: 'main',
  provider,
  prompt: 'Fix the login redirect.\nKeep `next`.\n',
});
const developerInput = (provider = 'fake'): DeveloperInput => ({
  ...analystInput(provider),
  role: 'developer',
  attempt: 1,
  branch: 'switchyard/fix-login',
  expectedTip: null,
  trailer: 'run-1 development 1',
});

/** One activity execution seen from inside: the same ids on every attempt, as Temporal gives them. */
const attemptEnv = (execution: string, attempt: number) =>
  new MockActivityEnvironment(
    { attempt, activityId: '1', workflowExecution: { workflowId: `wf-${execution}`, runId: `run-${execution}` } },
    { logger: new DefaultLogger('ERROR') },
  );

const run = <R>(fn: () => Promise<R>, env = mockActivityEnv()): Promise<R> => env.run(fn);
const worktreesLeft = () => (existsSync(join(dataDir, 'worktrees')) ? readdirSync(join(dataDir, 'worktrees')) : []);

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('runAnalyst with the command provider', () => {
  it('gives the prompt on stdin and in the prompt file, with the documented environment', async () => {
    process.env.SWITCHYARD_TEST_SECRET = 'worker-only';
    try {
      await run(() => acts.runAnalyst(analystInput()));
    } finally {
      delete process.env.SWITCHYARD_TEST_SECRET;
    }
    const r = record();
    expect(r.stdin).toBe(analystInput().prompt);
    expect(r.promptFileContent).toBe(analystInput().prompt);
    expect(r.env.SWITCHYARD_PROMPT_FILE).toBe(join(r.cwd, '.switchyard', 'prompt.md'));
    expect(r.env).toMatchObject({
      SWITCHYARD_ROLE: 'analyst',
      SWITCHYARD_TASK_ID: 'fix-login',
      SWITCHYARD_ATTEMPT: '2',
      SWITCHYARD_WORKTREE: r.cwd,
      FAKE_AGENT_RECORD: recordFile,
      PATH: process.env.PATH,
    });
    expect(r.env.SWITCHYARD_TEST_SECRET).toBeUndefined();
    expect(r.cwd.startsWith(join(dataDir, 'worktrees'))).toBe(true);
    expect(worktreesLeft()).toEqual([]);
  });

  it('returns analysis, summary and usage (the last SWITCHYARD_USAGE line wins)', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'analysis,summary,usage';
    const res = await run(() => acts.runAnalyst(analystInput()));
    expect(res.ok).toBe(true);
    expect(res.failure).toBeUndefined();
    expect(res.exitCode).toBe(0);
    expect(res.provider).toBe('fake');
    expect(res.analysis).toContain('The redirect is built in `src/login.js`');
    expect(res.summary.split('\n')[0]).toBe('Kept the next parameter on login redirects');
    expect(res.questions).toEqual([]);
    expect(res.usage).toEqual({ costUsd: 0.42, inputTokens: 1200, outputTokens: 340 });
    expect(res.costUsd).toBe(0.42);
    expect(res.outputTail).toContain('progress on stderr');
    // The store keeps what the run produced; the result only refers to it.
    expect(res.artifacts.map((a) => a.kind).sort()).toEqual(['analysis', 'prompt', 'summary', 'transcript']);
    const stored = await testStore.store.listArtifacts({ taskId: 'fix-login', stage: 'analysis' });
    const transcript = stored.filter((a) => a.kind === 'transcript').at(-1)!;
    expect(transcript.text).toContain('progress on stderr');
    expect(res.artifacts.find((a) => a.kind === 'transcript')!.id).toBe(transcript.id);
  });

  it('returns the blocking questions; a whitespace-only file means none', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'analysis,questions';
    const asked = await run(() => acts.runAnalyst(analystInput()));
    expect(asked.questions).toEqual([
      'Which page should an expired session land on?',
      'Should the fix cover SSO logins too?',
    ]);
    expect(asked.usage).toBeUndefined();
    expect(asked.costUsd).toBe(0);
    process.env.FAKE_AGENT_SCENARIO = 'analysis,blank-questions';
    expect((await run(() => acts.runAnalyst(analystInput()))).questions).toEqual([]);
  });

  it('ignores a malformed usage line with a log line', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'usage,bad-usage';
    logs.length = 0;
    const res = await run(() => acts.runAnalyst(analystInput()));
    expect(res.usage).toEqual({ costUsd: 0.42, inputTokens: 1200, outputTokens: 340 });
    expect(logs.some((l) => l.includes('malformed SWITCHYARD_USAGE'))).toBe(true);
  });

  it('a non-zero exit is a failed result, not an exception', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'analysis,fail';
    const res = await run(() => acts.runAnalyst(analystInput()));
    expect(res.ok).toBe(false);
    expect(res.exitCode).toBe(3);
    expect(res.failure).toContain('exited with code 3');
    expect(res.failure).toContain('the model refused');
    expect(worktreesLeft()).toEqual([]);
  });

  it('a timeout is a failed result and kills the agent tree', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'hang';
    const res = await run(() => acts.runAnalyst(analystInput('slow')));
    expect(res.ok).toBe(false);
    expect(res.failure).toContain('timed out after 1s');
    expect(isAlive(record().grandchildPid!)).toBe(false);
  });

  it('cancellation kills the agent tree and reports cancelled', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'hang';
    const env = mockActivityEnv();
    const running = run(() => acts.runAnalyst(analystInput()), env);
    let pid: number | undefined;
    for (let i = 0; i < 400 && !pid; i++) {
      await delay(25);
      pid = existsSync(recordFile) ? record().grandchildPid : undefined;
    }
    expect(isAlive(pid!)).toBe(true);
    env.cancel();
    expect(await running.catch((e: unknown) => e)).toBeInstanceOf(CancelledFailure);
    expect(isAlive(pid!)).toBe(false);
    expect(worktreesLeft()).toEqual([]);
  });

  it('a missing binary is ToolMissing naming the command and the provider', async () => {
    const err = await failureOf(run(() => acts.runAnalyst(analystInput('ghost'))));
    expect(err.type).toBe('ToolMissing');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain('switchyard-no-such-agent');
    expect(err.message).toContain('"ghost"');
    expect(worktreesLeft()).toEqual([]);
  });

  it('an unknown provider is ConfigInvalid naming it', async () => {
    const err = await failureOf(run(() => acts.runAnalyst(analystInput('claude-code'))));
    expect(err.type).toBe('ConfigInvalid');
    expect(err.message).toContain('"claude-code"');
  });
});

describe('runDeveloper with the command provider', () => {
  it('commits the changes (not .switchyard/) and pushes the task branch', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'edit,summary,usage';
    const res = await run(() => acts.runDeveloper(developerInput()));
    expect(res.outcome).toBe('committed');
    expect(res.branch).toBe('switchyard/fix-login');
    expect(res.changedFiles.sort()).toEqual(['README.md', 'src/feature.txt']);
    expect(res.costUsd).toBe(0.42);
    expect(record().env.SWITCHYARD_ROLE).toBe('developer');
    expect(gitIn(origin, 'rev-parse', 'refs/heads/switchyard/fix-login')).toBe(res.commit);
    expect(gitIn(origin, 'rev-parse', `${res.commit}^`)).toBe(base);
    expect(gitIn(origin, 'log', '-1', '--format=%B', res.commit!)).toBe(
      'switchyard(fix-login): development attempt 1\n\nKept the next parameter on login redirects\n\n' +
        'Switchyard-Task: fix-login\nSwitchyard-Attempt: run-1 development 1',
    );
    expect(gitIn(origin, 'ls-tree', '-r', '--name-only', res.commit!)).not.toContain('.switchyard');
    expect(worktreesLeft()).toEqual([]);
    const diff = res.artifacts.find((a) => a.kind === 'diff')!;
    expect(await testStore.store.artifactText(diff.id)).toContain('src/feature.txt');
    expect(await testStore.store.taskCost('fix-login')).toBeGreaterThanOrEqual(0.42);
  });

  it('no-changes when the agent changed nothing', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'summary';
    const res = await run(() =>
      acts.runDeveloper({ ...developerInput(), taskId: 'nothing', branch: 'switchyard/nothing' }),
    );
    expect(res.outcome).toBe('no-changes');
    expect(res.commit).toBeUndefined();
    expect(res.changedFiles).toEqual([]);
    expect(() => gitIn(origin, 'rev-parse', '--verify', '--quiet', 'refs/heads/switchyard/nothing')).toThrow();
  });

  it('agent-failed and nothing pushed when the agent exits non-zero', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'edit,fail';
    const res = await run(() =>
      acts.runDeveloper({ ...developerInput(), taskId: 'failed', branch: 'switchyard/failed' }),
    );
    expect(res.outcome).toBe('agent-failed');
    expect(res.failure).toContain('exited with code 3');
    expect(() => gitIn(origin, 'rev-parse', '--verify', '--quiet', 'refs/heads/switchyard/failed')).toThrow();
  });
});

describe('runDeveloper and the task branch', () => {
  it("refuses a branch that is not the task's own before anything runs", async () => {
    const err = await failureOf(run(() => acts.runDeveloper({ ...developerInput(), branch: 'main' })));
    expect(err.type).toBe('ConfigInvalid');
    expect(err.message).toContain("is not task fix-login's own");
    expect(existsSync(recordFile)).toBe(false);
  });

  it('a paid run whose push is refused still reports what it cost', async () => {
    const branch = 'switchyard/raced';
    process.env.FAKE_AGENT_SCENARIO = 'await-go,edit,summary,usage';
    const go = `${recordFile}.go`;
    try {
      // A person pushes to the branch while the agent works: the lease refuses, the cost is not lost.
      const err = await failureOf(
        runIn(attemptEnv('raced', 1), async () => {
          const p = acts.runDeveloper({ ...developerInput(), taskId: 'raced', branch });
          await waitForFile(recordFile);
          makeForeignBranch(branch);
          writeFileSync(go, '');
          return p;
        }),
      );
      expect(err.type).toBe('ConfigInvalid');
      expect(err.message).toContain('did not make in this run');
      expect((err.details?.[0] as { costUsd?: number }).costUsd).toBe(0.42);
    } finally {
      rmSync(go, { force: true });
    }
  });

  it('never pushes over commits Switchyard did not make in this run, and does not pay the agent first', async () => {
    const tip = makeForeignBranch('switchyard/taken');
    process.env.FAKE_AGENT_SCENARIO = 'edit,summary,usage';
    const err = await failureOf(
      run(() => acts.runDeveloper({ ...developerInput(), taskId: 'taken', branch: 'switchyard/taken' })),
    );
    expect(err.type).toBe('ConfigInvalid');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toContain(`holds commit ${tip.slice(0, 12)}, which Switchyard did not make in this run`);
    expect(err.message).toContain('submit --rerun');
    expect(existsSync(recordFile)).toBe(false); // the agent never ran
    expect(gitIn(origin, 'rev-parse', 'refs/heads/switchyard/taken')).toBe(tip);
    expect(worktreesLeft()).toEqual([]);
  });

  it('a later attempt extends the tip this run pushed; a foreign commit on top of it stops the next', async () => {
    const branch = 'switchyard/extend';
    const taskId = 'extend';
    process.env.FAKE_AGENT_SCENARIO = 'edit,summary,usage';
    const first = await run(() => acts.runDeveloper({ ...developerInput(), taskId, branch }));
    const second = await run(() =>
      acts.runDeveloper({
        ...developerInput(),
        taskId,
        branch,
        attempt: 2,
        ref: first.commit!,
        expectedTip: first.commit!,
        trailer: 'run-1 development 2',
      }),
    );
    expect(second.outcome).toBe('committed');
    expect(gitIn(origin, 'rev-parse', `${second.commit}^`)).toBe(first.commit);
    const foreign = makeForeignBranch(branch, second.commit!);
    const err = await failureOf(
      run(() =>
        acts.runDeveloper({
          ...developerInput(),
          taskId,
          branch,
          attempt: 3,
          ref: second.commit!,
          expectedTip: second.commit!,
          trailer: 'run-1 development 3',
        }),
      ),
    );
    expect(err.type).toBe('ConfigInvalid');
    expect(gitIn(origin, 'rev-parse', `refs/heads/${branch}`)).toBe(foreign);
  });

  it('a retried attempt whose commit an earlier attempt pushed returns it without running the agent again', async () => {
    const input = {
      ...developerInput(),
      taskId: 'retried',
      branch: 'switchyard/retried',
      trailer: 'run-9 development 1',
    };
    process.env.FAKE_AGENT_SCENARIO = 'edit,summary,usage';
    const first = await runIn(attemptEnv('retried', 1), () => acts.runDeveloper(input));
    expect(first.outcome).toBe('committed');
    rmSync(recordFile, { force: true });
    // The worker died after the push: Temporal runs the same activity again.
    const again = await runIn(attemptEnv('retried', 2), () => acts.runDeveloper(input));
    expect(existsSync(recordFile)).toBe(false);
    expect(again).toMatchObject({ outcome: 'committed', commit: first.commit, costUsd: 0.42 });
    expect(again.changedFiles.sort()).toEqual(['README.md', 'src/feature.txt']);
    expect(gitIn(origin, 'rev-list', '--count', `${base}..refs/heads/switchyard/retried`)).toBe('1');
  });

  it('every paid attempt is its own ledger row, and the result sums them', async () => {
    process.env.FAKE_AGENT_SCENARIO = 'analysis,summary,usage';
    const one = await runIn(attemptEnv('paid-twice', 1), () => acts.runAnalyst(analystInput()));
    const two = await runIn(attemptEnv('paid-twice', 2), () => acts.runAnalyst(analystInput()));
    expect(one.costUsd).toBe(0.42);
    expect(two.costUsd).toBeCloseTo(0.84, 10);
    expect(await testStore.store.costByKeyPrefix('wf-paid-twice/run-paid-twice/1/usage/')).toBeCloseTo(0.84, 10);
  });
});

async function waitForFile(path: string): Promise<void> {
  while (!existsSync(path)) await delay(20);
}

/** A commit nobody at Switchyard made, on `branch` of the origin (on top of `parent`, default the base). */
function makeForeignBranch(branch: string, parent = base): string {
  const tree = gitIn(origin, 'rev-parse', `${parent}^{tree}`);
  const sha = gitIn(
    origin,
    '-c',
    'user.name=Human',
    '-c',
    'user.email=h@example.com',
    'commit-tree',
    tree,
    '-p',
    parent,
    '-m',
    "a person's work",
  );
  gitIn(origin, 'update-ref', `refs/heads/${branch}`, sha);
  return sha;
}

describe('usage and question parsing', () => {
  it('parseUsageLine', () => {
    expect(parseUsageLine('SWITCHYARD_USAGE {"costUsd":1.5}')).toEqual({ costUsd: 1.5 });
    expect(parseUsageLine('hello')).toBeUndefined();
    expect(parseUsageLine('SWITCHYARD_USAGE {oops')).toBe('malformed');
    expect(parseUsageLine('SWITCHYARD_USAGE {"costUsd":-1}')).toBe('malformed');
    expect(parseUsageLine('SWITCHYARD_USAGE []')).toBe('malformed');
  });

  it('parseQuestions: list items, else paragraphs; headings and "none" ignored', () => {
    expect(parseQuestions('Before I start:\n\n1. First?\n2) Second,\n   continued?\n* [ ] Third?\n')).toEqual([
      'First?',
      'Second, continued?',
      'Third?',
    ]);
    expect(parseQuestions('# Questions\n\nWhat is the deadline?\n\nWho owns the\nbilling page?\n')).toEqual([
      'What is the deadline?',
      'Who owns the billing page?',
    ]);
    expect(parseQuestions(' \n\t\n')).toEqual([]);
    expect(parseQuestions('None.\n')).toEqual([]);
    expect(parseQuestions('- No questions\n')).toEqual([]);
  });
});

describe('agent CLIs in the activity', () => {
  const fakes = resolve(import.meta.dirname, '../fakes/bin');
  const cli = (kind: 'claude-code' | 'codex', binary: string) => ({
    kind,
    binary: join(fakes, binary),
    timeoutSec: 120,
    env: ['FAKE_AGENT_RECORD', 'FAKE_SCENARIO', 'FAKE_DELAY_MS'],
  });
  const cliConfig: Config = makeConfig({
    repos: { webapp: { url: origin } },
    providers: {
      claude: cli('claude-code', 'claude'),
      codex: cli('codex', 'codex'),
      // Passes a secret through its env: the fake prints it (secret-echo) or fails with it (quota-text).
      leaky: {
        ...cli('claude-code', 'claude'),
        env: [...cli('claude-code', 'claude').env, 'FAKE_SECRET_VAR', 'LEAKY', 'FAKE_QUOTA_TEXT'],
      },
    },
  });
  let cliActs: ReturnType<typeof createActivities>;
  beforeAll(() => {
    cliActs = createActivities({ config: () => cliConfig, dataDir, log: (m) => logs.push(m), store: testStore.store });
  });
  afterEach(() => {
    for (const name of ['FAKE_SCENARIO', 'FAKE_DELAY_MS', 'FAKE_SECRET_VAR', 'LEAKY', 'FAKE_QUOTA_TEXT'])
      delete process.env[name];
  });
  // A branch and trailer of its own: no earlier push to pick up instead of running the agent.
  const budgetInput = (budgetLeftUsd: number): DeveloperInput => ({
    ...developerInput('claude'),
    taskId: 'budget-left',
    branch: 'switchyard/budget-left',
    trailer: 'run-budget development 1',
    budgetLeftUsd,
  });

  it('with less budget left than the CLI can be capped at, the agent is not started: a non-retryable budget failure, so the stage holds the task', async () => {
    for (const budgetLeftUsd of [0.00004, 0]) {
      const err = await failureOf(run(() => cliActs.runDeveloper(budgetInput(budgetLeftUsd))));
      expect(err.type).toBe('AgentIncomplete');
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toMatch(/budget exhausted/);
      expect(err.message).toContain('--budget');
      expect(existsSync(recordFile)).toBe(false); // the CLI never ran
    }
    // At the minimum it runs, capped at it.
    process.env.FAKE_DELAY_MS = '1';
    const err = await failureOf(run(() => cliActs.runDeveloper(budgetInput(0.0001))));
    expect(err.type).toBe('AgentIncomplete');
    expect(err.message).toContain('budget cap');
    const runs = readFileSync(recordFile, 'utf8').trim().split('\n');
    expect(runs).toHaveLength(1);
    expect((JSON.parse(runs[0]) as { argv: string[] }).argv).toEqual(
      expect.arrayContaining(['--max-budget-usd', '0.0001']),
    );
    expect(worktreesLeft()).toEqual([]);
  });

  describe('a secret passed through the provider env', () => {
    // Not key-shaped: only the provider-env wiring can mask it, not the key patterns. The variable's name
    // is shorter than a maskable secret, so the transcript shows where the value was.
    const secret = 'plain-leaky-value-7731';
    const leakyInput = (taskId: string): AgentRunInput => ({ ...analystInput('leaky'), taskId });
    const transcriptOf = async (taskId: string) =>
      (await testStore.store.listArtifacts({ taskId, stage: 'analysis' }))
        .filter((a) => a.kind === 'transcript')
        .at(-1)!.text;
    beforeEach(() => {
      process.env.FAKE_DELAY_MS = '1';
      process.env.FAKE_SECRET_VAR = 'LEAKY';
      process.env.LEAKY = secret;
    });

    it('never appears in the result or the transcript of a run that printed it', async () => {
      process.env.FAKE_SCENARIO = 'secret-echo';
      const res = await run(() => cliActs.runAnalyst(leakyInput('leaky-ok')));
      expect(res.ok).toBe(true);
      expect(res.outputTail).toContain('LEAKY=[REDACTED]'); // the fake did print it
      expect(JSON.stringify(res)).not.toContain(secret);
      const transcript = await transcriptOf('leaky-ok');
      expect(transcript).toContain('LEAKY=[REDACTED]');
      expect(transcript).not.toContain(secret);
    });

    it('never appears in the failure message, the cooldown note or the transcript of a run that failed with it', async () => {
      process.env.FAKE_SCENARIO = 'quota-text';
      process.env.FAKE_QUOTA_TEXT = `You've hit your limit · token ${secret}`;
      const err = await failureOf(run(() => cliActs.runAnalyst(leakyInput('leaky-failed'))));
      expect(err.type).toBe('RateLimited');
      expect(err.message).toContain('[REDACTED]');
      expect(err.message).not.toContain(secret);
      const accounts = await testStore.store.listAccounts('leaky');
      expect(accounts.length).toBeGreaterThan(0);
      for (const a of accounts) expect(JSON.stringify(a)).not.toContain(secret);
      const transcript = await transcriptOf('leaky-failed');
      expect(transcript).toContain('[REDACTED]');
      expect(transcript).not.toContain(secret);
    });
  });

  it('codex waiting for a network forever is ended by us: ProviderUnavailable, retried, the CLI is gone', async () => {
    process.env.FAKE_SCENARIO = 'network-down';
    process.env.FAKE_DELAY_MS = '20';
    const err = await failureOf(run(() => cliActs.runAnalyst(analystInput('codex'))));
    expect(err.type).toBe('ProviderUnavailable');
    expect(err.nonRetryable).toBe(false);
    expect(err.message).toContain('waiting for network');
    const pid = (JSON.parse(readFileSync(recordFile, 'utf8').trim()) as { pid: number }).pid;
    expect(isAlive(pid)).toBe(false);
    expect(logs.some((l) => l.includes('ending the run'))).toBe(true);
    expect(worktreesLeft()).toEqual([]);
  });
});
