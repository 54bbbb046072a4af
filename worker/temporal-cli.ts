/**
 * Finds or provides the `temporal` CLI binary (docs/architecture.md §1): TEMPORAL_CLI_PATH, else `temporal` on
 * PATH, else the cached copy, else `go install`, else the official release download.
 * Also a script: `node dist/worker/temporal-cli.js` prints the binary's path on stdout.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { acquireInstallLock, isMainModule } from './install-lock.js';

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_CLI_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
const OFFICIAL_ARCHIVE_BASE = 'https://temporal.download/cli/archive';
const EXE = process.platform === 'win32' ? '.exe' : '';
const BINARY = `temporal${EXE}`;

export interface EnsureTemporalCliOptions {
  log?: (msg: string) => void;
  /** Where TEMPORAL_CLI_PATH, PATH, XDG_CACHE_HOME, HOME and TEMPORAL_CLI_DOWNLOAD_URL are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** `${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/bin` */
export function temporalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'switchyard', 'bin');
}

/** The `go install` invocation that builds the CLI into `gobin`. */
export function goInstallCommand(
  go: string,
  gobin: string,
  env: NodeJS.ProcessEnv = process.env,
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return {
    command: go,
    args: ['install', `${TEMPORAL_CLI_PACKAGE}@v${TEMPORAL_CLI_VERSION}`],
    env: { ...env, GOBIN: gobin },
  };
}

/** The official release archive for a platform, or TEMPORAL_CLI_DOWNLOAD_URL (a mirror) when set. */
export function releaseArchiveUrl(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (env.TEMPORAL_CLI_DOWNLOAD_URL) return env.TEMPORAL_CLI_DOWNLOAD_URL;
  const platforms: Partial<Record<NodeJS.Platform, string>> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
  const arches: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  const p = platforms[platform];
  const a = arches[arch];
  if (!p || !a) throw new Error(`no official Temporal CLI release for platform ${platform}/${arch}`);
  return `${OFFICIAL_ARCHIVE_BASE}/v${TEMPORAL_CLI_VERSION}?platform=${p}&arch=${a}`;
}

export async function ensureTemporalCli(opts: EnsureTemporalCliOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  const tried: string[] = [];

  // An explicit choice is never second-guessed by falling back to something else.
  if (env.TEMPORAL_CLI_PATH) {
    const check = await checkBinary(env.TEMPORAL_CLI_PATH);
    if (check.ok) return env.TEMPORAL_CLI_PATH;
    throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not a working Temporal CLI: ${check.reason}`);
  }
  tried.push('TEMPORAL_CLI_PATH: not set');

  const onPath = findOnPath(BINARY, env.PATH);
  if (onPath) {
    const check = await checkBinary(onPath);
    if (check.ok) return onPath;
    tried.push(`${onPath} (on PATH): ${check.reason}`);
  } else tried.push('`temporal` on PATH: not found');

  const cacheDir = temporalCacheDir(env);
  const cached = path.join(cacheDir, BINARY);
  const quick = await checkBinary(cached);
  if (quick.ok) return cached;

  await fsp.mkdir(cacheDir, { recursive: true });
  const release = await acquireInstallLock(path.join(cacheDir, '.install.lock'), 'the Temporal CLI', log);
  try {
    // Another process may have finished installing while we waited for the lock.
    const check = await checkBinary(cached);
    if (check.ok) return cached;
    tried.push(`cached copy ${cached}: ${check.reason}`);

    const built = await tryGoInstall(cacheDir, env, log);
    if (built.ok) return await installInto(built.binary, cached, built.cleanup);
    tried.push(built.reason);

    const downloaded = await tryDownload(cacheDir, env, log);
    if (downloaded.ok) return await installInto(downloaded.binary, cached, downloaded.cleanup);
    tried.push(downloaded.reason);
  } finally {
    await release();
  }

  throw new Error(
    [
      'Could not find or install the Temporal CLI. Tried:',
      ...tried.map((t) => `  - ${t}`),
      'Install it (https://docs.temporal.io/cli) and set TEMPORAL_CLI_PATH, or install Go 1.25+ and run again.',
    ].join('\n'),
  );
}

type Candidate = { ok: true; binary: string; cleanup: () => Promise<void> } | { ok: false; reason: string };

async function tryGoInstall(cacheDir: string, env: NodeJS.ProcessEnv, log: (msg: string) => void): Promise<Candidate> {
  const label = `go install ${TEMPORAL_CLI_PACKAGE}@v${TEMPORAL_CLI_VERSION}`;
  const go = findGo(env);
  if (!go) return { ok: false, reason: `${label}: no \`go\` on PATH or in $GOROOT/bin (Go 1.25+: https://go.dev/dl/)` };

  // A private GOBIN per attempt, renamed into place when done, so concurrent installs never
  // leave a half-written binary where others look for it.
  const gobin = await fsp.mkdtemp(path.join(cacheDir, '.gobin-'));
  const cleanup = () => fsp.rm(gobin, { recursive: true, force: true });
  const cmd = goInstallCommand(go, gobin, env);
  log('Building the Temporal CLI with go install (first time only, takes a few minutes)…');
  log(`  ${cmd.command} ${cmd.args.join(' ')}  (GOBIN=${gobin})`);
  const started = Date.now();
  const heartbeat = setInterval(() => {
    log(`  still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s)…`);
  }, 30_000);
  heartbeat.unref();
  try {
    const run = await runForwarding(cmd.command, cmd.args, cmd.env, (line) => log(`  ${line}`));
    if (run.code !== 0) {
      await cleanup();
      const why = run.error ?? `exit code ${run.code}`;
      return { ok: false, reason: `${label} failed (${why}):\n${indent(run.tail)}` };
    }
    const binary = path.join(gobin, BINARY);
    const check = await checkBinary(binary);
    if (!check.ok) {
      await cleanup();
      return { ok: false, reason: `${label} finished but ${binary} does not work: ${check.reason}` };
    }
    log(`Built the Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s.`);
    return { ok: true, binary, cleanup };
  } finally {
    clearInterval(heartbeat);
  }
}

async function tryDownload(cacheDir: string, env: NodeJS.ProcessEnv, log: (msg: string) => void): Promise<Candidate> {
  let url: string;
  try {
    url = releaseArchiveUrl(process.platform, process.arch, env);
  } catch (err) {
    return { ok: false, reason: `download: ${(err as Error).message}` };
  }
  const dir = await fsp.mkdtemp(path.join(cacheDir, '.download-'));
  const cleanup = () => fsp.rm(dir, { recursive: true, force: true });
  try {
    log(`Downloading the Temporal CLI v${TEMPORAL_CLI_VERSION} from ${url}…`);
    const res = await fetch(url, { signal: AbortSignal.timeout(5 * 60_000) });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const archive = path.join(dir, 'archive');
    await pipeline(
      Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
      fs.createWriteStream(archive),
    );
    const extracted = path.join(dir, 'extracted');
    await fsp.mkdir(extracted);
    await extract(archive, extracted);
    const binary = await findFile(extracted, BINARY);
    if (!binary) throw new Error(`the archive has no ${BINARY}`);
    await fsp.chmod(binary, 0o755);
    const check = await checkBinary(binary);
    if (!check.ok) throw new Error(`the downloaded ${BINARY} does not work: ${check.reason}`);
    return { ok: true, binary, cleanup };
  } catch (err) {
    await cleanup();
    const cause = (err as Error & { cause?: Error }).cause;
    const detail = cause?.message ? `${(err as Error).message} (${cause.message})` : (err as Error).message;
    return { ok: false, reason: `download ${url}: ${detail}` };
  }
}

async function installInto(binary: string, target: string, cleanup: () => Promise<void>): Promise<string> {
  try {
    await fsp.rename(binary, target); // same directory tree, so atomic
  } finally {
    await cleanup();
  }
  return target;
}

async function extract(archive: string, into: string): Promise<void> {
  const head = Buffer.alloc(4);
  const fd = await fsp.open(archive, 'r');
  try {
    await fd.read(head, 0, 4, 0);
  } finally {
    await fd.close();
  }
  const isZip = head[0] === 0x50 && head[1] === 0x4b;
  const isGzip = head[0] === 0x1f && head[1] === 0x8b;
  if (!isZip && !isGzip) throw new Error('the download is neither a .tar.gz nor a .zip archive');
  const [command, args] =
    isZip && process.platform !== 'win32'
      ? ['unzip', ['-q', '-o', archive, '-d', into]]
      : ['tar', ['-xf', archive, '-C', into]];
  const run = await runForwarding(command, args, process.env, () => {});
  if (run.code !== 0) throw new Error(`${command} could not extract the archive: ${run.error ?? run.tail}`);
}

async function findFile(dir: string, name: string): Promise<string | undefined> {
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return full;
    if (entry.isDirectory()) {
      const found = await findFile(full, name);
      if (found) return found;
    }
  }
  return undefined;
}

/** Runs `--version` to tell a real Temporal CLI from a missing, broken or unrelated file. */
export async function checkBinary(
  file: string,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const stat = await fsp.stat(file);
    if (!stat.isFile()) return { ok: false, reason: 'not a file' };
  } catch {
    return { ok: false, reason: 'not found' };
  }
  return new Promise((resolve) => {
    execFile(file, ['--version'], { timeout: 60_000 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      if (err) resolve({ ok: false, reason: `\`${path.basename(file)} --version\` failed: ${err.message.trim()}` });
      else if (!/^temporal version /m.test(out)) resolve({ ok: false, reason: `unexpected --version output: ${out}` });
      else resolve({ ok: true, version: out.split('\n')[0] });
    });
  });
}

function findOnPath(name: string, searchPath: string | undefined): string | undefined {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function findGo(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [env.PATH ?? '', env.GOROOT ? path.join(env.GOROOT, 'bin') : ''];
  return findOnPath(`go${EXE}`, dirs.join(path.delimiter));
}

interface RunResult {
  code: number | null;
  tail: string;
  error?: string;
}

function runForwarding(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let spawnError: string | undefined;
    const take = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      onLine(line);
    };
    readline.createInterface({ input: child.stdout }).on('line', take);
    readline.createInterface({ input: child.stderr }).on('line', take);
    child.on('error', (err) => (spawnError = err.message));
    child.on('close', (code) => resolve({ code: spawnError ? null : code, tail: tail.join('\n'), error: spawnError }));
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

if (isMainModule(import.meta.url)) {
  ensureTemporalCli().then(
    (file) => process.stdout.write(`${file}\n`),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
