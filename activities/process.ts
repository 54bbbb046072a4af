/**
 * Child processes for activities: each command leads its own process group so a timeout or a
 * cancellation can kill the whole tree (an agent's shells, a test runner's workers), output is
 * interleaved and capped, and the activity heartbeats while the command runs.
 */
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledFailure, Context } from '@temporalio/activity';
import { execa } from 'execa';
import { ProcessStartError } from './errors.js';
import { headText } from '../workflows/preview.js';
import { OutputCap, stripAnsi, type OutputCapOptions } from './output-cap.js';
import { guardGroup, ownerMarker, OWNER_ENV, releaseGuard } from './process-guard.js';

export { configureProcessRecords, releaseProcessRecords } from './process-guard.js';

export interface ProcessProgress {
  lines: number;
  lastLine?: string;
}

export interface RunProcessOptions {
  cwd: string;
  /**
   * The complete environment of the child (nothing is inherited implicitly), plus SWITCHYARD_WORKER
   * naming this process (how the watchdog and the reaper recognise its descendants). Default: process.env.
   */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Every complete line of stdout+stderr (very long lines are split). */
  onLine?: (line: string) => void;
  /** Called at start and then every `heartbeatMs` while the process runs. */
  heartbeat?: (progress: ProcessProgress) => void;
  heartbeatMs?: number;
  cap?: OutputCapOptions;
  /** Tee the full, uncapped output to this file (parent directories are created). */
  fullOutputPath?: string;
  /** Between SIGTERM and SIGKILL for the process group. */
  killGraceMs?: number;
  /**
   * Also keep the last this many bytes of stderr on their own (`ProcessResult.stderr`): for a client
   * whose own messages are on stderr while everything it relays is on stdout (ssh with a terminal).
   */
  stderrTailBytes?: number;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  /** stdout+stderr interleaved, head+tail capped with a truncation marker. */
  output: string;
  outputBytes: number;
  truncated: boolean;
  /** The end of stderr alone, when `stderrTailBytes` asked for it. */
  stderr?: string;
}

// Well inside the 10 s heartbeat timeout (the worker throttles what it sends to 2 s anyway).
const DEFAULT_HEARTBEAT_MS = 2_000;
const DEFAULT_KILL_GRACE_MS = 3_000;
const MAX_LINE_CHARS = 16 * 1024;
/** After the leader exited and its group was reaped, how long output pipes may stay open. */
const PIPE_DRAIN_MS = 2_000;

// Groups still running, killed at once on a clean exit; the watchdog (process-guard.ts) covers
// every other way the process can die.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pgid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const g of liveGroups) signalGroup(g, 'SIGKILL');
    });
  }
  liveGroups.add(pgid);
}

/**
 * Runs `argv` (no shell) and resolves when it has exited and its process group is gone.
 * Rejects with ProcessStartError when the program cannot be started (missing, not executable,
 * no such working directory); a non-zero exit, a timeout or an abort resolve normally.
 */
export async function runProcess(argv: readonly string[], opts: RunProcessOptions): Promise<ProcessResult> {
  if (argv.length === 0 || !argv[0]) throw new Error('runProcess: empty argv');
  const cwdStat = await stat(opts.cwd).catch(() => undefined);
  if (!cwdStat?.isDirectory())
    throw new ProcessStartError(argv, 'ENOENT', opts.cwd, 'working directory does not exist');

  const started = performance.now();
  const cap = new OutputCap(opts.cap);
  if (opts.signal?.aborted) {
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      cancelled: true,
      durationMs: 0,
      output: '',
      outputBytes: 0,
      truncated: false,
    };
  }
  let tee: WriteStream | undefined;
  if (opts.fullOutputPath) {
    await mkdir(dirname(opts.fullOutputPath), { recursive: true });
    tee = createWriteStream(opts.fullOutputPath);
  }

  const sub = execa(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    // The marker lets the watchdog find every descendant, even one started before it was told.
    env: { ...(opts.env ?? process.env), [OWNER_ENV]: ownerMarker().slice(OWNER_ENV.length + 1) },
    extendEnv: false,
    detached: true,
    reject: false,
    all: true,
    buffer: false,
    stripFinalNewline: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
  });

  const lines = new LineSplitter(opts.onLine);
  sub.all?.on('data', (chunk: Buffer) => {
    cap.write(chunk);
    tee?.write(chunk);
    lines.push(chunk);
  });
  let stderrTail: Buffer | undefined;
  const keep = opts.stderrTailBytes;
  if (keep !== undefined) {
    stderrTail = Buffer.alloc(0);
    sub.stderr?.on('data', (chunk: Buffer) => {
      const joined = Buffer.concat([stderrTail!, chunk]);
      stderrTail = joined.length > keep ? joined.subarray(joined.length - keep) : joined;
    });
  }

  const pgid = sub.pid;
  let timedOut = false;
  let cancelled = false;
  let exit: { code: number | null; signal: string | null } | undefined;
  let terminating: Promise<void> | undefined;
  const terminate = (): Promise<void> => {
    if (pgid === undefined) return Promise.resolve();
    terminating ??= terminateGroup(pgid, opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    return terminating;
  };

  const timers: NodeJS.Timeout[] = [];
  const onAbort = (): void => {
    cancelled = true;
    void terminate();
  };
  if (pgid !== undefined) {
    trackGroup(pgid);
    guardGroup(pgid, { command: argv[0], cwd: opts.cwd });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          void terminate();
        }, opts.timeoutMs),
      );
    }
    if (opts.heartbeat) {
      const beat = opts.heartbeat;
      const tick = (): void => {
        try {
          beat({ lines: lines.count, lastLine: lines.last });
        } catch {
          // A failed heartbeat must not kill the command; cancellation arrives through the signal.
        }
      };
      tick();
      timers.push(setInterval(tick, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS));
    }
    sub.once('exit', (code, signal) => {
      exit = { code, signal };
      // Leftovers in the group (background jobs) would keep the pipes open: reap them, and if
      // something escaped the group but still holds a pipe, stop waiting for it.
      void terminate().then(() => {
        const t = setTimeout(() => {
          sub.all?.destroy();
          sub.stdout?.destroy();
          sub.stderr?.destroy();
        }, PIPE_DRAIN_MS);
        t.unref();
        timers.push(t);
      });
    });
  }

  try {
    const res = await sub;
    if (pgid === undefined || (res.failed && exit === undefined && isSpawnError(res.code))) {
      throw new ProcessStartError(
        argv,
        res.code ?? 'ENOENT',
        opts.cwd,
        res.originalMessage ?? res.shortMessage ?? 'spawn failed',
      );
    }
    await terminate();
    lines.end();
    const capped = cap.result();
    return {
      exitCode: exit ? exit.code : (res.exitCode ?? null),
      signal: exit ? exit.signal : (res.signal ?? null),
      timedOut,
      cancelled,
      durationMs: Math.round(performance.now() - started),
      output: capped.text,
      outputBytes: capped.totalBytes,
      truncated: capped.truncated,
      ...(stderrTail ? { stderr: stderrTail.toString('utf8') } : {}),
    };
  } finally {
    for (const t of timers) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onAbort);
    if (pgid !== undefined) {
      liveGroups.delete(pgid);
      releaseGuard(pgid);
    }
    if (tee) await new Promise<void>((resolve) => tee.end(resolve));
  }
}

function isSpawnError(code: string | undefined): boolean {
  return code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR' || code === 'EPERM';
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await delay(50);
    if (!groupAlive(pgid)) return;
  }
  signalGroup(pgid, 'SIGKILL');
}

/**
 * Whether any live (non-zombie) process is in the group. Zombies count as gone: in containers
 * PID 1 may never reap orphans, and a zombie holds no pipes and does no work.
 */
export function groupAlive(pgid: number): boolean {
  // kill(0) answers for the whole group in one system call; only a group that still answers (it may
  // hold nothing but zombies) is looked for in /proc, and that is rare: the leader is reaped on exit.
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(Number(entry));
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') return true;
  }
  return false;
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields resume after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], pgrp: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

class LineSplitter {
  count = 0;
  last: string | undefined;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly onLine?: (line: string) => void) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.emit(p);
    while (this.partial.length > MAX_LINE_CHARS) {
      this.emit(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
  }

  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest) this.emit(rest);
  }

  private emit(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    this.count++;
    const shown = stripAnsi(line).trim();
    if (shown) this.last = headText(shown, 200, '…');
    if (this.onLine) {
      try {
        this.onLine(line);
      } catch {
        // A consumer's bug must not break output capture.
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Activity integration

/** The current activity's Context, or undefined outside an activity (plain scripts, unit tests). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export interface ActivityProgress {
  phase: string;
  lines?: number;
  lastLine?: string;
}

/**
 * Details that must survive later heartbeats of the same attempt (an agent's session id, which the
 * next attempt resumes from): every heartbeat of the activity carries them.
 */
const stickyDetails = new WeakMap<Context, Record<string, unknown>>();

export function setStickyHeartbeat(details: Record<string, unknown>): void {
  const ctx = activityContext();
  if (ctx) stickyDetails.set(ctx, { ...stickyDetails.get(ctx), ...details });
}

/** The last details each attempt heartbeated, which the keep-alive repeats. */
const lastDetails = new WeakMap<Context, Record<string, unknown>>();

/** Heartbeats `details` plus the attempt's sticky details. */
export function heartbeat(details: Record<string, unknown>): void {
  const ctx = activityContext();
  if (!ctx) return;
  const all = { ...stickyDetails.get(ctx), ...details };
  lastDetails.set(ctx, all);
  ctx.heartbeat(all);
}

/**
 * Repeats the attempt's last heartbeat every `everyMs` until the returned function is called, so
 * no phase (a store write, a lock, reading a spool file) goes silent long enough to hit the
 * heartbeat timeout: that timeout detects a dead worker; startToClose bounds a stuck activity.
 * The worker runs every activity with a heartbeat timeout under this.
 */
export function keepHeartbeating(ctx: Context, everyMs: number): () => void {
  const timer = setInterval(() => {
    try {
      ctx.heartbeat(lastDetails.get(ctx) ?? { ...stickyDetails.get(ctx), phase: 'starting' });
    } catch {
      // Heartbeating after the attempt completed: nothing to keep alive.
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function heartbeatPhase(phase: string): void {
  heartbeat({ phase } satisfies ActivityProgress);
}

/** What an activity throws once it noticed its cancellation: the SDK's own reason when there is one. */
export function cancellationError(signal?: AbortSignal): unknown {
  return signal?.reason ?? new CancelledFailure('CANCELLED');
}

export interface ActivityProcessOptions extends RunProcessOptions {
  /** Heartbeat details name this phase ("tests", "agent", "fetch", …). */
  phase: string;
  /** false for cleanup that must run even after the activity was cancelled. Default true. */
  cancellable?: boolean;
}

/**
 * runProcess wired to the current activity: heartbeats { phase, lines, lastLine }, and the
 * activity's cancellation kills the process group and is rethrown, so the attempt ends as
 * cancelled rather than as a failure.
 */
export async function runActivityProcess(
  argv: readonly string[],
  opts: ActivityProcessOptions,
): Promise<ProcessResult> {
  const ctx = activityContext();
  const { phase, cancellable = true, ...rest } = opts;
  const signal = cancellable ? (rest.signal ?? ctx?.cancellationSignal) : undefined;
  const onProgress =
    rest.heartbeat ??
    (ctx
      ? (p: ProcessProgress) => heartbeat({ phase, lines: p.lines, lastLine: p.lastLine } satisfies ActivityProgress)
      : undefined);
  const res = await runProcess(argv, { ...rest, signal, heartbeat: onProgress });
  if (res.cancelled) throw cancellationError(signal);
  return res;
}
