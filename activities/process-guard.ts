/**
 * Binds the processes a worker starts to the worker's life, even when it is SIGKILLed.
 *
 * Design: one watchdog sidecar per worker process (a small `node -e` script, ~40 MB, started once),
 * holding the read end of a pipe from the worker. The worker tells it the pgid and start time of
 * every group it starts; the kernel closes the pipe however the worker dies, and on EOF the
 * watchdog kills every registered group and every process whose environment carries this worker's
 * marker (SIGTERM, then SIGKILL after a grace), then exits. A per-command shim would cost a process
 * per git call; pdeathsig (setpriv) reaches only the leader, not its children. The marker closes
 * the race where the worker dies between spawning a group and registering it: the child carries
 * it from its first instruction.
 *
 * The same groups are also recorded under `<dataDir>/procs` (pid **and** start time, plus the
 * owner), so a later worker can reap what a crashed one left if the watchdog died too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathOnlyEnv } from './env.js';
import { currentOwner, ownedName, processStartTime, type Owner } from './ownership.js';

/** Every child a worker starts carries `SWITCHYARD_WORKER=o<pid>-<starttime>` of that worker. */
export const OWNER_ENV = 'SWITCHYARD_WORKER';
export const PROCS_DIR = 'procs';
/** What the watchdog waits between SIGTERM and SIGKILL. */
export const WATCHDOG_GRACE_MS = 3_000;

export const ownerTag = (o: Owner): string => `o${o.pid}-${o.startTime}`;
export const ownerMarker = (o: Owner = currentOwner()): string => `${OWNER_ENV}=${ownerTag(o)}`;

/** A recorded process group (`<dataDir>/procs/o<owner>_g<pgid>-<start>.json`). */
export interface GroupRecord {
  pgid: number;
  startTime: number;
  owner: Owner;
  command: string;
  cwd: string;
  at: string;
}

// The sidecar. CommonJS for `node -e`; argv: marker, grace ms. Lines on stdin:
// "g <pgid> <start>" a group, "p <pid> <start>" a single process, "- <id>" no longer running.
const WATCHDOG_SCRIPT = String.raw`
const fs = require('fs');
const [marker, graceArg] = process.argv.slice(1);
const grace = Number(graceArg);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE']) process.on(s, () => {});
const watched = new Map();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\n')) >= 0; ) {
    const [op, id, start] = buf.slice(0, i).split(' ');
    buf = buf.slice(i + 1);
    if (op === '-') watched.delete(id);
    else watched.set(id, { group: op === 'g', start: Number(start) });
  }
});
function stat(pid) {
  try {
    const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], pgrp: Number(f[2]), start: Number(f[19]) };
  } catch { return undefined; }
}
function pids() { return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => p !== process.pid); }
function hasMarker(pid) {
  try { return fs.readFileSync('/proc/' + pid + '/environ', 'latin1').split('\0').includes(marker); } catch { return false; }
}
// Live (non-zombie) processes to stop: members of watched groups whose leader is gone or still the
// one recorded (a pgid cannot be reused while its group has members), watched single processes
// with their recorded start time, and every process carrying the marker.
function victims() {
  const groups = new Set(), singles = new Set();
  for (const [id, w] of watched) {
    const st = stat(id);
    const same = st && st.state !== 'Z' && st.start === w.start;
    if (w.group && (!st || same)) groups.add(Number(id));
    if (!w.group && same) singles.add(Number(id));
  }
  const out = [];
  for (const pid of pids()) {
    const st = stat(pid);
    if (!st || st.state === 'Z' || st.state === 'X') continue;
    if (groups.has(st.pgrp) || singles.has(pid) || hasMarker(pid)) out.push(pid);
  }
  return out;
}
function signal(sig) {
  const v = victims();
  for (const pid of v) { try { process.kill(pid, sig); } catch {} }
  return v.length;
}
let reaping = false;
async function reap() {
  if (reaping) return;
  reaping = true;
  const n = signal('SIGTERM');
  if (n) process.stderr.write(new Date().toISOString() + ' watchdog: worker gone, SIGTERM to ' + n + ' processes\n');
  const end = Date.now() + grace;
  while (n && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    if (victims().length === 0) process.exit(0);
  }
  const k = signal('SIGKILL');
  if (k) process.stderr.write(new Date().toISOString() + ' watchdog: SIGKILL to ' + k + ' processes\n');
  process.exit(0);
}
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

interface Watched {
  group: boolean;
  start: number;
}

const watched = new Map<number, Watched>();
let watchdog: ChildProcess | undefined;
let logFile: string | undefined;
let recordsDir: string | undefined;

function line(op: 'g' | 'p' | '-', id: number, start?: number): string {
  return start === undefined ? `${op} ${id}\n` : `${op} ${id} ${start}\n`;
}

function ensureWatchdog(): ChildProcess | undefined {
  if (process.platform !== 'linux') return undefined; // /proc is how it finds what to kill
  if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) return watchdog;
  let err: number | 'ignore' = 'ignore';
  if (logFile) err = openSync(logFile, 'a');
  try {
    // Its own group, without the marker and without NODE_OPTIONS: Ctrl-C on the worker's terminal
    // must not take it down first, and it must not look like one of its own victims.
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT, ownerMarker(), String(WATCHDOG_GRACE_MS)], {
      stdio: ['pipe', 'ignore', err],
      detached: true,
      env: pathOnlyEnv(),
    });
  } finally {
    if (typeof err === 'number') closeSync(err);
  }
  const child = watchdog;
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined); // it died: the next registration starts another
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  // A replacement learns everything still running.
  for (const [id, w] of watched) child.stdin?.write(line(w.group ? 'g' : 'p', id, w.start));
  return child;
}

function send(text: string): void {
  const child = ensureWatchdog();
  if (child?.stdin?.writable) child.stdin.write(text);
}

/**
 * Call once when the worker starts: records go under `<dataDir>/procs`, the watchdog logs to
 * `<dataDir>/procs/watchdog.log`, and an owner file says this worker uses the data dir.
 */
export function configureProcessRecords(dataDir: string): void {
  recordsDir = join(dataDir, PROCS_DIR);
  mkdirSync(recordsDir, { recursive: true });
  logFile = join(recordsDir, 'watchdog.log');
  const owner = currentOwner();
  writeFileSync(join(recordsDir, ownedName('worker.json')), JSON.stringify({ ...owner, at: new Date().toISOString() }));
  ensureWatchdog();
}

/** The owner file of this worker, removed on a clean stop. */
export function releaseProcessRecords(): void {
  if (recordsDir) rmSync(join(recordsDir, ownedName('worker.json')), { force: true });
}

/** The watchdog's pid (tests kill it to simulate losing it too). */
export function watchdogPid(): number | undefined {
  return ensureWatchdog()?.pid;
}

/** Group records still being written, by pgid. */
const records = new Map<number, Promise<void>>();

/** Hands a just-started process group to the watchdog and records it. Returns the recorded start time. */
export function guardGroup(pgid: number, info: { command: string; cwd: string }): number {
  const start = processStartTime(pgid) ?? 0;
  watched.set(pgid, { group: true, start });
  send(line('g', pgid, start));
  if (recordsDir) {
    const record: GroupRecord = {
      pgid,
      startTime: start,
      owner: currentOwner(),
      command: info.command,
      cwd: info.cwd,
      at: new Date().toISOString(),
    };
    // Written without blocking the event loop (a spawn is already synchronous): the watchdog knows the
    // group at once; the record is for a later worker when the watchdog died too. Release waits for it.
    const path = join(recordsDir, recordName(pgid, start));
    records.set(
      pgid,
      writeFile(path, JSON.stringify(record)).catch(() => {
        // The data dir vanished (a test cleaning up): the watchdog still knows the group.
      }),
    );
  }
  return start;
}

/** A single process (the dev server) that must not outlive this one. */
export function guardProcess(pid: number): void {
  const start = processStartTime(pid) ?? 0;
  watched.set(pid, { group: false, start });
  send(line('p', pid, start));
}

/** The group or process ended (and was reaped by its runner). */
export function releaseGuard(id: number): void {
  const w = watched.get(id);
  if (!w) return;
  watched.delete(id);
  if (watchdog?.stdin?.writable) watchdog.stdin.write(line('-', id));
  const written = records.get(id);
  records.delete(id);
  if (w.group && recordsDir) {
    const path = join(recordsDir, recordName(id, w.start));
    void (written ?? Promise.resolve()).then(() => rm(path, { force: true }).catch(() => undefined));
  }
}

const recordName = (pgid: number, start: number): string => ownedName(`g${pgid}-${start}.json`);
