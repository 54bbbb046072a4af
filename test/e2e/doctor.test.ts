/**
 * `switchyard doctor` through the built CLI against real parts: the harness's Temporal dev server (with
 * our search attributes), a real store, real git repos, a real sshd on loopback, the fake job platform
 * over HTTP. A good config passes every check; a broken one fails each check it breaks, naming the
 * thing and the fix, and exits 1.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeGreetRepo } from '../helpers/e2e.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { temporalAddress } from '../helpers/temporal.js';
import { startFakePlatform, type FakePlatform } from '../fakes/job-platform.js';

const TOKEN = `doctor-token-${'d'.repeat(20)}`;
let dir: string;
let repo: string;
let sshd: TestSshd;
let db: TestStore;
let platform: FakePlatform;
let codex: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-doctor-e2e-'));
  repo = await makeGreetRepo(join(dir, 'repo'));
  [sshd, db, platform] = await Promise.all([startSshd(), startTestStore(), startFakePlatform({ token: TOKEN })]);
  codex = join(dir, 'codex');
  await writeFile(codex, '#!/bin/sh\necho "codex-cli 0.169.0"\n', { mode: 0o755 });
  await mkdir(join(dir, 'codex-home'));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([sshd?.close(), db?.stop(), platform?.close()]);
  await rm(dir, { recursive: true, force: true });
});

function config(broken: boolean): string {
  const b = <T>(good: T, bad: T) => (broken ? bad : good);
  return [
    `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
    'repos:',
    '  app:',
    `    url: ${JSON.stringify(b(repo, join(dir, 'no-such-repo')))}`,
    `    testCommand: ${JSON.stringify(b(['node', '--test'], ['no-such-test-runner', 'run']))}`,
    '  other:',
    `    url: ${JSON.stringify(repo)}`,
    `    base: ${b('main', 'trunk')}`,
    '    testCommand: ["./gradlew", "test"]',
    'staging:',
    '  web:',
    '    transport: ssh',
    `    host: ${sshd.host}`,
    `    port: ${sshd.port}`,
    `    user: ${sshd.user}`,
    `    identityFile: ${JSON.stringify(sshd.identityFile)}`,
    `    knownHostsFile: ${JSON.stringify(b(sshd.knownHostsFile, sshd.wrongKnownHostsFile))}`,
    '    command: ["deploy", "{commit}"]',
    '    connectTimeoutSec: 5',
    'providers:',
    '  codex:',
    '    kind: codex',
    `    binary: ${JSON.stringify(b(codex, join(dir, 'no-such-codex')))}`,
    `    accounts: [{ name: team, env: { CODEX_HOME: ${JSON.stringify(join(dir, b('codex-home', 'gone')))}, OPENAI_API_KEY: $DOCTOR_KEY } }]`,
    '  gpu: { kind: delegated, target: gpu }',
    'routing: { default: codex }',
    `delegation: { url: ${JSON.stringify(platform.url)}, tokenEnv: DOCTOR_PLATFORM_TOKEN }`,
    '',
  ].join('\n');
}

async function doctor(broken: boolean, env: Record<string, string>) {
  const file = join(dir, broken ? 'broken.yaml' : 'good.yaml');
  await writeFile(file, config(broken));
  const r = await execa('node', [CLI, 'doctor', '--config', file], {
    cwd: dir,
    reject: false,
    env: { PATH: process.env.PATH!, HOME: dir, ...env },
    extendEnv: false,
  });
  return { code: r.exitCode, out: `${r.stdout}${r.stderr}` };
}

describe('switchyard doctor', () => {
  it('passes every check of a good config, exit 0', async () => {
    const r = await doctor(false, {
      TEMPORAL_ADDRESS: temporalAddress(),
      DATABASE_URL: db.url,
      DOCTOR_KEY: 'sk-test-key',
      DOCTOR_PLATFORM_TOKEN: TOKEN,
    });
    expect(r.code, r.out).toBe(0);
    for (const line of [
      `PASS temporal: ${temporalAddress()} (namespace default) reachable`,
      'PASS temporal: search attributes registered',
      'PASS store: ',
      'PASS store: migrated (',
      `PASS repos: app: ${repo} has main`,
      'PASS tests: app: node is ',
      "SKIP tests: other: ./gradlew is the repo's own",
      `PASS staging: web: ${sshd.user}@${sshd.host}:${sshd.port} accepts the key; host key pinned`,
      `PASS agents: codex (codex): ${codex}: 0.169.0 (tested)`,
      `PASS agents: codex/team CODEX_HOME: ${join(dir, 'codex-home')}`,
      'PASS agents: codex/team OPENAI_API_KEY: $DOCTOR_KEY is set',
      `PASS delegation: ${platform.url} answers and takes the token in DOCTOR_PLATFORM_TOKEN`,
    ])
      expect(r.out).toContain(line);
    expect(r.out).not.toMatch(/^FAIL/m);
    expect(r.out).toMatch(/All \d+ checks passed\./);
  });

  it('fails each broken check with what and the fix, after running all of them, exit 1', async () => {
    const r = await doctor(true, {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      DATABASE_URL: 'postgres://doctor:secret@127.0.0.1:1/none',
      DOCTOR_PLATFORM_TOKEN: `wrong-${'w'.repeat(20)}`,
    });
    expect(r.code).toBe(1);
    const failures = r.out.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failures).toEqual([
      expect.stringMatching(/^FAIL temporal: cannot reach 127\.0\.0\.1:1 \(namespace default\): /),
      expect.stringMatching(/^FAIL store: cannot reach postgres:\/\/\*\*\*@127\.0\.0\.1:1\/none: /),
      expect.stringMatching(/^FAIL repos: app: git ls-remote .*no-such-repo failed: /),
      `FAIL repos: other: ${repo} has no branch trunk`,
      'FAIL tests: app: no-such-test-runner is not on PATH',
      expect.stringMatching(new RegExp(`^FAIL staging: web: ssh ${sshd.user}@${sshd.host}:${sshd.port} failed: `)),
      expect.stringMatching(/^FAIL agents: codex \(codex\): .*no-such-codex: MISSING — cannot start .*\(ENOENT\)/),
      `FAIL agents: codex/team CODEX_HOME: ${join(dir, 'gone')} is not a directory`,
      'FAIL agents: codex/team OPENAI_API_KEY: the worker variable DOCTOR_KEY is not set',
      expect.stringMatching(/^FAIL delegation: .* refused the token in DOCTOR_PLATFORM_TOKEN \(401: unauthorized/),
    ]);
    // Every failure says how to fix it; the secrets in the store URL and the token do not show.
    expect(r.out.split('\n').filter((l) => l.startsWith('     fix: ')).length).toBe(failures.length);
    expect(r.out).toContain("fix: the host's key is not the one in");
    expect(r.out).toContain('fix: push trunk, or set repos.other.base');
    expect(r.out).not.toContain('secret');
    expect(r.out).not.toContain('wrong-www');
    expect(r.out).toMatch(/10 of \d+ checks failed/);
  });

  it('refuses a check it does not have, exit 2', async () => {
    await writeFile(join(dir, 'any.yaml'), config(false));
    const r = await execa('node', [CLI, 'doctor', '--config', join(dir, 'any.yaml'), '--check', 'repos,vibes'], {
      cwd: dir,
      reject: false,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      '--check vibes: not a check (checks: temporal, store, repos, tests, staging, agents, delegation)',
    );
  });
});
