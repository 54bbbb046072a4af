/**
 * Which config a command uses: --config, else the usual lookup (switchyard.config.yaml /
 * SWITCHYARD_CONFIG), else the one `switchyard start` recorded in ./.switchyard, so tasks
 * submitted next to an embedded server resolve against the config its worker runs with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findConfigPath } from '../../worker/config.js';
import { UsageError, type CliIo } from './common.js';

/** Written by `switchyard start` into its data dir: the absolute path of the config in use. */
export const CONFIG_IN_USE_FILE = 'config-in-use';
export const DEFAULT_DATA_DIR = '.switchyard';

export interface LocatedConfig {
  path: string;
  /** How it was found, for messages. */
  how: 'flag' | 'lookup' | 'start';
}

export function locateConfig(io: CliIo, explicit?: string): LocatedConfig | undefined {
  if (explicit) {
    const p = path.resolve(io.cwd, explicit);
    if (!fs.existsSync(p)) throw new UsageError(`config file not found: ${p} (from --config ${explicit})`);
    return { path: p, how: 'flag' };
  }
  const found = findConfigPath(io.cwd, io.env);
  if (found) return { path: found, how: 'lookup' };
  const recorded = readConfigInUse(path.join(io.cwd, DEFAULT_DATA_DIR));
  if (recorded) return { path: recorded, how: 'start' };
  return undefined;
}

export function requireConfig(io: CliIo, explicit?: string): LocatedConfig {
  const located = locateConfig(io, explicit);
  if (located) return located;
  throw new UsageError(
    `no Switchyard config found: looked for switchyard.config.yaml in ${io.cwd} and $SWITCHYARD_CONFIG`,
    [
      'create switchyard.config.yaml here (repos, providers, staging; see README.md), or point SWITCHYARD_CONFIG at one',
      'or pass --config FILE',
      'or run `switchyard start` in this directory: it sets up a bundled example config and repo to try things with',
    ],
  );
}

export function readConfigInUse(dataDir: string): string | undefined {
  try {
    const p = fs.readFileSync(path.join(dataDir, CONFIG_IN_USE_FILE), 'utf8').trim();
    return p && fs.existsSync(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

export function writeConfigInUse(dataDir: string, configPath: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, CONFIG_IN_USE_FILE), path.resolve(configPath) + '\n');
}
