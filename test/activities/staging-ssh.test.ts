/** runSshCheck against a real sshd: each outcome class, the retry budget, placeholders and redaction. */
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSshCheck, type SshStagingTarget } from '../../activities/staging-ssh.js';
import type { PlaceholderValues } from '../../activities/placeholders.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { mockActivityEnv, runIn } from './fixtures.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const values: PlaceholderValues = {
  commit: COMMIT,
  branch: 'switchyard/ship-it',
  taskId: 'ship-it',
  repo: 'app',
  repoUrl: 'https://git.example.com/app.git',
};

let sshd: TestSshd;
let check: string;
const target = (over: Partial<SshStagingTarget> = {}): SshStagingTarget => ({
  ...sshd,
  connectTimeoutSec: 5,
  command: [check, '{commit}', '{taskId}'],
  timeoutSec: 30,
  retries: 2,
  ...over,
});
const run = (t: SshStagingTarget, attempt = 1, v = values) =>
  runIn(mockActivityEnv(), () => runSshCheck(t, { name: 'web', values: v, attempt }));
const failureOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
};

function safeStat(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}

beforeAll(async () => {
  sshd = await startSshd();
  check = path.join(sshd.dir, 'check');
  fs.writeFileSync(
    check,
    `#!/bin/sh\necho "deploying $1 for $2" > ${sshd.dir}/seen\necho "checking $1"\n[ -f ${sshd.dir}/broken ] && { echo "health check failed: 503"; exit 3; }\nexit 0\n`,
    { mode: 0o755 },
  );
}, 60_000);
afterAll(() => sshd?.close());

describe('runSshCheck', () => {
  it('passes, and the host saw exactly the commit', async () => {
    const r = await run(target());
    expect(r.outcome).toEqual({ kind: 'passed' });
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe(`checking ${COMMIT}\n`);
    expect(fs.readFileSync(path.join(sshd.dir, 'seen'), 'utf8')).toBe(`deploying ${COMMIT} for ship-it\n`);
  });

  it('fails with the first useful line when the check itself fails', async () => {
    fs.writeFileSync(path.join(sshd.dir, 'broken'), '');
    try {
      const r = await run(target());
      expect(r.outcome).toEqual({ kind: 'failed', exitCode: 3 });
      expect(r.reason).toBe(
        `staging target web (${sshd.user}@127.0.0.1:${sshd.port}): the check failed (exit 3): checking ${COMMIT}`,
      );
    } finally {
      fs.rmSync(path.join(sshd.dir, 'broken'));
    }
  });

  it('is an environment problem when the command is missing on the host', async () => {
    const r = await run(target({ command: [path.join(sshd.dir, 'not-installed')] }));
    expect(r.outcome.kind).toBe('env-permanent');
    expect(r.reason).toMatch(/environment problem: .*not-installed.*No such file or directory/);
  });

  it('is an environment problem when the pinned host key does not match', async () => {
    const r = await run(target({ knownHostsFile: sshd.wrongKnownHostsFile }));
    expect(r.outcome).toEqual({ kind: 'env-permanent', reason: 'Host key verification failed.' });
  });

  it('holds on a hang: the timeout class, never a failure of the code', async () => {
    const r = await run(target({ command: ['sleep', '60'], timeoutSec: 1 }));
    expect(r.outcome).toEqual({ kind: 'timeout' });
    expect(r.reason).toContain('staging check timed out after 1 s');
  }, 30_000);

  it('throws StagingTransient while retries remain, then returns the transient class', async () => {
    await sshd.stop();
    try {
      const f = await failureOf(run(target({ retries: 2 }), 2));
      expect(f.type).toBe('StagingTransient');
      expect(f.nonRetryable).toBe(false);
      expect(f.message).toContain('Connection refused');
      const last = await run(target({ retries: 2 }), 3);
      expect(last.outcome.kind).toBe('transient');
      expect(last.reason).toContain('unreachable after 3 attempts');
    } finally {
      await sshd.start();
    }
  }, 30_000);

  it('a check that prints ssh-like errors and exits 255 is a failed check, not a connection problem', async () => {
    const r = await run(
      target({ command: ['sh', '-c', 'echo "ssh: connect to host x port 22: Connection refused" >&2; exit 255'] }),
    );
    expect(r.outcome).toEqual({ kind: 'failed', exitCode: 255 });
  });

  it('a host that drops the session mid-check is transient (retried), never a failure of the code', async () => {
    const pidFile = path.join(sshd.dir, 'drop.pid');
    const pending = failureOf(run(target({ command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`] })));
    const deadline = Date.now() + 20_000;
    while (!fs.existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // The per-connection sshd processes are the listener's children: killing them drops the session.
    const listener = fs.readFileSync(path.join(sshd.dir, 'sshd.pid'), 'utf8').trim();
    for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      const stat = safeStat(entry);
      if (stat.split(') ')[1]?.split(' ')[1] === listener) process.kill(Number(entry), 'SIGKILL');
    }
    const f = await pending;
    expect(f.type).toBe('StagingTransient');
    expect(f.message).toMatch(/closed by remote host/);
  }, 30_000);

  it('refuses a placeholder value that breaks its grammar before connecting', async () => {
    const seen = path.join(sshd.dir, 'seen');
    fs.rmSync(seen, { force: true });
    const f = await failureOf(run(target(), 1, { ...values, commit: `${COMMIT.slice(0, 39)}$(id)` }));
    expect(f.type).toBe('ConfigInvalid');
    expect(f.message).toContain('placeholder {commit}');
    expect(fs.existsSync(seen)).toBe(false);
  });

  it('redacts secrets the host prints', async () => {
    const token = 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const r = await run(target({ command: ['echo', `token=${token}`] }));
    expect(r.output).not.toContain(token);
    expect(r.output).toContain('token=');
  });
});
