/** Whether a process still runs: one answer for the dev server, the embedded store, locks and tests. */
import { readFileSync } from 'node:fs';

/** Running, and not a zombie (or dead) process waiting for a parent that will not reap it. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "pid (comm) S ..." — comm may contain spaces, so read the state after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux'; // on Linux: gone since the kill(0)
  }
}
