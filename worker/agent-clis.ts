/**
 * The real agent CLIs the contract suite runs (issue 8): pinned npm packages, installed once, on
 * demand, into `${XDG_CACHE_HOME:-~/.cache}/switchyard/agent-clis/<name>-<version>/`, like the
 * Temporal CLI (temporal-cli.ts). SWITCHYARD_<NAME>_CLI_PATH names a preinstalled binary instead.
 * Also a script: `node dist/worker/agent-clis.js` ensures all three and prints `<name> <path>` lines.
 */
import { execFile, spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acquireInstallLock, isMainModule } from './install-lock.js';

export type AgentCliName = 'claude' | 'codex' | 'gemini';

export interface AgentCliSpec {
  name: AgentCliName;
  /** The provider kind in config that runs this CLI. */
  kind: 'claude-code' | 'codex' | 'gemini';
  pkg: string;
  version: string;
  /** The executable in node_modules/.bin. */
  bin: string;
  /** Variable naming a preinstalled binary (which must report `version`). */
  pathEnv: string;
}

/** The versions the contract suite (test/contract/agent-clis.test.ts) runs and covers. */
export const AGENT_CLIS: Record<AgentCliName, AgentCliSpec> = {
  claude: {
    name: 'claude',
    kind: 'claude-code',
    pkg: '@anthropic-ai/claude-code',
    version: '2.1.328',
    bin: 'claude',
    pathEnv: 'SWITCHYARD_CLAUDE_CLI_PATH',
  },
  codex: {
    name: 'codex',
    kind: 'codex',
    pkg: '@openai/codex',
    version: '0.169.0',
    bin: 'codex',
    pathEnv: 'SWITCHYARD_CODEX_CLI_PATH',
  },
  gemini: {
    name: 'gemini',
    kind: 'gemini',
    pkg: '@google/gemini-cli',
    version: '0.61.0',
    bin: 'gemini',
    pathEnv: 'SWITCHYARD_GEMINI_CLI_PATH',
  },
};

/** Provider kind → the CLI versions the contract suite covered (aider has none: it is only faked). */
export const TESTED_VERSIONS: Record<string, readonly string[]> = Object.fromEntries(
  Object.values(AGENT_CLIS).map((s) => [s.kind, [s.version]]),
);

export interface EnsureAgentCliOptions {
  log?: (msg: string) => void;
  /** Where the *_CLI_PATH overrides, XDG_CACHE_HOME, HOME and PATH (for npm) are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The npm executable (default `npm`). */
  npm?: string;
}

/** `${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/agent-clis` */
export function agentClisCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'switchyard', 'agent-clis');
}

export function installDir(spec: AgentCliSpec, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(agentClisCacheDir(env), `${spec.name}-${spec.version}`);
}

/** The npm invocation that installs `spec` into `prefix`. */
export function npmInstallArgs(spec: AgentCliSpec, prefix: string): string[] {
  return ['install', '--prefix', prefix, '--no-audit', '--no-fund', `${spec.pkg}@${spec.version}`];
}

/** The version a CLI's `--version` prints ("2.1.328 (Claude Code)", "codex-cli 0.169.0", "0.61.0"). */
export function parseCliVersion(output: string): string | undefined {
  return /\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/.exec(output)?.[1];
}

/** Runs `<file> --version`; the version it prints, or why it did not work. */
export async function cliVersion(file: string): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    if (!(await fsp.stat(file)).isFile()) return { ok: false, reason: 'not a file' };
  } catch {
    return { ok: false, reason: 'not found' };
  }
  return new Promise((resolve) => {
    execFile(file, ['--version'], { timeout: 30_000 }, (err, stdout, stderr) => {
      const out = `${stdout}${stderr}`.trim();
      const version = parseCliVersion(out);
      if (err) resolve({ ok: false, reason: `\`${path.basename(file)} --version\` failed: ${err.message.trim()}` });
      else if (!version) resolve({ ok: false, reason: `unexpected --version output: ${out.slice(0, 200)}` });
      else resolve({ ok: true, version });
    });
  });
}

export async function ensureAgentCli(spec: AgentCliSpec, opts: EnsureAgentCliOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));

  // An explicit choice is never replaced by an install; it must be the pinned version.
  const override = env[spec.pathEnv];
  if (override) {
    const check = await cliVersion(override);
    if (!check.ok) throw new Error(`${spec.pathEnv}=${override} is not a working ${spec.bin}: ${check.reason}`);
    if (check.version !== spec.version)
      throw new Error(
        `${spec.pathEnv}=${override} is ${spec.bin} ${check.version}; the contract suite needs ${spec.version}`,
      );
    return override;
  }

  const dir = installDir(spec, env);
  const binary = path.join(dir, 'node_modules', '.bin', spec.bin);
  if (await works(binary, spec)) return binary;

  const root = agentClisCacheDir(env);
  await fsp.mkdir(root, { recursive: true });
  const release = await acquireInstallLock(path.join(root, `.${spec.name}.lock`), spec.pkg, log);
  try {
    // Another process may have installed it while we waited.
    if (await works(binary, spec)) return binary;
    // A private prefix renamed into place when done: nobody sees a half-installed package.
    const staging = await fsp.mkdtemp(path.join(root, `.${spec.name}-${spec.version}-`));
    try {
      const args = npmInstallArgs(spec, staging);
      log(`Installing ${spec.pkg}@${spec.version} (first time only)…`);
      log(`  npm ${args.join(' ')}`);
      const started = Date.now();
      const run = await runNpm(opts.npm ?? 'npm', args, env);
      if (run.code !== 0)
        throw new Error(
          `npm install ${spec.pkg}@${spec.version} failed (${run.error ?? `exit code ${run.code}`}):\n${run.tail}`,
        );
      const staged = path.join(staging, 'node_modules', '.bin', spec.bin);
      const check = await cliVersion(staged);
      if (!check.ok || check.version !== spec.version)
        throw new Error(
          `npm installed ${spec.pkg}@${spec.version} but ${staged} ${check.ok ? `is ${check.version}` : `does not work: ${check.reason}`}`,
        );
      await fsp.rm(dir, { recursive: true, force: true });
      await fsp.rename(staging, dir); // .bin links are relative, so they survive the move
      log(`Installed ${spec.pkg}@${spec.version} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    } finally {
      await fsp.rm(staging, { recursive: true, force: true });
    }
  } finally {
    await release();
  }
  return binary;
}

/** All three, installed in parallel (each under its own lock). */
export async function ensureAgentClis(opts: EnsureAgentCliOptions = {}): Promise<Record<AgentCliName, string>> {
  const specs = Object.values(AGENT_CLIS);
  const paths = await Promise.all(specs.map((s) => ensureAgentCli(s, opts)));
  return Object.fromEntries(specs.map((s, i) => [s.name, paths[i]])) as Record<AgentCliName, string>;
}

async function works(binary: string, spec: AgentCliSpec): Promise<boolean> {
  const check = await cliVersion(binary);
  return check.ok && check.version === spec.version;
}

interface NpmRun {
  code: number | null;
  tail: string;
  error?: string;
}

function runNpm(npm: string, args: string[], env: NodeJS.ProcessEnv): Promise<NpmRun> {
  return new Promise((resolve) => {
    const child = spawn(npm, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let spawnError: string | undefined;
    const take = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => (spawnError = err.message));
    child.on('close', (code) => resolve({ code: spawnError ? null : code, tail: out.trim(), error: spawnError }));
  });
}

if (isMainModule(import.meta.url)) {
  ensureAgentClis().then(
    (paths) => {
      for (const [name, file] of Object.entries(paths)) process.stdout.write(`${name} ${file}\n`);
    },
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
