/**
 * Runs `temporal server start-dev` as a child process with our search attributes registered, and
 * resolves only once it answers gRPC calls and the attributes are visible.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { SEARCH_ATTRIBUTES } from '../workflows/api/index.js';
import { freePorts, isPortFree } from './ports.js';
import { ensureTemporalCli } from './temporal-cli.js';
import { isAlive } from './pid.js';
import { guardProcess, releaseGuard } from '../activities/process-guard.js';

export interface DevServer {
  /** host:port for Connection.connect. */
  address: string;
  /** Web UI URL; '' when headless. */
  uiUrl: string;
  port: number;
  /** 0 when headless. */
  uiPort: number;
  pid: number;
  namespace: string;
  /** The server's own output (appended across runs). */
  logFile: string;
  /** Settles when the server process ends, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after a grace period. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** Holds temporal.sqlite, dev-server.log and dev-server.pid. Created when missing. */
  dataDir: string;
  /** gRPC port; default 7233; 0 picks a free one. */
  port?: number;
  /** Web UI port; default port + 1000 (a free one when port is 0); 0 picks a free one. */
  uiPort?: number;
  ip?: string;
  namespace?: string;
  /** SQLite file, relative to dataDir; default temporal.sqlite; null keeps everything in memory. */
  dbFile?: string | null;
  log?: (msg: string) => void;
  headless?: boolean;
  /** Path of the `temporal` binary; default ensureTemporalCli(). */
  temporalCli?: string;
  /** How long to wait for the server to answer; default 60 s. */
  readyTimeoutMs?: number;
  /** Server settings (`--dynamic-config-value key=value`), e.g. to try a feature turned off. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

const STOP_GRACE_MS = 10_000;
/** A dynamic config key, e.g. `frontend.enableExecuteMultiOperation`. */
const DYNAMIC_CONFIG_KEY_RE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;
const LOG_NAME = 'dev-server.log';
const PID_NAME = 'dev-server.pid';

interface PidFile {
  pid: number;
  parentPid: number;
  port: number;
}

/**
 * The dev server picks its internal service ports itself (free when it looked, bound a moment
 * later); with other servers starting on the machine it can lose that race and exit at start-up
 * with "address already in use". Such a start is tried again, twice at most.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (!(err instanceof PortRaceError) || attempt >= 3) throw err;
      opts.log?.(`The Temporal dev server lost a port to another program at start-up; starting it again…`);
    }
  }
}

class PortRaceError extends Error {
  override name = 'PortRaceError';
}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log ?? (() => {});
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const headless = opts.headless ?? false;
  const dataDir = path.resolve(opts.dataDir);
  await fsp.mkdir(dataDir, { recursive: true });
  const dbFile = opts.dbFile === null ? null : path.resolve(dataDir, opts.dbFile ?? 'temporal.sqlite');
  const logFile = path.join(dataDir, LOG_NAME);
  const pidFile = path.join(dataDir, PID_NAME);

  checkPortOption('port', opts.port);
  checkPortOption('uiPort', opts.uiPort);
  await reclaimDataDir(pidFile, dataDir, log);

  let port = opts.port ?? 7233;
  let uiPort = headless ? 0 : (opts.uiPort ?? (port === 0 ? 0 : port + 1000));
  const wanted = (port === 0 ? 1 : 0) + (!headless && uiPort === 0 ? 1 : 0);
  const picked = await freePorts(wanted, ip);
  if (port === 0) port = picked.shift()!;
  if (!headless && uiPort === 0) uiPort = picked.shift()!;
  if (uiPort > 65535) throw new Error(`Web UI port ${uiPort} (gRPC port + 1000) is out of range; set uiPort`);

  if (!(await isPortFree(port, ip))) {
    throw new Error(
      `Cannot start the Temporal dev server: port ${port} on ${ip} is already in use ` +
        `(another Temporal server, or another program, is listening there). Stop it or choose another port with --port <n>.`,
    );
  }
  if (!headless && !(await isPortFree(uiPort, ip))) {
    throw new Error(
      `Cannot start the Temporal dev server: Web UI port ${uiPort} on ${ip} is already in use. ` +
        `Choose another with --ui-port <n>, or another gRPC port with --port <n>.`,
    );
  }

  const cli = opts.temporalCli ?? (await ensureTemporalCli({ log }));
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port)];
  args.push(...(headless ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (dbFile) args.push('--db-filename', dbFile);
  // "default" always exists; naming it again is redundant.
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) {
    if (!DYNAMIC_CONFIG_KEY_RE.test(key))
      throw new Error(`dynamicConfig: ${JSON.stringify(key)} is not a setting name`);
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  args.push('--log-level', 'warn');

  const out = fs.openSync(logFile, 'a');
  fs.writeSync(out, `\n=== ${new Date().toISOString()} ${cli} ${args.join(' ')}\n`);
  const child = spawn(cli, args, { cwd: dataDir, stdio: ['ignore', out, out] });
  fs.closeSync(out);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  live.add(child);
  // Even a SIGKILLed parent takes its server down within seconds (the process watchdog).
  if (child.pid !== undefined) guardProcess(child.pid);
  void exited.then(() => {
    live.delete(child);
    if (child.pid !== undefined) releaseGuard(child.pid);
  });
  installParentHooks();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref());
        await Promise.race([exited, timer]);
        if (!hasExited) child.kill('SIGKILL');
        await exited;
      }
      await removePidFile(pidFile, child.pid);
    })());

  const host = ip === '0.0.0.0' || ip === '::' ? '127.0.0.1' : ip.includes(':') ? `[${ip}]` : ip;
  const address = `${host}:${port}`;
  const pid = child.pid;
  try {
    if (pid === undefined) {
      const r = await exited;
      throw new Error(`Cannot run the Temporal CLI at ${cli}: ${r.error?.message ?? 'no pid'}`);
    }
    await fsp.writeFile(pidFile, JSON.stringify({ pid, parentPid: process.pid, port } satisfies PidFile));
    log(`Starting the Temporal dev server on ${address} (log: ${logFile})…`);
    await waitUntilReady({
      address,
      namespace,
      deadline: Date.now() + (opts.readyTimeoutMs ?? 60_000),
      exited,
      logFile,
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    address,
    uiUrl: headless ? '' : `http://${host}:${uiPort}`,
    port,
    uiPort,
    pid: pid!,
    namespace,
    logFile,
    exited: exited.then(({ code, signal }) => ({ code, signal })),
    stop,
  };
}

// A parent that crashes or is terminated must not leave servers running; a SIGKILLed one's server
// is stopped by the watchdog, or (if that died too) by reclaimDataDir on the next start.
const live = new Set<ChildProcess>();
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooksInstalled = false;

function installParentHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killLive);
  for (const sig of FATAL_SIGNALS) process.on(sig, onFatalSignal);
}

function killLive(): void {
  for (const child of live) child.kill('SIGTERM');
}

function onFatalSignal(sig: NodeJS.Signals): void {
  // An application with its own handler decides how to shut down (and calls stop()).
  if (process.listenerCount(sig) > 1) return;
  killLive();
  // Otherwise behave as if we had not been here: die from the same signal.
  for (const s of FATAL_SIGNALS) process.off(s, onFatalSignal);
  hooksInstalled = false;
  process.kill(process.pid, sig);
}

function checkPortOption(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`startDevServer: ${name} must be an integer from 0 to 65535, got ${String(value)}`);
  }
}

async function waitUntilReady(w: {
  address: string;
  namespace: string;
  deadline: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  logFile: string;
}): Promise<void> {
  let lastError = 'no answer yet';
  let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  void w.exited.then((r) => (exit = r));
  const died = w.exited.then(() => 'exited' as const);
  while (Date.now() < w.deadline && !exit) {
    const attempt = probe(w.address, w.namespace);
    // Do not sit out a connect timeout when the process has already died.
    const result = await Promise.race([attempt, died]);
    if (result === 'exited') {
      void attempt.catch(() => {});
      break;
    }
    if (result.ok) return;
    if (result.error instanceof SearchAttributeMismatch) throw result.error;
    lastError = result.error.message;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (exit) {
    const how = exit.error ? exit.error.message : exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    const lines = await tail(w.logFile);
    const message = `The Temporal dev server stopped during start-up (${how}). Last lines of ${w.logFile}:\n${lines}`;
    throw /address already in use/i.test(await thisStart(w.logFile)) ? new PortRaceError(message) : new Error(message);
  }
  throw new Error(
    `The Temporal dev server at ${w.address} did not answer in time (last error: ${lastError}). ` +
      `Last lines of ${w.logFile}:\n${await tail(w.logFile)}`,
  );
}

async function probe(address: string, namespace: string): Promise<{ ok: true } | { ok: false; error: Error }> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '2s' });
    const conn = connection;
    await conn.withDeadline(Date.now() + 5000, () => conn.workflowService.getSystemInfo({}));
    await ensureSearchAttributes(conn, namespace);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err as Error };
  } finally {
    await connection?.close().catch(() => {});
  }
}

export class SearchAttributeMismatch extends Error {}

/**
 * Registers Switchyard's search attributes in `namespace` where they are missing (idempotent); returns
 * the names it added. One registered with another type is an error: it would break every list query.
 */
export async function ensureSearchAttributes(conn: Connection, namespace: string): Promise<string[]> {
  const call = <T>(fn: () => Promise<T>) => conn.withDeadline(Date.now() + 5000, fn);
  const list = async () =>
    (await call(() => conn.operatorService.listSearchAttributes({ namespace }))).customAttributes ?? {};
  const present = await list();
  const missing: Record<string, number> = {};
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    const want = encodeSearchAttributeIndexedValueType(type.toUpperCase() as 'KEYWORD' | 'DOUBLE' | 'TEXT')!;
    const have = present[name];
    if (have === undefined || have === null) missing[name] = want;
    else if (have !== want) {
      throw new SearchAttributeMismatch(
        `Search attribute ${name} is registered with another type in namespace "${namespace}" ` +
          `(index type ${have}, Switchyard needs ${type}). Remove that attribute, or use another namespace (or, for ` +
          '`switchyard start`, a fresh data directory).',
      );
    }
  }
  if (Object.keys(missing).length === 0) return [];
  // start-dev registers them itself; this only covers a namespace that appeared some other way.
  await call(() => conn.operatorService.addSearchAttributes({ namespace, searchAttributes: missing }));
  const again = await list();
  const still = Object.keys(missing).filter((name) => again[name] === undefined);
  if (still.length) throw new Error(`search attributes not registered yet in "${namespace}": ${still.join(', ')}`);
  return Object.keys(missing);
}

/**
 * A pid file left by a previous run: when its server is still running but its parent is gone (the
 * parent was SIGKILLed), stop it; when its parent is alive, the data directory is in use.
 */
async function reclaimDataDir(pidFile: string, dataDir: string, log: (msg: string) => void): Promise<void> {
  let previous: PidFile;
  try {
    previous = JSON.parse(await fsp.readFile(pidFile, 'utf8')) as PidFile;
  } catch {
    return;
  }
  if (!isAlive(previous.pid) || !looksLikeDevServer(previous.pid)) {
    await fsp.rm(pidFile, { force: true });
    return;
  }
  if (!isOrphan(previous)) {
    throw new Error(
      `The data directory ${dataDir} is in use by a running Temporal dev server (pid ${previous.pid}, port ` +
        `${previous.port}, started by pid ${previous.parentPid}). Stop that first or use another data directory.`,
    );
  }
  log(`Stopping a leftover Temporal dev server (pid ${previous.pid}) whose parent process is gone…`);
  process.kill(previous.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (isAlive(previous.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(previous.pid)) process.kill(previous.pid, 'SIGKILL');
  while (isAlive(previous.pid)) await new Promise((r) => setTimeout(r, 50));
  await fsp.rm(pidFile, { force: true });
}

function looksLikeDevServer(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('start-dev');
  } catch {
    return process.platform !== 'linux'; // no /proc: trust the pid file
  }
}

function isOrphan(p: PidFile): boolean {
  try {
    // Reparented (to init or a subreaper) once the process that started it died.
    const status = fs.readFileSync(`/proc/${p.pid}/status`, 'utf8');
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
    return ppid !== p.parentPid;
  } catch {
    return !isAlive(p.parentPid);
  }
}

async function removePidFile(pidFile: string, pid: number | undefined): Promise<void> {
  try {
    const current = JSON.parse(await fsp.readFile(pidFile, 'utf8')) as PidFile;
    if (current.pid === pid) await fsp.rm(pidFile, { force: true });
  } catch {
    // already gone
  }
}

/** The log of the latest start (each start appends a line beginning with "=== "). */
async function thisStart(file: string): Promise<string> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  const at = text.lastIndexOf('\n=== ');
  return at === -1 ? text : text.slice(at);
}

async function tail(file: string, lines = 30): Promise<string> {
  try {
    const all = (await fsp.readFile(file, 'utf8')).trimEnd().split('\n');
    const last = all.slice(-lines);
    // A Go panic's reason comes before its stack trace, which fills the last lines: show it first.
    const cause = all.find((l) => /^(panic|fatal error|Error):/.test(l) || /"level":"(fatal|error)"/.test(l));
    return [...(cause && !last.includes(cause) ? [cause, '…'] : []), ...last].join('\n');
  } catch {
    return '(no log)';
  }
}
