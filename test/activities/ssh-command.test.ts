/**
 * The remote command string against a real sshd: hostile words arrive as single literal words, a
 * missing command is told apart from a failing one, and the remote timeout ends a hang on the host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySsh, fromTerminal, remoteCommand, sshArgv, type SshTarget } from '../../activities/ssh-command.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

let sshd: TestSshd;
let target: SshTarget;
beforeAll(async () => {
  sshd = await startSshd();
  target = { ...sshd, connectTimeoutSec: 5 };
}, 60_000);
afterAll(() => sshd?.close());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ssh = (argv: string[], timeoutSec = 30) =>
  execa('ssh', sshArgv(target, remoteCommand(argv, timeoutSec)), { reject: false });

describe('remote command over a real sshd', () => {
  it('delivers every word literally: nothing extra runs', async () => {
    const marker = path.join(sshd.dir, 'pwned');
    const out = path.join(sshd.dir, 'args');
    const script = path.join(sshd.dir, 'print-args');
    fs.writeFileSync(script, `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done > ${out}\n`, { mode: 0o755 });
    const hostile = [
      '-rf',
      `; touch ${marker}`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `' ; touch ${marker} ; '`,
      `" ; touch ${marker} ; "`,
      `a\ntouch ${marker}`,
      '$HOME',
      '*',
      '',
      '--',
    ];
    const r = await ssh([script, ...hostile]);
    expect(r.exitCode).toBe(0);
    expect(fromTerminal(r.stdout)).toBe('');
    expect(fs.readFileSync(out, 'utf8').split('\0').slice(0, -1)).toEqual(hostile);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('tells a missing command (127) from a failing one', async () => {
    const missing = await ssh([path.join(sshd.dir, 'no-such-check')]);
    expect(missing.exitCode).toBe(127);
    expect(classifySsh(missing.exitCode ?? null, missing.stderr).kind).toBe('env-permanent');
    const failing = await ssh(['sh', '-c', 'echo broken >&2; exit 3']);
    expect(classifySsh(failing.exitCode ?? null, failing.stderr)).toEqual({ kind: 'failed', exitCode: 3 });
  });

  it('ends a hang on the host with the remote timeout (124) and leaves nothing running', async () => {
    const pidFile = path.join(sshd.dir, 'hang.pid');
    const r = await ssh(['sh', '-c', `echo $$ > ${pidFile}; exec sleep 600`], 1);
    expect(classifySsh(r.exitCode ?? null, r.stderr).kind).toBe('timeout');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(false);
  }, 30_000);

  it('hangs up the remote command when the local ssh is killed', async () => {
    const pidFile = path.join(sshd.dir, 'cancel.pid');
    const child = execa(
      'ssh',
      sshArgv(target, remoteCommand(['sh', '-c', `echo $$ > ${pidFile}; exec sleep 600`], 600)),
      {
        reject: false,
      },
    );
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'));
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    child.kill('SIGKILL');
    await child;
    await waitFor(() => !alive(pid));
  }, 30_000);

  it('is a permanent environment problem when the pinned host key does not match', async () => {
    const marker = path.join(sshd.dir, 'ran');
    const r = await execa(
      'ssh',
      sshArgv({ ...target, knownHostsFile: sshd.wrongKnownHostsFile }, remoteCommand(['touch', marker], 10)),
      { reject: false },
    );
    expect(classifySsh(r.exitCode ?? null, r.stderr)).toEqual({
      kind: 'env-permanent',
      reason: expect.stringContaining('Host key verification failed'),
    });
    expect(fs.existsSync(marker)).toBe(false);
  });
});
