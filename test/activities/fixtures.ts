/**
 * Real git repositories in temp dirs for the activity tests, plus a Config builder. Repos are
 * committed with -c identity so nothing depends on the machine's global git config.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { configSchema, type Config } from '../../activities/config-schema.js';

const GIT_ID = ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', '-c', 'commit.gpgsign=false'];

export function sh(cwd: string, cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

export const gitIn = (cwd: string, ...args: string[]): string => sh(cwd, 'git', [...GIT_ID, ...args]).trim();

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `switchyard-${prefix}-`));
}

/** A repo with `files` committed on main (plus a README). */
export function makeRepo(files: Record<string, string> = {}): string {
  const dir = tempDir('origin');
  gitIn(dir, 'init', '--quiet', '-b', 'main');
  writeFiles(dir, { 'README.md': '# fixture\n', ...files });
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

export function commitFiles(dir: string, files: Record<string, string>, message: string): string {
  writeFiles(dir, files);
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '--quiet', '-m', message);
  return gitIn(dir, 'rev-parse', 'HEAD');
}

/** A Config through the real schema, so defaults are the ones the worker would see. */
export function makeConfig(raw: Record<string, unknown>): Config {
  return configSchema.parse(raw);
}

export function removeAll(dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** An activity Context for one test (cancel() is sticky); failures are expected, so no warnings. */
export const mockActivityEnv = (): MockActivityEnvironment =>
  new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** Runs `fn` with `env` as its activity Context (typed, unlike env.run). */
export const runIn = <R>(env: MockActivityEnvironment, fn: () => Promise<R>): Promise<R> => env.run(fn);
