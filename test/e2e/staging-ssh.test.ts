/**
 * deploy-staging over ssh end to end: the built CLI and a real worker process, a real OpenSSH server
 * on loopback (test/helpers/sshd.ts), real git repos and test runs, the fake agent. One worker and one
 * sshd serve every scenario; each task names its own staging target.
 */
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../worker/pid.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { recordE2eHistory } from '../replay/record.js';

let env: E2eEnv;
let sshd: TestSshd;
let bin: string;

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const script = (name: string, body: string) =>
  writeFile(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 }).then(() => join(bin, name));

/** Local ssh processes talking to this test's sshd. */
async function localSshProcesses(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const argv = cmdline.split('\0');
    if (argv[0] === 'ssh' && argv.includes(String(sshd.port))) pids.push(Number(entry));
  }
  return pids;
}

async function submit(id: string, target: string, body = 'Fix the greeting.'): Promise<void> {
  const task = await env.writeTask(id, body, { staging: target });
  const r = await env.cli(['submit', task]);
  expect(r.exitCode, r.stderr).toBe(0);
}

const MARKER = () => join(sshd.dir, 'PWNED');

beforeAll(async () => {
  sshd = await startSshd();
  env = await e2eEnv('staging-ssh');
  bin = join(sshd.dir, 'bin');
  await mkdir(bin);
  const check = await script(
    'deploy-check',
    `echo "$1 $2" > ${sshd.dir}/seen-$3\necho "deployed $1 to staging"\nexit 0`,
  );
  const flaky = await script(
    'flaky-check',
    `if [ ! -f ${sshd.dir}/failed-$1 ]; then touch ${sshd.dir}/failed-$1; echo "GET /greet: health check failed: 503"; exit 3; fi\necho ok`,
  );
  const hang = await script('hang-check', `echo $$ > ${sshd.dir}/hang-$1.pid\nexec sleep 300`);
  const printArgs = await script('print-args', `for a in "$@"; do printf '%s\\0' "$a"; done > ${sshd.dir}/args`);
  const ssh = (name: string, command: string[], extra: Record<string, unknown> = {}) => [
    `  ${name}:`,
    '    transport: ssh',
    `    host: ${sshd.host}`,
    `    port: ${sshd.port}`,
    `    user: ${sshd.user}`,
    `    identityFile: ${JSON.stringify(sshd.identityFile)}`,
    `    knownHostsFile: ${JSON.stringify((extra.knownHostsFile as string | undefined) ?? sshd.knownHostsFile)}`,
    `    command: ${JSON.stringify(command)}`,
    '    connectTimeoutSec: 5',
    ...Object.entries(extra)
      .filter(([k]) => k !== 'knownHostsFile')
      .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
  ];
  await appendFile(
    env.configPath,
    [
      'staging:',
      ...ssh('ok', [check, '{commit}', '{branch}', '{taskId}']),
      ...ssh('flaky', [flaky, '{taskId}']),
      ...ssh('missing', [join(bin, 'not-installed-yet'), '{commit}']),
      ...ssh('down', [check, '{commit}', '{branch}', '{taskId}'], { retries: 2 }),
      ...ssh('wrong-host-key', [check, '{commit}', '{branch}', '{taskId}'], {
        knownHostsFile: sshd.wrongKnownHostsFile,
      }),
      ...ssh('hangs', [hang, '{taskId}'], { timeoutSec: 3 }),
      ...ssh('long', [hang, '{taskId}'], { timeoutSec: 300 }),
      ...ssh('hostile', [
        printArgs,
        `a;touch ${MARKER()}`,
        `$(touch ${MARKER()})`,
        `\`touch ${MARKER()}\``,
        `it's "quoted"`,
        `two\nlines`,
        '-n',
        '{branch}',
      ]),
      '',
    ].join('\n'),
  );
  await env.startWorker();
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await sshd?.close();
});

describe('deploy-staging over ssh', () => {
  it('1. the check passes → done, and the host saw exactly the tested commit and branch', async () => {
    await submit('ssh-pass', 'ok');
    const done = await env.waitForState('ssh-pass', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    expect(await readFile(join(sshd.dir, 'seen-ssh-pass'), 'utf8')).toBe(`${done.commit} switchyard/ssh-pass\n`);
    expect(done.lastStaging).toMatchObject({
      outcomeClass: 'passed',
      transport: 'ssh',
      host: `${sshd.user}@127.0.0.1:${sshd.port}`,
      target: 'ok',
      commit: done.commit,
    });
    expect(done.lastStaging?.output).toContain(`deployed ${done.commit} to staging`);
    const logs = await env.cli(['logs', 'ssh-pass', '--stage', 'deploy-staging']);
    expect(logs.stdout).toContain(`deployed ${done.commit} to staging`);
    const shown = await env.cli(['status', 'ssh-pass']);
    expect(shown.stdout).toMatch(
      new RegExp(`staging +passed on ok \\(${sshd.user}@127\\.0\\.0\\.1:${sshd.port} over ssh`),
    );
  });

  it('2. the check fails once → development again with the staging report in its prompt → passes → done', async () => {
    const prompts = join(env.dir, 'prompts-flaky');
    await mkdir(prompts);
    await submit('ssh-flaky', 'flaky', `Fix the greeting.\n\nfake-agent: save-prompts ${prompts}`);
    const done = await env.waitForState('ssh-flaky', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    expect(done.attempts).toMatchObject({ development: 2, 'deploy-staging': 2 });
    expect(done.transitions.map((t) => `${t.from}>${t.to}`)).toContain('deploy-staging>development');
    const second = await readFile(join(prompts, 'developer-2.md'), 'utf8');
    expect(second).toContain('health check failed: 503');
  });

  it('3. the remote command is missing → hold naming it → installed → resume → done', async () => {
    await submit('ssh-missing', 'missing');
    const held = await env.waitForState('ssh-missing', ['hold', 'done', 'failed']);
    expect(held.state).toBe('hold');
    expect(held.heldStage).toBe('deploy-staging');
    expect(held.holdReason).toMatch(
      /staging target missing .*environment problem: .*not-installed-yet.*\[env-permanent\]$/,
    );
    expect(held.lastStaging?.outcomeClass).toBe('env-permanent');
    expect(held.attempts.development).toBe(1);

    await script('not-installed-yet', 'echo "installed now: $1"');
    const resumed = await env.cli(['resume', 'ssh-missing', '--note', 'installed the check']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const done = await env.waitForState('ssh-missing', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    expect(done.attempts).toMatchObject({ development: 1, 'deploy-staging': 2 });
    await recordE2eHistory(env.env.TEMPORAL_ADDRESS, 'task-ssh-missing', 'e2e-ssh-hold-resume');
  });

  it('4. sshd stopped → transient retries → hold → sshd started → resume → done', async () => {
    await sshd.stop();
    try {
      await submit('ssh-down', 'down');
      const held = await env.waitForState('ssh-down', ['hold', 'done', 'failed'], 120_000);
      expect(held.state).toBe('hold');
      expect(held.holdReason).toMatch(/staging target down .*unreachable after 3 attempts: .*Connection refused/);
      expect(held.lastStaging?.outcomeClass).toBe('transient');
    } finally {
      await sshd.start();
    }
    expect((await env.cli(['resume', 'ssh-down'])).exitCode).toBe(0);
    const done = await env.waitForState('ssh-down', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    expect(existsSync(join(sshd.dir, 'seen-ssh-down'))).toBe(true);
  });

  it('5. a wrong pinned host key → hold with "host key verification failed", nothing ran on the host', async () => {
    await submit('ssh-wrong-key', 'wrong-host-key');
    const held = await env.waitForState('ssh-wrong-key', ['hold', 'done', 'failed']);
    expect(held.state).toBe('hold');
    expect(held.holdReason).toMatch(/host key verification failed/i);
    expect(held.attempts['deploy-staging']).toBe(1);
    expect(existsSync(join(sshd.dir, 'seen-ssh-wrong-key'))).toBe(false);
    expect((await env.cli(['resume', 'ssh-wrong-key', '--abort'])).exitCode).toBe(0);
    expect((await env.waitForState('ssh-wrong-key', ['failed'])).state).toBe('failed');
  });

  it('6. the check hangs → hold after the timeout (never development again), nothing left on the host', async () => {
    await submit('ssh-hangs', 'hangs');
    const held = await env.waitForState('ssh-hangs', ['hold', 'done', 'failed']);
    expect(held.state).toBe('hold');
    expect(held.holdReason).toContain('staging check timed out after 3 s [timeout]');
    expect(held.lastStaging?.outcomeClass).toBe('timeout');
    expect(held.attempts.development).toBe(1);
    const pid = Number(await readFile(join(sshd.dir, 'hang-ssh-hangs.pid'), 'utf8'));
    await waitFor(() => !isAlive(pid), 'the hung check to be gone from the host', 20_000);
    expect(await localSshProcesses()).toEqual([]);
    await env.cli(['cancel', 'ssh-hangs']);
  });

  it('7. cancel during a long check kills the local ssh and the remote command', async () => {
    await submit('ssh-long', 'long');
    const pidFile = join(sshd.dir, 'hang-ssh-long.pid');
    await waitFor(() => existsSync(pidFile), 'the long check to start on the host', 90_000);
    const remote = Number(await readFile(pidFile, 'utf8'));
    expect(isAlive(remote)).toBe(true);
    expect((await localSshProcesses()).length).toBeGreaterThan(0);

    const cancelled = await env.cli(['cancel', 'ssh-long']);
    expect(cancelled.exitCode, cancelled.stderr).toBe(0);
    const s = await env.waitForState('ssh-long', ['cancelled']);
    expect(s.stage).toBe('deploy-staging');
    await waitFor(() => !isAlive(remote), 'the remote check to die', 20_000);
    await waitFor(async () => (await localSshProcesses()).length === 0, 'the local ssh to die', 20_000);
  });

  it('8. hostile argv words reach the remote command as single literal words; nothing extra runs', async () => {
    await submit('ssh-hostile', 'hostile');
    const done = await env.waitForState('ssh-hostile', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    const args = (await readFile(join(sshd.dir, 'args'), 'utf8')).split('\0').slice(0, -1);
    expect(args).toEqual([
      `a;touch ${MARKER()}`,
      `$(touch ${MARKER()})`,
      `\`touch ${MARKER()}\``,
      `it's "quoted"`,
      'two\nlines',
      '-n',
      'switchyard/ssh-hostile',
    ]);
    expect(existsSync(MARKER())).toBe(false);
  });
});
