/**
 * What the provisioning modules (the Temporal CLI, the agent CLIs) share: a lock so two processes
 * do not both spend minutes installing the same thing, and "was this file run as a script".
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAlive } from './pid.js';

/**
 * Takes the lock directory `lock` (its owner's pid inside); a lock whose owner is gone is taken
 * over. `what` names the install in the message a waiter prints once. Returns the release.
 */
export async function acquireInstallLock(
  lock: string,
  what: string,
  log: (msg: string) => void,
): Promise<() => Promise<void>> {
  const owner = path.join(lock, 'owner');
  let announced = false;
  for (;;) {
    // The lock appears with its owner already inside (a rename), so no waiter ever reads it without one.
    const staged = `${lock}.${process.pid}-${randomUUID().slice(0, 8)}`;
    await fsp.mkdir(staged, { recursive: true });
    await fsp.writeFile(path.join(staged, 'owner'), `${process.pid}\n`);
    try {
      await fsp.rename(staged, lock);
      return () => fsp.rm(lock, { recursive: true, force: true });
    } catch (err) {
      await fsp.rm(staged, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
    }
    const pid = Number((await fsp.readFile(owner, 'utf8').catch(() => '')).trim());
    const age = Date.now() - ((await fsp.stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now());
    // A lock without an owner file was left by an older version or a crash mid-way.
    if (pid > 0 ? !isAlive(pid) : age > 10_000) {
      await fsp.rm(lock, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`Another process${pid > 0 ? ` (pid ${pid})` : ''} is installing ${what}; waiting for it…`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Whether the module at `moduleUrl` is the script node was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return moduleUrl === pathToFileURL(fs.realpathSync(script)).href;
  } catch {
    return false;
  }
}
