/**
 * Runs a real agent CLI (from worker/agent-clis.ts) the way the worker would: the adapter's own
 * argv and env, in a fresh git worktree, with an isolated HOME and account directory. Nothing
 * leaves the machine: every API base URL points at a closed loopback port, telemetry and update
 * checks are off, and when the kernel allows it the CLI runs in a network namespace that has only
 * loopback (`unshare -n`). Retries are capped with the CLIs' own settings; Codex, which never
 * gives up on a dead network, is stopped after a few "waiting for network" notices.
 */
import { spawn, spawnSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ADAPTERS } from '../../activities/agents/registry.js';
import { type AgentRunResult, type ExitInfo, type InvocationInput } from '../../activities/agents/adapter.js';
import type { AgentCliProviderConfig } from '../../activities/config-schema.js';
import { AGENT_CLIS, type AgentCliName } from '../../worker/agent-clis.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

export { SCENARIOS, type Scenario };

/** No scenario needs longer; a run that reaches this is killed and reported as timed out. */
export const RUN_TIMEOUT_MS = 45_000;

export interface RunRecord {
  scenario: Scenario;
  /** The adapter's argv with the temp paths replaced by <binary>, <worktree>, <tmp>. */
  argv: string[];
  /** Names of the variables the CLI got (values are not recorded: some are keys, some temp paths). */
  envNames: string[];
  stdout: string[];
  stderr: string[];
  /** Both streams in arrival order, as the worker's runProcess hands them to the parser. */
  lines: { stream: 'stdout' | 'stderr'; line: string }[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when we stopped the CLI ourselves (Codex reconnect bound). */
  stoppedBy?: string;
  durationMs: number;
  isolatedNetwork: boolean;
  result: AgentRunResult;
}

let netnsChecked: string[] | null | undefined;
/** The command prefix that gives a child a loopback-only network, or null when the kernel refuses. */
export function loopbackOnlyPrefix(): string[] | null {
  if (netnsChecked !== undefined) return netnsChecked;
  const script = 'ip link set lo up 2>/dev/null || true; exec "$@"';
  for (const flags of [['-n'], ['-rn']]) {
    const prefix = ['unshare', ...flags, 'sh', '-c', script, 'sh'];
    const r = spawnSync(prefix[0], [...prefix.slice(1), 'true'], { stdio: 'ignore', timeout: 10_000 });
    if (r.status === 0) return (netnsChecked = prefix);
  }
  return (netnsChecked = null);
}

/** A loopback port nothing listens on: connections to it are refused at once. */
export async function closedLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
}

/** What a scenario needs on disk and in the environment, per CLI. */
async function cliSetup(
  cli: AgentCliName,
  account: string,
  baseUrl: string,
  withKey: boolean,
): Promise<Record<string, string>> {
  await fsp.mkdir(account, { recursive: true });
  switch (cli) {
    case 'claude':
      return {
        CLAUDE_CONFIG_DIR: account,
        ANTHROPIC_BASE_URL: baseUrl,
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_AUTOUPDATER: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        CLAUDE_CODE_MAX_RETRIES: '1',
        ...(withKey ? { ANTHROPIC_API_KEY: 'sk-ant-api03-contract-suite-fake-key-000000000000' } : {}),
      };
    case 'codex':
      await fsp.writeFile(
        path.join(account, 'config.toml'),
        [
          `openai_base_url = "${baseUrl}/v1"`,
          `chatgpt_base_url = "${baseUrl}/backend-api/"`,
          'check_for_update_on_startup = false',
          '',
          '[analytics]',
          'enabled = false',
          '',
          '[otel]',
          'exporter = "none"',
          '',
        ].join('\n'),
      );
      return {
        CODEX_HOME: account,
        OPENAI_BASE_URL: `${baseUrl}/v1`,
        ...(withKey
          ? {
              OPENAI_API_KEY: 'sk-proj-contract-suite-fake-key-000000000000',
              CODEX_API_KEY: 'sk-proj-contract-suite-fake-key-000000000000',
            }
          : {}),
      };
    case 'gemini':
      await fsp.mkdir(path.join(account, '.gemini'), { recursive: true });
      await fsp.writeFile(
        path.join(account, '.gemini', 'settings.json'),
        JSON.stringify(
          {
            // maxAttempts bounds the chat's retries, retryFetchErrors:false the model router's (10 by default).
            general: {
              maxAttempts: 1,
              retryFetchErrors: false,
              enableAutoUpdate: false,
              enableAutoUpdateNotification: false,
            },
            privacy: { usageStatisticsEnabled: false },
            telemetry: { enabled: false },
            // GOOGLE_GEMINI_BASE_URL alone would select the "gateway" auth type; a key needs its type named.
            ...(withKey ? { security: { auth: { selectedType: 'gemini-api-key' } } } : {}),
          },
          null,
          2,
        ),
      );
      return {
        GEMINI_CLI_HOME: account,
        CODE_ASSIST_ENDPOINT: baseUrl,
        ...(withKey
          ? { GEMINI_API_KEY: 'AIzaContractSuiteFakeKey000000000000000', GOOGLE_GEMINI_BASE_URL: baseUrl }
          : {}),
      };
  }
}

export async function runScenario(scenario: Scenario, binary: string): Promise<RunRecord> {
  const spec = AGENT_CLIS[scenario.cli];
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), `switchyard-contract-${scenario.cli}-`));
  try {
    const repo = path.join(tmp, 'repo');
    const worktree = path.join(tmp, 'wt');
    const home = path.join(tmp, 'home');
    await fsp.mkdir(repo);
    await fsp.mkdir(home);
    await fsp.mkdir(path.join(tmp, 'tmp'));
    await git(repo, 'init', '-q', '-b', 'main');
    await fsp.writeFile(path.join(repo, 'README.md'), '# contract suite\n');
    await git(repo, 'add', '-A');
    await git(repo, '-c', 'user.email=ci@example.invalid', '-c', 'user.name=ci', 'commit', '-q', '-m', 'init');
    await git(repo, 'worktree', 'add', '-q', '-b', 'task', worktree);

    const isolated = loopbackOnlyPrefix();
    const port = await closedLoopbackPort();
    // An unresolvable host only inside the namespace: outside it the lookup would leave the machine.
    const baseUrl =
      scenario.baseUrl === 'unresolvable' && isolated
        ? 'http://api.contract-suite.invalid'
        : `http://127.0.0.1:${port}`;

    const provider = {
      kind: spec.kind,
      binary,
      extraArgs: scenario.extraArgs ?? [],
      env: [],
      accounts: [],
      timeoutSec: RUN_TIMEOUT_MS / 1000,
    } as AgentCliProviderConfig;
    const input: InvocationInput = {
      provider,
      prompt: 'Reply with the single word: pong',
      worktreeDir: worktree,
      role: 'developer',
      isRoot: process.getuid?.() === 0,
      ...(scenario.resumeSessionId ? { resumeSessionId: scenario.resumeSessionId } : {}),
      ...(scenario.maxBudgetUsd !== undefined ? { maxBudgetUsd: scenario.maxBudgetUsd } : {}),
    };
    const adapter = ADAPTERS[spec.kind];
    const invocation = adapter.invocation(input);
    const env: Record<string, string> = {
      PATH: [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      // Not an ancestor of the account dir: Codex refuses to put its helpers under the temp dir.
      TMPDIR: path.join(tmp, 'tmp'),
      LANG: 'C.UTF-8',
      ...(await cliSetup(scenario.cli, path.join(tmp, 'account'), baseUrl, scenario.key)),
      ...invocation.env,
      ...(scenario.env ?? {}),
    };

    const parser = adapter.parser();
    const record: Omit<RunRecord, 'result' | 'exitCode' | 'signal' | 'durationMs'> = {
      scenario,
      argv: normaliseArgv(invocation.argv, { binary, worktree, tmp }),
      envNames: Object.keys(env).sort(),
      stdout: [],
      stderr: [],
      lines: [],
      timedOut: false,
      isolatedNetwork: isolated !== null,
    };
    const [file, ...args] = [...(isolated ?? []), ...invocation.argv];
    const started = Date.now();
    const child = spawn(file, args, { cwd: worktree, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    child.stdin.end(invocation.stdin ?? '');
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    };
    // The adapter's own rule ends a run the CLI would not end (Codex waiting for a network), as cli-agent does.
    const take = (stream: 'stdout' | 'stderr') => (line: string) => {
      record[stream].push(line);
      record.lines.push({ stream, line });
      parser.onLine(line, stream);
      const stop = record.stoppedBy === undefined ? parser.stopReason?.() : undefined;
      if (stop) {
        record.stoppedBy = stop;
        killGroup('SIGTERM');
      }
    };
    const closedOut = new Promise((r) =>
      readline.createInterface({ input: child.stdout }).on('close', r).on('line', take('stdout')),
    );
    const closedErr = new Promise((r) =>
      readline.createInterface({ input: child.stderr }).on('close', r).on('line', take('stderr')),
    );
    const timer = setTimeout(() => {
      record.timedOut = true;
      killGroup('SIGKILL');
    }, RUN_TIMEOUT_MS);
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    clearTimeout(timer);
    killGroup('SIGKILL'); // leftovers of the CLI's own children
    await Promise.all([closedOut, closedErr]);
    const durationMs = Date.now() - started;
    const exitInfo: ExitInfo = {
      exitCode: exit.code,
      signal: exit.signal,
      timedOut: record.timedOut,
      stopped: record.stoppedBy,
      now: Date.now(),
    };
    return { ...record, exitCode: exit.code, signal: exit.signal, durationMs, result: parser.finish(exitInfo) };
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

function normaliseArgv(argv: string[], paths: { binary: string; worktree: string; tmp: string }): string[] {
  return argv.map((a, i) =>
    i === 0 && a === paths.binary
      ? `<${path.basename(a)}>`
      : a.split(paths.worktree).join('<worktree>').split(paths.tmp).join('<tmp>'),
  );
}

/** Feeds recorded lines to the adapter's parser: what the worker would decide from them. */
export function classifyRecorded(
  cli: AgentCliName,
  lines: { stream: 'stdout' | 'stderr'; line: string }[],
  exit: Omit<ExitInfo, 'now'>,
): AgentRunResult {
  const parser = ADAPTERS[AGENT_CLIS[cli].kind].parser();
  // As in a live run: the adapter's stop rule ends the run at the line that triggers it.
  let stopped: string | undefined;
  for (const l of lines) {
    parser.onLine(l.line, l.stream);
    stopped = parser.stopReason?.();
    if (stopped) break;
  }
  return parser.finish({ ...exit, stopped, now: Date.now() });
}

/**
 * The event shapes of a run: `type` plus `subtype` (Claude), `item.type` (Codex) or `role`
 * (Gemini messages) of every JSON line, and `text` for any other line. A new CLI version that
 * adds, drops or renames an event changes this set.
 */
export function eventShapes(lines: string[]): string[] {
  const shapes = new Set<string>();
  for (const line of lines) {
    const t = line.trim();
    if (!t) continue;
    let ev: unknown;
    try {
      ev = t.startsWith('{') ? JSON.parse(t) : undefined;
    } catch {
      ev = undefined;
    }
    if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) {
      shapes.add('text');
      continue;
    }
    const e = ev as Record<string, unknown>;
    const item = typeof e.item === 'object' && e.item !== null ? (e.item as Record<string, unknown>) : undefined;
    const sub = e.subtype ?? item?.type ?? (e.type === 'message' ? e.role : undefined);
    shapes.add(`${String(e.type)}${sub !== undefined ? `/${String(sub)}` : ''}`);
  }
  return [...shapes].sort();
}
