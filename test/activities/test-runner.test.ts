import { startTestStore, type TestStore } from '../helpers/store.js';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { type ActivityProgress } from '../../activities/process.js';
import { isAlive } from '../../worker/pid.js';
import type { Config } from '../../activities/config-schema.js';
import type { StagingRunInput, TestRunInput } from '../../workflows/api/index.js';
import { commitFiles, gitIn, makeConfig, makeRepo, mockActivityEnv, removeAll, tempDir } from './fixtures.js';

const node = process.execPath;
const testFile = (failing: boolean) => `import test from 'node:test';
import assert from 'node:assert';
test('adds', () => assert.equal(1 + 1, 2));
test('multiplies', () => assert.equal(2 * 2, 4));
test('divides', () => assert.equal(6 / 2, ${failing ? 4 : 3}));
test('later', { skip: true }, () => {});
`;

const scratch = tempDir('runner-scratch');
const repo = makeRepo({ 'math.test.mjs': testFile(false) });
const passing = gitIn(repo, 'rev-parse', 'HEAD');
const failing = commitFiles(repo, { 'math.test.mjs': testFile(true) }, 'break division');
const noisy = commitFiles(
  repo,
  { 'noisy.mjs': 'for (let i = 0; i < 100000; i++) console.log(`noise line ${i}`);\nconsole.log("THE END");\n' },
  'noisy',
);
const dataDir = tempDir('runner-data');
let testStore: TestStore;
beforeAll(async () => {
  testStore = await startTestStore();
});
afterAll(async () => {
  await testStore?.stop();
});
afterAll(() => removeAll([repo, dataDir, scratch]));

const repoWith = (extra: Record<string, unknown>): Config =>
  makeConfig({
    repos: { calc: { url: repo, testCommand: [node, '--test', '--test-reporter=spec'], ...extra } },
    staging: {
      smoke: {
        command: ['sh', '-c', 'echo "checking $SWITCHYARD_TARGET at $SWITCHYARD_COMMIT"; test -f math.test.mjs'],
      },
      broken: { command: ['sh', '-c', 'echo smoke failed; exit 1'] },
      missing: { command: ['switchyard-no-such-deployer'] },
      notfound: { command: ['sh', '-c', 'switchyard-no-such-deployer --check'] },
    },
  });

function activitiesFor(config: Config) {
  return createActivities({ config: () => config, dataDir, log: () => undefined, store: testStore.store });
}

const run = <R>(fn: () => Promise<R>, env = mockActivityEnv()): Promise<R> => env.run(fn);

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const worktreesLeft = () => (existsSync(join(dataDir, 'worktrees')) ? readdirSync(join(dataDir, 'worktrees')) : []);

describe('runTests', () => {
  const acts = {
    runTests: (i: TestRunInput) => activitiesFor(repoWith({})).runTests(i),
    runStagingCheck: (i: StagingRunInput) => activitiesFor(repoWith({})).runStagingCheck(i),
  };
  const input = (commit: string) => ({ taskId: 't1', repo: 'calc', commit, attempt: 1 });

  it('PASS on exit 0, with counts, env and the exact commit', async () => {
    const env = mockActivityEnv();
    const phases = new Set<string>();
    env.on('heartbeat', (d: ActivityProgress) => phases.add(d.phase));
    const res = await run(() => acts.runTests(input(passing)), env);
    expect(res.status).toBe('PASS');
    expect(res.exitCode).toBe(0);
    expect(res.commit).toBe(passing);
    expect(res.counts).toEqual({ framework: 'node:test', passed: 3, failed: 0, skipped: 1, total: 4 });
    expect(res.command).toEqual([node, '--test', '--test-reporter=spec']);
    expect(phases).toContain('tests');
    expect(worktreesLeft()).toEqual([]);
  });

  it('FAIL with counts on a failing suite', async () => {
    const res = await run(() => acts.runTests(input(failing)));
    expect(res.status).toBe('FAIL');
    expect(res.exitCode).toBe(1);
    expect(res.counts).toEqual({ framework: 'node:test', passed: 2, failed: 1, skipped: 1, total: 4 });
    expect(res.output).toContain('divides');
    expect(res.truncated).toBe(false);
  });

  it('passes CI=true and SWITCHYARD_COMMIT, and not the worker environment', async () => {
    process.env.SWITCHYARD_TEST_SECRET = 'do-not-leak';
    try {
      const script = 'echo "CI=$CI COMMIT=$SWITCHYARD_COMMIT SECRET=${SWITCHYARD_TEST_SECRET:-none}"';
      const res = await run(() =>
        activitiesFor(repoWith({ testCommand: ['sh', '-c', script] })).runTests(input(passing)),
      );
      expect(res.output).toBe(`CI=true COMMIT=${passing} SECRET=none\n`);
    } finally {
      delete process.env.SWITCHYARD_TEST_SECRET;
    }
  });

  it('passes through the variables the repo config names, and only those', async () => {
    process.env.SWITCHYARD_TEST_DB = 'postgres://db';
    process.env.SWITCHYARD_TEST_SECRET = 'do-not-leak';
    try {
      const script = 'echo "DB=${SWITCHYARD_TEST_DB:-none} SECRET=${SWITCHYARD_TEST_SECRET:-none}"';
      const config = repoWith({ testCommand: ['sh', '-c', script], env: ['SWITCHYARD_TEST_DB'] });
      const res = await run(() => activitiesFor(config).runTests(input(passing)));
      expect(res.output).toBe('DB=postgres://db SECRET=none\n');
    } finally {
      delete process.env.SWITCHYARD_TEST_DB;
      delete process.env.SWITCHYARD_TEST_SECRET;
    }
  });

  it('TIMEOUT kills the process tree and reports exit code 124', async () => {
    const pidFile = join(scratch, 'timeout.pid');
    const cmd = ['sh', '-c', `sleep 300 & echo $! > ${pidFile}; echo waiting; wait`];
    const res = await run(() =>
      activitiesFor(repoWith({ testCommand: cmd, testTimeoutSec: 1 })).runTests(input(passing)),
    );
    expect(res.status).toBe('TIMEOUT');
    expect(res.exitCode).toBe(124);
    expect(res.output).toContain('waiting');
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    expect(worktreesLeft()).toEqual([]);
  });

  it('cancellation kills the process tree and reports cancelled', async () => {
    const pidFile = join(scratch, 'cancel.pid');
    const cmd = ['sh', '-c', `sleep 300 & echo $! > ${pidFile}; wait`];
    const env = mockActivityEnv();
    const running = run(() => activitiesFor(repoWith({ testCommand: cmd })).runTests(input(passing)), env);
    let pid = 0;
    for (let i = 0; i < 400 && !pid; i++) {
      await delay(25);
      pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
    }
    expect(isAlive(pid)).toBe(true);
    env.cancel();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(isAlive(pid)).toBe(false);
    expect(worktreesLeft()).toEqual([]);
  });

  it('output over the cap keeps head and tail around a marker', async () => {
    const res = await run(() => activitiesFor(repoWith({ testCommand: [node, 'noisy.mjs'] })).runTests(input(noisy)));
    expect(res.status).toBe('PASS');
    expect(res.truncated).toBe(true);
    expect(res.outputBytes).toBeGreaterThan(1_000_000);
    expect(res.output.startsWith('noise line 0\nnoise line 1\n')).toBe(true);
    expect(res.logRef).toMatchObject({ kind: 'test-log', size: res.outputBytes, truncated: true });
    expect(res.output.endsWith('noise line 99999\nTHE END\n')).toBe(true);
    expect(res.output).toMatch(/bytes truncated/);
    // History gets a 4 KB preview; the whole log is in the store.
    expect(Buffer.byteLength(res.output)).toBeLessThanOrEqual(4096);
    const full = await testStore.store.artifactText(res.logRef!.id);
    expect(Buffer.byteLength(full!)).toBe(res.outputBytes);
    expect(full!.split('\n')).toHaveLength(100_002);
  });

  it('a missing test command is ToolMissing, never a FAIL', async () => {
    const missing = await failureOf(
      run(() => activitiesFor(repoWith({ testCommand: ['switchyard-no-such-runner'] })).runTests(input(passing))),
    );
    expect(missing.type).toBe('ToolMissing');
    expect(missing.nonRetryable).toBe(true);
    expect(missing.message).toContain('switchyard-no-such-runner');
    // Through a shell (npm scripts): exit 127 "not found".
    const viaShell = await failureOf(
      run(() =>
        activitiesFor(repoWith({ testCommand: ['sh', '-c', 'switchyard-no-such-runner --all'] })).runTests(
          input(passing),
        ),
      ),
    );
    expect(viaShell.type).toBe('ToolMissing');
    expect(viaShell.message).toContain('not found');
    expect(worktreesLeft()).toEqual([]);
  });

  it('a repo without testCommand is ToolMissing naming the repo', async () => {
    const config = makeConfig({ repos: { calc: { url: repo } } });
    const err = await failureOf(run(() => activitiesFor(config).runTests(input(passing))));
    expect(err.type).toBe('ToolMissing');
    expect(err.message).toContain('repo calc has no testCommand');
  });

  it('an unknown commit is ConfigInvalid', async () => {
    const err = await failureOf(run(() => acts.runTests(input('0123456789abcdef0123456789abcdef01234567'))));
    expect(err.type).toBe('ConfigInvalid');
    expect(err.message).toContain('0123456789abcdef0123456789abcdef01234567');
  });
});

describe('runStagingCheck', () => {
  const acts = {
    runTests: (i: TestRunInput) => activitiesFor(repoWith({})).runTests(i),
    runStagingCheck: (i: StagingRunInput) => activitiesFor(repoWith({})).runStagingCheck(i),
  };
  const input = (target: string) => ({ taskId: 't1', repo: 'calc', commit: passing, target, attempt: 1 });

  it('PASS when the command exits 0 in a worktree at the commit', async () => {
    const res = await run(() => acts.runStagingCheck(input('smoke')));
    expect(res).toMatchObject({ status: 'PASS', exitCode: 0, target: 'smoke', commit: passing });
    expect(res.output).toBe(`checking smoke at ${passing}\n`);
    expect(worktreesLeft()).toEqual([]);
  });

  it('FAIL on a non-zero exit', async () => {
    const res = await run(() => acts.runStagingCheck(input('broken')));
    expect(res).toMatchObject({ status: 'FAIL', exitCode: 1, output: 'smoke failed\n' });
  });

  it('a missing command is StagingEnvPermanent', async () => {
    for (const target of ['missing', 'notfound']) {
      const err = await failureOf(run(() => acts.runStagingCheck(input(target))));
      expect(err.type).toBe('StagingEnvPermanent');
      expect(err.nonRetryable).toBe(true);
      expect(err.message).toContain(target);
    }
  });

  it('an unknown target is ConfigInvalid naming it', async () => {
    const err = await failureOf(run(() => acts.runStagingCheck(input('prod'))));
    expect(err.type).toBe('ConfigInvalid');
    expect(err.message).toContain('"prod"');
  });
});
