import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessStartError } from '../../activities/errors.js';
import { runActivityProcess, runProcess, type ActivityProgress } from '../../activities/process.js';
import { processStartTime } from '../../activities/ownership.js';
import { reapDeadOwners } from '../../activities/reaper.js';
import { PROJECT_ROOT } from '../../activities/paths.js';
import { isAlive } from '../../worker/pid.js';
import { mockActivityEnv, removeAll, runIn, tempDir } from './fixtures.js';

const dir = tempDir('process');
afterAll(() => removeAll([dir]));

/** Waits (bounded) until `file` has content; returns it. */
async function waitForFile(file: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8').trim();
      if (text) return text;
    }
    await delay(25);
  }
  throw new Error(`${file} never appeared`);
}

/** A shell command leaving a `sleep 300` grandchild and recording its pid in `pidFile`. */
const treeScript = (pidFile: string) => `sleep 300 & echo $! > ${pidFile}; echo started; wait`;

describe('runProcess', () => {
  it('returns the exit code and interleaved stdout+stderr, with stdin input', async () => {
    const lines: string[] = [];
    const res = await runProcess(['sh', '-c', 'read x; echo "out:$x"; echo err >&2; exit 3'], {
      cwd: dir,
      input: 'hello\n',
      onLine: (l) => lines.push(l),
    });
    expect(res.exitCode).toBe(3);
    expect(res.timedOut).toBe(false);
    expect(res.cancelled).toBe(false);
    expect(res.output).toBe('out:hello\nerr\n');
    expect(res.outputBytes).toBe(14);
    expect(res.truncated).toBe(false);
    expect(lines).toEqual(['out:hello', 'err']);
  });

  it('passes only the given environment', async () => {
    const res = await runProcess(['sh', '-c', 'echo "${ONLY:-unset} ${HOME:-nohome}"'], {
      cwd: dir,
      env: { PATH: process.env.PATH, ONLY: 'yes' },
    });
    expect(res.output).toBe('yes nohome\n');
  });

  it('kills the whole process tree on timeout', async () => {
    const pidFile = join(dir, 'timeout.pid');
    const res = await runProcess(['sh', '-c', treeScript(pidFile)], { cwd: dir, timeoutMs: 500 });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(res.timedOut).toBe(true);
    expect(res.exitCode).toBeNull();
    expect(res.signal).toBe('SIGTERM');
    expect(res.output).toContain('started');
    expect(isAlive(grandchild)).toBe(false);
  });

  it('kills processes that ignore SIGTERM after the grace period', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    const script = `trap '' TERM; sh -c "trap '' TERM; sleep 300" & echo $! > ${pidFile}; while :; do sleep 1; done`;
    const res = await runProcess(['sh', '-c', script], { cwd: dir, timeoutMs: 300, killGraceMs: 300 });
    expect(res.timedOut).toBe(true);
    expect(res.signal).toBe('SIGKILL');
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('reaps background leftovers when the command exits instead of waiting for them', async () => {
    const pidFile = join(dir, 'leftover.pid');
    const res = await runProcess(['sh', '-c', `sleep 300 & echo $! > ${pidFile}; echo bye`], { cwd: dir });
    expect(res.exitCode).toBe(0);
    expect(res.output).toBe('bye\n');
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('kills the tree when the abort signal fires and reports cancelled', async () => {
    const pidFile = join(dir, 'abort.pid');
    const ac = new AbortController();
    const running = runProcess(['sh', '-c', treeScript(pidFile)], { cwd: dir, signal: ac.signal });
    const grandchild = Number(await waitForFile(pidFile));
    expect(isAlive(grandchild)).toBe(true);
    ac.abort();
    const res = await running;
    expect(res.cancelled).toBe(true);
    expect(res.timedOut).toBe(false);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('caps huge output to head + tail with a marker and counts every byte', async () => {
    // 200,000 numbered lines of 8 bytes: 1.6 MB through a 1 KiB head and 2 KiB tail.
    const script =
      'let s="";for(let i=0;i<200000;i++){s+=String(i).padStart(7,"0")+"\\n";if(s.length>65536){process.stdout.write(s);s=""}}process.stdout.write(s)';
    const full = join(dir, 'full.log');
    const res = await runProcess([process.execPath, '-e', script], {
      cwd: dir,
      cap: { headBytes: 1024, tailBytes: 2048 },
      fullOutputPath: full,
    });
    expect(res.exitCode).toBe(0);
    expect(res.outputBytes).toBe(1_600_000);
    expect(res.truncated).toBe(true);
    expect(res.output.startsWith('0000000\n0000001\n')).toBe(true);
    expect(res.output.endsWith('0199998\n0199999\n')).toBe(true);
    expect(res.output).toContain(`\n… [${1_600_000 - 1024 - 2048} bytes truncated] …\n`);
    expect(Buffer.byteLength(res.output)).toBeLessThan(1024 + 2048 + 100);
    expect(readFileSync(full).length).toBe(1_600_000);
  });

  it('calls heartbeat with progress while running', async () => {
    const beats: { lines: number; lastLine?: string }[] = [];
    const res = await runProcess(['sh', '-c', 'echo one; echo two; sleep 0.5; echo three'], {
      cwd: dir,
      heartbeat: (p) => beats.push(p),
      heartbeatMs: 100,
    });
    expect(res.exitCode).toBe(0);
    expect(beats.length).toBeGreaterThan(1);
    expect(beats.some((b) => b.lastLine === 'two' && b.lines === 2)).toBe(true);
  });

  it('rejects with ProcessStartError for a missing program', async () => {
    const err = await runProcess(['switchyard-no-such-binary'], { cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessStartError);
    expect((err as ProcessStartError).code).toBe('ENOENT');
    expect((err as Error).message).toContain('switchyard-no-such-binary');
  });

  it('rejects with ProcessStartError for a file that is not executable', async () => {
    const script = join(dir, 'not-exec.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    await chmod(script, 0o644);
    const err = await runProcess([script], { cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessStartError);
    expect((err as ProcessStartError).code).toBe('EACCES');
  });

  it('rejects with ProcessStartError for a missing working directory', async () => {
    const err = await runProcess(['true'], { cwd: join(dir, 'nope') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProcessStartError);
    expect((err as Error).message).toContain(join(dir, 'nope'));
  });
});

describe('runActivityProcess', () => {
  it('heartbeats { phase, lines, lastLine } through the activity context', async () => {
    const env = mockActivityEnv();
    const beats: ActivityProgress[] = [];
    env.on('heartbeat', (d: ActivityProgress) => beats.push(d));
    const res = await runIn(env, () =>
      runActivityProcess(['sh', '-c', 'echo first; sleep 0.3'], { cwd: dir, phase: 'tests', heartbeatMs: 50 }),
    );
    expect(res.exitCode).toBe(0);
    expect(beats).toContainEqual({ phase: 'tests', lines: 1, lastLine: 'first' });
  });

  it('on activity cancellation kills the tree and throws the cancellation', async () => {
    const env = mockActivityEnv();
    const pidFile = join(dir, 'cancel.pid');
    const running = runIn(env, () =>
      runActivityProcess(['sh', '-c', treeScript(pidFile)], { cwd: dir, phase: 'tests' }),
    );
    const grandchild = Number(await waitForFile(pidFile));
    expect(isAlive(grandchild)).toBe(true);
    env.cancel();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(isAlive(grandchild)).toBe(false);
  });

  it('runs cleanup commands even after cancellation when not cancellable', async () => {
    const env = mockActivityEnv();
    env.cancel();
    const res = await runIn(env, () =>
      runActivityProcess(['echo', 'cleanup'], { cwd: dir, phase: 'cleanup', cancellable: false }),
    );
    expect(res.output).toBe('cleanup\n');
  });
});

/**
 * A "worker" in its own Node process (the built modules): it configures process records in
 * `dataDir`, starts a tree through runProcess plus one marked process it never registers (the race
 * of dying between spawn and registration), prints what it started, and waits to be killed.
 */
const processModule = join(PROJECT_ROOT, 'dist', 'activities', 'process.js');
const guardModule = join(PROJECT_ROOT, 'dist', 'activities', 'process-guard.js');
const ownershipModule = join(PROJECT_ROOT, 'dist', 'activities', 'ownership.js');
const workerScript = `
  const { configureProcessRecords, runProcess } = await import(${JSON.stringify(processModule)});
  const { watchdogPid, ownerMarker } = await import(${JSON.stringify(guardModule)});
  const { spawn } = await import('node:child_process');
  const { existsSync, readFileSync } = await import('node:fs');
  const dataDir = process.env.DATA_DIR;
  configureProcessRecords(dataDir);
  const pidFile = dataDir + '/tree.pid';
  void runProcess(['sh', '-c', 'sleep 300 & echo $! > ' + pidFile + '.tmp; mv ' + pidFile + '.tmp ' + pidFile + '; wait'],
    { cwd: dataDir });
  const [name, value] = ownerMarker().split('=');
  const unregistered = spawn('sleep', ['300'], { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, [name]: value } });
  while (!existsSync(pidFile)) await new Promise((r) => setTimeout(r, 20));
  console.log(JSON.stringify({ grandchild: Number(readFileSync(pidFile, 'utf8')), unregistered: unregistered.pid, watchdog: watchdogPid() }));
  setInterval(() => {}, 1000);
`;

async function startFakeWorker(dataDir: string) {
  for (const m of [processModule, guardModule, ownershipModule])
    if (!existsSync(m)) throw new Error(`${m} is missing: run npm run build`);
  const child = spawn(process.execPath, ['--input-type=module', '-e', workerScript], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake worker exited early (${code})`)));
  });
  const pids = JSON.parse(first) as { grandchild: number; unregistered: number; watchdog: number };
  const exited = new Promise((r) => child.once('exit', r));
  return { child, pids, owner: { pid: child.pid!, startTime: processStartTime(child.pid!)! }, exited };
}

async function waitUntil(what: string, cond: () => boolean, ms = 10_000): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`gave up waiting: ${what}`);
    await delay(50);
  }
  return Date.now() - t0;
}

describe('processes bound to their worker', () => {
  it('a SIGKILLed worker takes every group it started down within seconds, unregistered ones included', async () => {
    const dataDir = tempDir('watchdog');
    try {
      const w = await startFakeWorker(dataDir);
      // The owner file and one group record, both carrying the worker's pid and start time. The group
      // record is written without blocking (the watchdog already knows the group), so it may land later.
      const tag = `o${w.owner.pid}-${w.owner.startTime}_`;
      const owned = () => readdirSync(join(dataDir, 'procs')).filter((n) => n.startsWith(tag));
      await waitUntil('the group record', () => owned().length === 2);
      expect(owned().sort()).toEqual([expect.stringMatching(/_g\d+-\d+\.json$/), `${tag}worker.json`]);
      expect(isAlive(w.pids.grandchild) && isAlive(w.pids.unregistered)).toBe(true);
      w.child.kill('SIGKILL');
      await w.exited;
      const took = await waitUntil(
        'the worker’s processes to end',
        () => !isAlive(w.pids.grandchild) && !isAlive(w.pids.unregistered) && !isAlive(w.pids.watchdog),
      );
      expect(took).toBeLessThan(5_000);
      expect(readFileSync(join(dataDir, 'procs', 'watchdog.log'), 'utf8')).toMatch(/SIGTERM to [2-9] processes/);
    } finally {
      removeAll([dataDir]);
    }
  });

  it('the next worker reaps what a crashed one left (watchdog lost too) and leaves a live owner alone', async () => {
    const dataDir = tempDir('reaper');
    const live = await startFakeWorker(tempDir('reaper-live'));
    try {
      const dead = await startFakeWorker(dataDir);
      const deadTag = `o${dead.owner.pid}-${dead.owner.startTime}`;
      const liveTag = `o${live.owner.pid}-${live.owner.startTime}`;
      // Losing the watchdog with the worker (a whole-tree SIGKILL) leaves the processes running.
      process.kill(dead.pids.watchdog, 'SIGKILL');
      await waitUntil('the watchdog to die', () => !isAlive(dead.pids.watchdog));
      dead.child.kill('SIGKILL');
      await dead.exited;
      await delay(300);
      expect(isAlive(dead.pids.grandchild) && isAlive(dead.pids.unregistered)).toBe(true);

      for (const tag of [deadTag, liveTag]) {
        mkdirSync(join(dataDir, 'worktrees', `${tag}_repo-task-1-analyst-1-abcd`), { recursive: true });
        writeFileSync(join(dataDir, 'worktrees', `${tag}_repo-task-1-analyst-1-abcd`, 'file'), 'x');
        mkdirSync(join(dataDir, 'spool'), { recursive: true });
        writeFileSync(join(dataDir, 'spool', `${tag}_task-1_1-transcript-abcd.log`), 'x');
      }
      writeFileSync(join(dataDir, 'spool', 'untagged.log'), 'x');
      const messages: string[] = [];
      const report = await reapDeadOwners(dataDir, { log: (m) => messages.push(m) });

      expect(report).toEqual({ owners: [deadTag], processes: 3, worktrees: 1, spoolFiles: 1 });
      expect(isAlive(dead.pids.grandchild) || isAlive(dead.pids.unregistered)).toBe(false);
      expect(isAlive(live.pids.grandchild) && isAlive(live.pids.unregistered)).toBe(true);
      expect(readdirSync(join(dataDir, 'worktrees'))).toEqual([`${liveTag}_repo-task-1-analyst-1-abcd`]);
      expect(readdirSync(join(dataDir, 'spool')).sort()).toEqual([
        `${liveTag}_task-1_1-transcript-abcd.log`,
        'untagged.log',
      ]);
      expect(readdirSync(join(dataDir, 'procs')).filter((n) => n.startsWith(deadTag))).toEqual([]);
      expect(messages).toEqual([
        `reaped what stopped workers left (${deadTag}): 3 processes, 1 worktrees, 1 spool files`,
      ]);
      // Nothing left to do the second time.
      expect((await reapDeadOwners(dataDir)).owners).toEqual([]);
    } finally {
      live.child.kill('SIGKILL');
      await live.exited;
      await waitUntil('the live worker’s processes to end', () => !isAlive(live.pids.grandchild));
      removeAll([dataDir]);
    }
  });
});
