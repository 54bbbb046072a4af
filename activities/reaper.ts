/**
 * At worker start-up: remove what workers that no longer run left in the data dir — their process
 * groups (only while the leader still has the recorded start time) and marked processes, their
 * worktrees and their spool files. Whatever belongs to a live owner (another worker sharing the
 * data dir) is left alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { removeWorktree } from './git.js';
import { currentOwner, ownerAlive, ownerOf, processStartTime, type Owner } from './ownership.js';
import { groupAlive, runProcess } from './process.js';
import { OWNER_ENV, PROCS_DIR, ownerTag, type GroupRecord } from './process-guard.js';

export interface ReapReport {
  /** Tags (`o<pid>-<start>`) of the dead owners whose leftovers were found. */
  owners: string[];
  processes: number;
  worktrees: number;
  spoolFiles: number;
}

const DEFAULT_GRACE_MS = 3_000;

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Reaps the leftovers of every owner found in the data dir that no longer runs. */
export async function reapDeadOwners(
  dataDir: string,
  opts: { log?: (msg: string) => void; graceMs?: number } = {},
): Promise<ReapReport> {
  const dirs = {
    procs: join(dataDir, PROCS_DIR),
    worktrees: join(dataDir, 'worktrees'),
    spool: join(dataDir, 'spool'),
  };
  const names = Object.fromEntries(Object.entries(dirs).map(([k, d]) => [k, list(d)])) as Record<
    keyof typeof dirs,
    string[]
  >;
  const self = ownerTag(currentOwner());
  const dead = new Map<string, Owner>();
  const deadOwnerOf = (name: string): Owner | undefined => {
    const o = ownerOf(name);
    if (!o) return undefined;
    const tag = ownerTag(o);
    if (tag === self) return undefined;
    if (!dead.has(tag) && ownerAlive(o)) return undefined;
    dead.set(tag, o);
    return o;
  };
  const mine = (k: keyof typeof dirs) => names[k].filter((n) => deadOwnerOf(n) !== undefined);
  const records = mine('procs');
  const worktrees = mine('worktrees');
  const spool = mine('spool');
  const report: ReapReport = { owners: [...dead.keys()], processes: 0, worktrees: 0, spoolFiles: 0 };
  if (dead.size === 0) return report;

  // Processes first: nothing may still write in a worktree that is about to go.
  const groups: GroupRecord[] = [];
  for (const name of records.filter((n) => /_g\d+-\d+\.json$/.test(n))) {
    try {
      groups.push(JSON.parse(readFileSync(join(dirs.procs, name), 'utf8')) as GroupRecord);
    } catch {
      // Half-written by a worker that died mid-write: the environment marker still finds its processes.
    }
  }
  report.processes = await killLeftovers(groups, new Set(dead.keys()), opts.graceMs ?? DEFAULT_GRACE_MS);

  for (const name of worktrees) {
    await removeWorktree(join(dirs.worktrees, name)).catch(() =>
      rm(join(dirs.worktrees, name), { recursive: true, force: true }),
    );
    report.worktrees++;
  }
  // Bookkeeping of worktree directories that are gone (or had no .git file any more).
  const caches = join(dataDir, 'cache', 'repos');
  for (const cache of list(caches)) {
    await runProcess(['git', 'worktree', 'prune'], { cwd: join(caches, cache) }).catch(() => undefined);
  }
  for (const name of spool) {
    await rm(join(dirs.spool, name), { force: true });
    report.spoolFiles++;
  }
  for (const name of records) await rm(join(dirs.procs, name), { force: true });

  if (report.processes + report.worktrees + report.spoolFiles === 0) return report;
  opts.log?.(
    `reaped what stopped workers left (${report.owners.join(', ')}): ${report.processes} processes, ` +
      `${report.worktrees} worktrees, ${report.spoolFiles} spool files`,
  );
  return report;
}

interface Victim {
  pid: number;
  start: number;
}

/**
 * Live processes of dead owners: members of recorded groups whose leader still has the recorded
 * start time, and processes whose environment carries a dead owner's marker.
 */
function findVictims(groups: GroupRecord[], deadTags: Set<string>): { victims: Victim[]; pgids: Set<number> } {
  const pgids = new Set(groups.filter((g) => processStartTime(g.pgid) === g.startTime).map((g) => g.pgid));
  const out: Victim[] = [];
  for (const entry of list('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const st = stat(pid);
    if (!st || st.state === 'Z' || st.state === 'X') continue;
    if (pgids.has(st.pgrp) || deadTags.has(markerOf(pid) ?? '')) out.push({ pid, start: st.start });
  }
  return { victims: out, pgids };
}

async function killLeftovers(groups: GroupRecord[], deadTags: Set<string>, graceMs: number): Promise<number> {
  const { victims, pgids } = findVictims(groups, deadTags);
  if (victims.length === 0) return 0;
  const signal = (sig: NodeJS.Signals) => {
    for (const v of victims) {
      // Never a pid alone: only the process that still has the start time we saw.
      if (processStartTime(v.pid) !== v.start) continue;
      try {
        process.kill(v.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  const anyLeft = () => victims.some((v) => processStartTime(v.pid) === v.start);
  while (anyLeft() && Date.now() < deadline) await delay(100);
  signal('SIGKILL');
  while (anyLeft() && Date.now() < deadline + 2_000) await delay(50);
  // A member that fork()ed meanwhile is in the same group (a pgid is not reused while it has members).
  for (const pgid of pgids) if (groupAlive(pgid)) signalGroup(pgid);
  return victims.length;
}

function signalGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

function stat(pid: number): { state: string; pgrp: number; start: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], pgrp: Number(f[2]), start: Number(f[19]) };
  } catch {
    return undefined;
  }
}

/** The owner tag in a process's `SWITCHYARD_WORKER`, if it has one. */
function markerOf(pid: number): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    const entry = env.find((e) => e.startsWith(`${OWNER_ENV}=`));
    return entry?.slice(OWNER_ENV.length + 1);
  } catch {
    return undefined;
  }
}
