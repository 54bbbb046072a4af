/** The test sshd itself: key login works, the pinned host key is enforced, and stop/start is real. */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromTerminal, sshArgv } from '../../activities/ssh-command.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

let sshd: TestSshd;
beforeAll(async () => {
  sshd = await startSshd();
}, 60_000);
afterAll(() => sshd?.close());

const ssh = async (remote: string, knownHostsFile = sshd.knownHostsFile) => {
  const r = await execa('ssh', sshArgv({ ...sshd, knownHostsFile, connectTimeoutSec: 5 }, remote), { reject: false });
  return { exitCode: r.exitCode, stdout: fromTerminal(r.stdout).trim(), stderr: fromTerminal(r.stderr) };
};

describe('test sshd', () => {
  it('runs a command for the authorized key', async () => {
    const r = await ssh('echo "$((6 * 7))"');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('42');
    expect(r.exitCode).toBe(0);
  });

  it('refuses a host whose key is not the pinned one', async () => {
    const r = await ssh('true', sshd.wrongKnownHostsFile);
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toContain('Host key verification failed');
  });

  it('refuses connections while stopped and serves again after start', async () => {
    await sshd.stop();
    const down = await ssh('true');
    expect(down.exitCode).toBe(255);
    expect(down.stderr).toMatch(/Connection refused/);
    await sshd.start();
    const up = await ssh('echo back');
    expect(up.stdout).toBe('back');
  }, 60_000);
});
