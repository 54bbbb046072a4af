/**
 * Who owns a file an activity leaves under the data dir while it runs (a worktree, a spool file):
 * the worker process, named by pid **and** start time so a recycled pid never passes for it.
 * A later worker removes what belongs to owners that no longer run.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks after boot at which `pid` started (field 22 of /proc/<pid>/stat); undefined if it is gone. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ppid ..." — comm may contain spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return undefined;
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

export interface Owner {
  pid: number;
  startTime: number;
}

let self: Owner | undefined;

/** This process as an owner. */
export function currentOwner(): Owner {
  self ??= { pid: process.pid, startTime: processStartTime(process.pid) ?? 0 };
  return self;
}

/** Whether the process that was `owner` still runs (same pid, same start time). */
export function ownerAlive(owner: Owner): boolean {
  const start = processStartTime(owner.pid);
  return start !== undefined && start === owner.startTime;
}

const TAG_RE = /^o(\d+)-(\d+)_/;

/** `name` prefixed with this process's tag: `o<pid>-<starttime>_<name>`. */
export function ownedName(name: string): string {
  const { pid, startTime } = currentOwner();
  return `o${pid}-${startTime}_${name}`;
}

/** The owner a name made by `ownedName` carries, or undefined for names without one. */
export function ownerOf(name: string): Owner | undefined {
  const m = TAG_RE.exec(name);
  return m ? { pid: Number(m[1]), startTime: Number(m[2]) } : undefined;
}
