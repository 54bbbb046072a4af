/**
 * Loading switchyard.config.yaml: YAML → zod schema (activities/config-schema.ts) → paths resolved
 * against the config file's directory. Every problem is reported at once, each as
 * `<file>: <field.path>: <what was wrong>`, so a user fixes the whole file in one go.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isRemoteUrl, sshPathProblem } from '../workflows/grammar.js';
import { configSchema, type Config } from '../activities/config-schema.js';
import { describe, formatIssues, formatPath, lineAt, parseYaml, validate } from './yaml-validation.js';

export type { Config } from '../activities/config-schema.js';

export const CONFIG_FILE_NAME = 'switchyard.config.yaml';

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One entry per problem, `<field.path>: <problem>` (the file is in `file` and in the message). */
  readonly issues: string[];
  readonly file?: string;

  constructor(issues: string[], file?: string) {
    const where = file ?? 'config';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid Switchyard config (${count}):\n${issues.map((i) => `  ${where}: ${i}`).join('\n')}`);
    this.issues = issues;
    this.file = file;
  }
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file. */
  path: string;
  /** Its directory: what relative paths in it were resolved against. */
  dir: string;
}

/** `SWITCHYARD_CONFIG` (must exist), else `<cwd>/switchyard.config.yaml` when present. */
export function findConfigPath(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.SWITCHYARD_CONFIG?.trim();
  if (fromEnv) {
    const path = resolve(cwd, fromEnv);
    if (!existsSync(path)) {
      throw new ConfigError([`SWITCHYARD_CONFIG points to a file that does not exist (${fromEnv})`], path);
    }
    return path;
  }
  const local = resolve(cwd, CONFIG_FILE_NAME);
  return existsSync(local) ? local : undefined;
}

export function loadConfig(path: string): LoadedConfig {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new ConfigError([`cannot read the config: ${why}`], abs);
  }
  return { config: parseConfig(text, abs), path: abs, dir: dirname(abs) };
}

/** Parse and validate config text; relative paths resolve against `dirname(file)`. */
export function parseConfig(text: string, file: string): Config {
  const abs = resolve(file);
  const { yaml, issues } = parseYaml(text);
  if (issues.length > 0) throw new ConfigError(issues, abs);
  // An empty file is a config with every default.
  const raw: unknown = yaml.doc.contents === null ? {} : yaml.doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      [`(top level): expected a mapping of settings (repos:, providers:, ...), got ${describe(raw)}`],
      abs,
    );
  }
  const checked = validate(configSchema, raw, yaml);
  if (!checked.success) throw new ConfigError(formatIssues(checked.issues), abs);
  const config = resolveConfigPaths(checked.data, dirname(abs));
  // ssh reinterprets some characters in its paths: the config file's own folder may bring them in.
  const pathIssues = Object.entries(config.staging).flatMap(([name, target]) =>
    target.transport !== 'ssh'
      ? []
      : (['identityFile', 'knownHostsFile'] as const).flatMap((key) => {
          const why = sshPathProblem(target[key]);
          const path = ['staging', name, key];
          return why
            ? [{ text: `${formatPath(path)}: resolved against the config file, ${why}`, line: lineAt(yaml, path) }]
            : [];
        }),
  );
  if (pathIssues.length > 0) throw new ConfigError(formatIssues(pathIssues), abs);
  return config;
}

// ---------------------------------------------------------------------------------------------
// Relative paths

// One rule for what is a git remote rather than a local path: the grammar's.
export { isRemoteUrl };

function resolveArgv(argv: string[], dir: string): string[] {
  return argv.map((word) => (word.startsWith('./') || word.startsWith('../') ? resolve(dir, word) : word));
}

/**
 * Test and staging commands run inside the task's worktree (or on the staging host), so `./gradlew`
 * means the repo's file and is left alone; the agent program (run from anywhere) and an ssh target's
 * key and known_hosts files are resolved against the config file.
 */
function resolveConfigPaths(config: Config, dir: string): Config {
  const repos = Object.fromEntries(
    Object.entries(config.repos).map(([name, repo]) => [
      name,
      { ...repo, url: isRemoteUrl(repo.url) || isAbsolute(repo.url) ? repo.url : resolve(dir, repo.url) },
    ]),
  );
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([name, provider]) => [
      name,
      provider.kind === 'command'
        ? { ...provider, command: resolveArgv(provider.command, dir) }
        : provider.kind === 'delegated'
          ? provider
          : { ...provider, ...(provider.binary ? { binary: resolveArgv([provider.binary], dir)[0] } : {}) },
    ]),
  );
  const staging = Object.fromEntries(
    Object.entries(config.staging).map(([name, target]) => [
      name,
      target.transport === 'ssh'
        ? {
            ...target,
            identityFile: resolve(dir, target.identityFile),
            knownHostsFile: resolve(dir, target.knownHostsFile),
          }
        : target,
    ]),
  );
  return { ...config, dataDir: resolve(dir, config.dataDir), repos, staging, providers };
}

// ---------------------------------------------------------------------------------------------
// Live config: a fixed file takes effect without restarting the worker

export interface ConfigSource {
  current(): Config;
  path?: string;
}

export type ConfigLog = ((message: string) => void) | { warn(message: string): void };

function logWith(log: ConfigLog | undefined, message: string): void {
  if (!log) console.error(message);
  else if (typeof log === 'function') log(message);
  else log.warn(message);
}

/**
 * Re-reads the file when it changes (mtime, size or inode). A broken edit keeps the last good
 * config and logs the error once per change. The first load must succeed (throws ConfigError).
 */
export function fileConfigSource(path: string, log?: ConfigLog): ConfigSource {
  const abs = resolve(path);
  const signature = (): string => {
    try {
      const st = statSync(abs);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return 'missing';
    }
  };
  let seen = signature();
  let config = loadConfig(abs).config;
  return {
    path: abs,
    current(): Config {
      const now = signature();
      if (now === seen) return config;
      seen = now;
      try {
        config = loadConfig(abs).config;
        logWith(log, `config reloaded from ${abs}`);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        logWith(log, `${detail}\nKeeping the last valid config until ${abs} is fixed.`);
      }
      return config;
    },
  };
}

export function staticConfigSource(config: Config): ConfigSource {
  return { current: () => config };
}
