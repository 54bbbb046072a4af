/**
 * Every environment a child process gets is built here: agents, test and staging commands and the
 * watchdog start from a small base (secrets stay in the worker unless the config names them); git
 * inherits the worker's, with what would redirect or stall it taken out.
 */
import type { AccountConfig } from './config-schema.js';

/** Passed to every child process; anything else must be named explicitly (secrets stay in the worker). */
export const BASE_ENV_VARS = ['PATH', 'HOME', 'USER', 'LANG', 'TMPDIR', 'SHELL', 'TERM'] as const;

/** The small base environment plus the variables the config names (by name only). */
export function baseEnv(
  source: NodeJS.ProcessEnv = process.env,
  names: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of [...BASE_ENV_VARS, ...names]) {
    const v = source[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export interface PassThroughEnv {
  env: Record<string, string>;
  /** The non-empty values passed: what the child's output must be redacted of. */
  passed: string[];
  /** Named variables the worker does not have. */
  missing: string[];
}

/** The base environment with a provider's pass-through variables. */
export function passThroughEnv(names: readonly string[], source: NodeJS.ProcessEnv = process.env): PassThroughEnv {
  return {
    env: baseEnv(source, names),
    passed: names.map((n) => source[n]).filter((v): v is string => !!v),
    missing: names.filter((n) => source[n] === undefined),
  };
}

/**
 * The environment an account contributes: directories as written, `$NAME` values read from the
 * worker's environment (secrets never live in config). Returns the secret values for redaction.
 */
export function accountEnv(
  account: AccountConfig,
  source: NodeJS.ProcessEnv = process.env,
): { env: Record<string, string>; secrets: string[]; missing: string[] } {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(account.env)) {
    if (value.startsWith('$')) {
      const v = source[value.slice(1)];
      if (v === undefined) missing.push(value.slice(1));
      else {
        env[key] = v;
        secrets.push(v);
      }
    } else env[key] = value;
  }
  return { env, secrets, missing };
}

export interface AgentRunVars {
  role: string;
  taskId: string;
  attempt: number;
  worktreeDir: string;
}

/** What every agent, CLI or command, is told about its run. */
export function agentRunEnv(run: AgentRunVars, promptFile: string): Record<string, string> {
  return {
    SWITCHYARD_PROMPT_FILE: promptFile,
    SWITCHYARD_ROLE: run.role,
    SWITCHYARD_TASK_ID: run.taskId,
    SWITCHYARD_ATTEMPT: String(run.attempt),
    SWITCHYARD_WORKTREE: run.worktreeDir,
  };
}

/** Inherited from a hook or a parent git, these would redirect every command to another repository. */
const GIT_REDIRECTS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_COMMON_DIR',
  'GIT_PREFIX',
];

/** git's environment: the worker's, never prompting, in English, committing as `author`. */
export function gitEnv(author: { name: string; email: string }, source: NodeJS.ProcessEnv = process.env) {
  const env: NodeJS.ProcessEnv = {
    ...source,
    // Never wait for a password prompt; fail and report instead.
    GIT_TERMINAL_PROMPT: '0',
    // English messages: errors are classified by their text.
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
  for (const k of GIT_REDIRECTS) delete env[k];
  return env;
}

/** Only PATH: for helpers of the worker itself (the watchdog), which must not inherit its markers or NODE_OPTIONS. */
export function pathOnlyEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { PATH: source.PATH ?? '/usr/bin:/bin' };
}
