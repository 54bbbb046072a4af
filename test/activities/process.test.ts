import { existsSync, readFileSync } from 'node:fs';
import { writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessStartError } from '../../activities/errors.js';
import { runActivityProcess, runProcess, type ActivityProgress } from '../../activities/process.js';
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
