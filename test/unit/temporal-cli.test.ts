import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTemporalCli,
  goInstallCommand,
  releaseArchiveUrl,
  temporalCacheDir,
  TEMPORAL_CLI_PACKAGE,
} from '../../worker/temporal-cli.js';

// Fake `go` and fake `temporal` binaries stand in for the multi-minute real build; the code under
// test (lookup order, temp GOBIN + rename, locking, download + extract) runs for real.
const FAKE_TEMPORAL = '#!/bin/sh\necho "temporal version 1.5.1 (fake)"\n';

let realCli: string;
let tmp: string;
beforeAll(async () => {
  realCli = await ensureTemporalCli();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'switchyard-temporal-cli-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

let n = 0;
async function sandbox() {
  const dir = path.join(tmp, `case-${++n}`);
  const bin = path.join(dir, 'bin');
  const cache = path.join(dir, 'cache');
  await fsp.mkdir(bin, { recursive: true });
  const logs: string[] = [];
  // No real `temporal` or `go` is reachable from this environment.
  const env: NodeJS.ProcessEnv = { PATH: bin, HOME: dir, XDG_CACHE_HOME: cache };
  return {
    dir,
    bin,
    cache,
    env,
    logs,
    log: (m: string) => logs.push(m),
    cached: path.join(cache, 'switchyard/bin/temporal'),
  };
}

/** Polls until `cond` holds; the test's own timeout bounds the wait. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

async function writeScript(file: string, body: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, body, { mode: 0o755 });
}

/**
 * A `go` that records how it was called and "builds" a fake temporal into $GOBIN; with `waitFor`,
 * the build lasts until that file exists (the test decides when it ends, not a clock).
 */
async function fakeGo(bin: string, record: string, opts: { fail?: boolean; waitFor?: string } = {}) {
  const product = path.join(path.dirname(bin), 'fake-temporal');
  await writeScript(product, FAKE_TEMPORAL);
  await writeScript(
    path.join(bin, 'go'),
    [
      '#!/bin/sh',
      'export PATH=/usr/bin:/bin',
      `echo "$* GOBIN=$GOBIN" >> ${JSON.stringify(record)}`,
      'echo "go: downloading github.com/temporalio/cli v1.5.1" >&2',
      opts.waitFor ? `while [ ! -e ${JSON.stringify(opts.waitFor)} ]; do sleep 0.05; done` : '',
      opts.fail
        ? 'echo "go: github.com/temporalio/cli@v1.5.1: fake network failure" >&2; exit 1'
        : `cp ${JSON.stringify(product)} "$GOBIN/temporal"`,
    ].join('\n'),
  );
}

describe('where the Temporal CLI is found', () => {
  it('uses TEMPORAL_CLI_PATH when it names a working binary', async () => {
    const s = await sandbox();
    expect(await ensureTemporalCli({ env: { ...s.env, TEMPORAL_CLI_PATH: realCli } })).toBe(realCli);
  });

  it('refuses a TEMPORAL_CLI_PATH that does not work instead of looking elsewhere', async () => {
    const s = await sandbox();
    await writeScript(path.join(s.bin, 'temporal'), FAKE_TEMPORAL);
    const missing = path.join(s.dir, 'nope');
    await expect(ensureTemporalCli({ env: { ...s.env, TEMPORAL_CLI_PATH: missing } })).rejects.toThrow(
      `TEMPORAL_CLI_PATH=${missing} is not a working Temporal CLI: not found`,
    );
    const other = path.join(s.dir, 'other');
    await writeScript(other, '#!/bin/sh\necho "something else 2.0"\n');
    await expect(ensureTemporalCli({ env: { ...s.env, TEMPORAL_CLI_PATH: other } })).rejects.toThrow(
      /is not a working Temporal CLI: unexpected --version output: something else 2\.0/,
    );
  });

  it('finds `temporal` on PATH before the cache', async () => {
    const s = await sandbox();
    await fsp.symlink(realCli, path.join(s.bin, 'temporal'));
    await writeScript(s.cached, FAKE_TEMPORAL);
    expect(await ensureTemporalCli({ env: s.env })).toBe(path.join(s.bin, 'temporal'));
  });

  it('uses the cached copy under XDG_CACHE_HOME, or ~/.cache without it', async () => {
    const s = await sandbox();
    expect(temporalCacheDir(s.env)).toBe(path.join(s.cache, 'switchyard', 'bin'));
    expect(temporalCacheDir({ HOME: '/home/x' })).toBe('/home/x/.cache/switchyard/bin');
    await writeScript(s.cached, FAKE_TEMPORAL);
    expect(await ensureTemporalCli({ env: s.env, log: s.log })).toBe(s.cached);
    expect(s.logs).toEqual([]);
  });
});

describe('installing the Temporal CLI', () => {
  it('assembles the go install command line with a private GOBIN', () => {
    const cmd = goInstallCommand('/usr/local/go/bin/go', '/c/.gobin-x', { PATH: '/bin', GOFLAGS: '-mod=mod' });
    expect(cmd).toEqual({
      command: '/usr/local/go/bin/go',
      args: ['install', 'github.com/temporalio/cli/cmd/temporal@v1.5.1'],
      env: { PATH: '/bin', GOFLAGS: '-mod=mod', GOBIN: '/c/.gobin-x' },
    });
  });

  it('builds with go install into a temp GOBIN, announces it first and moves the binary into the cache', async () => {
    const s = await sandbox();
    const record = path.join(s.dir, 'go-calls');
    await fakeGo(s.bin, record);
    // A broken cached copy is replaced, not trusted.
    await writeScript(s.cached, '#!/bin/sh\nexit 3\n');

    expect(await ensureTemporalCli({ env: s.env, log: s.log })).toBe(s.cached);
    expect(execFileSync(s.cached, ['--version'], { encoding: 'utf8' })).toContain('temporal version 1.5.1 (fake)');

    const [call] = (await fsp.readFile(record, 'utf8')).trim().split('\n');
    const gobin = /GOBIN=(.*)$/.exec(call)![1];
    expect(call).toBe(`install ${TEMPORAL_CLI_PACKAGE}@v1.5.1 GOBIN=${gobin}`);
    expect(path.dirname(gobin)).toBe(path.dirname(s.cached));
    expect(gobin).not.toBe(path.dirname(s.cached));
    expect(fs.existsSync(gobin)).toBe(false);
    expect(await fsp.readdir(path.dirname(s.cached))).toEqual(['temporal']);

    const announce = s.logs.indexOf(
      'Building the Temporal CLI with go install (first time only, takes a few minutes)…',
    );
    const progress = s.logs.findIndex((l) => l.includes('go: downloading github.com/temporalio/cli v1.5.1'));
    expect(announce).toBeGreaterThanOrEqual(0);
    expect(progress).toBeGreaterThan(announce);
  });

  it('runs one build for concurrent callers; the others wait for it', async () => {
    const s = await sandbox();
    const record = path.join(s.dir, 'go-calls');
    const release = path.join(s.dir, 'build-may-finish');
    await fakeGo(s.bin, record, { waitFor: release });
    const waiting = (l: string) =>
      /^Another process \(pid \d+\) is installing the Temporal CLI; waiting for it…$/.test(l);
    const first = ensureTemporalCli({ env: s.env, log: s.log });
    // The others ask while the first one's build is running (it holds the lock), whatever the machine's load.
    await until(() => fs.existsSync(record));
    const others = [2, 3].map(() => ensureTemporalCli({ env: s.env, log: s.log }));
    const goCalls = () => fs.readFileSync(record, 'utf8').trim().split('\n').length;
    // A second build (the lock not held) ends the wait too, and fails below.
    await until(() => s.logs.filter(waiting).length === 2 || goCalls() > 1);
    await fsp.writeFile(release, '');
    const results = await Promise.all([first, ...others]);
    expect(results).toEqual([s.cached, s.cached, s.cached]);
    expect(goCalls()).toBe(1);
    expect(s.logs.filter(waiting)).toHaveLength(2);
    expect(fs.existsSync(path.join(path.dirname(s.cached), '.install.lock'))).toBe(false);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const s = await sandbox();
    await fakeGo(s.bin, path.join(s.dir, 'go-calls'));
    const lock = path.join(path.dirname(s.cached), '.install.lock');
    await fsp.mkdir(lock, { recursive: true });
    const dead = execFileSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }).trim();
    await fsp.writeFile(path.join(lock, 'owner'), `${dead}\n`);
    expect(await ensureTemporalCli({ env: s.env, log: s.log })).toBe(s.cached);
  });

  describe('download', () => {
    let server: http.Server;
    let base: string;
    let archive: Buffer;
    beforeAll(async () => {
      const src = path.join(tmp, 'archive-src');
      await writeScript(path.join(src, 'temporal'), FAKE_TEMPORAL);
      await fsp.writeFile(path.join(src, 'LICENSE'), 'MIT\n');
      execFileSync('tar', ['-czf', path.join(tmp, 'temporal.tar.gz'), '-C', src, 'temporal', 'LICENSE']);
      archive = await fsp.readFile(path.join(tmp, 'temporal.tar.gz'));
      server = http.createServer((req, res) => {
        if (req.url === '/temporal.tar.gz') res.end(archive);
        else res.writeHead(404).end('not found');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
    });

    it('computes the official archive URL per platform', () => {
      expect(releaseArchiveUrl('linux', 'x64', {})).toBe(
        'https://temporal.download/cli/archive/v1.5.1?platform=linux&arch=amd64',
      );
      expect(releaseArchiveUrl('darwin', 'arm64', {})).toBe(
        'https://temporal.download/cli/archive/v1.5.1?platform=darwin&arch=arm64',
      );
      expect(releaseArchiveUrl('win32', 'x64', {})).toBe(
        'https://temporal.download/cli/archive/v1.5.1?platform=windows&arch=amd64',
      );
      expect(() => releaseArchiveUrl('aix', 'ppc64', {})).toThrow(
        'no official Temporal CLI release for platform aix/ppc64',
      );
      expect(releaseArchiveUrl('linux', 'x64', { TEMPORAL_CLI_DOWNLOAD_URL: 'http://mirror/t.tgz' })).toBe(
        'http://mirror/t.tgz',
      );
    });

    it('downloads and unpacks the release when go fails', async () => {
      const s = await sandbox();
      await fakeGo(s.bin, path.join(s.dir, 'go-calls'), { fail: true });
      const env = { ...s.env, TEMPORAL_CLI_DOWNLOAD_URL: `${base}/temporal.tar.gz` };
      expect(await ensureTemporalCli({ env, log: s.log })).toBe(s.cached);
      expect(execFileSync(s.cached, ['--version'], { encoding: 'utf8' })).toContain('(fake)');
      expect(s.logs).toContain(`Downloading the Temporal CLI v1.5.1 from ${base}/temporal.tar.gz…`);
      expect(await fsp.readdir(path.dirname(s.cached))).toEqual(['temporal']);
    });

    it('says what it tried and why each step failed when nothing works', async () => {
      const s = await sandbox();
      await fakeGo(s.bin, path.join(s.dir, 'go-calls'), { fail: true });
      const env = { ...s.env, TEMPORAL_CLI_DOWNLOAD_URL: `${base}/missing.tar.gz` };
      const err = await ensureTemporalCli({ env, log: s.log }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toContain('Could not find or install the Temporal CLI. Tried:');
      expect(err?.message).toContain('`temporal` on PATH: not found');
      expect(err?.message).toContain(`cached copy ${s.cached}: not found`);
      expect(err?.message).toMatch(
        /go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1 failed \(exit code 1\)/,
      );
      expect(err?.message).toContain('fake network failure');
      expect(err?.message).toContain(`download ${base}/missing.tar.gz: HTTP 404 Not Found`);
      expect(await fsp.readdir(path.dirname(s.cached))).toEqual([]);
    });

    it('reports a missing go', async () => {
      const s = await sandbox();
      const env = { ...s.env, TEMPORAL_CLI_DOWNLOAD_URL: `${base}/missing.tar.gz` };
      await expect(ensureTemporalCli({ env, log: s.log })).rejects.toThrow('no `go` on PATH or in $GOROOT/bin');
    });
  });
});
