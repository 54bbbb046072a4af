/**
 * Every adapter against its fake CLI, one real child process per scenario: the adapter's argv
 * and env start the fake in a real git worktree, its output lines feed the parser, and the
 * classified result is checked (outcome, class, reset, usage, cost, session).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../../workflows/api/index.js';
import type { AgentCliKind, AgentCliProviderConfig } from '../../activities/config-schema.js';
import type {
  AgentFailure,
  AgentProgress,
  AgentRunResult,
  Invocation,
  InvocationInput,
} from '../../activities/agents/adapter.js';
import { ADAPTERS } from '../../activities/agents/registry.js';
import { ARGV_PROMPT_MAX } from '../../activities/agents/classify.js';
import { createRedactor, REDACTED } from '../../activities/agents/redact.js';
import { localTimeZone } from '../../activities/agents/reset-time.js';
import { ProcessStartError } from '../../activities/errors.js';
import { runProcess } from '../../activities/process.js';
import { isAlive } from '../../worker/pid.js';

const FAKES = resolve(import.meta.dirname, '../fakes/bin');
const IS_ROOT = process.getuid?.() === 0;
const ROOT = mkdtempSync(join(tmpdir(), 'agents-fakes-'));
let seq = 0;
const fresh = (name: string): string => {
  const d = join(ROOT, `${name}-${++seq}`);
  mkdirSync(d, { recursive: true });
  return d;
};

afterAll(() => {
  execFileSync('rm', ['-rf', ROOT]);
});

function gitRepo(): string {
  const dir = fresh('repo');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), 'hello\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  return dir;
}

interface RunOptions {
  scenario?: string;
  env?: Record<string, string>;
  provider?: Partial<AgentCliProviderConfig>;
  input?: Partial<InvocationInput>;
  /** Separate stdout/stderr pipes (default: interleaved through runProcess, as the activity does). */
  separateStreams?: boolean;
  timeoutMs?: number;
  dir?: string;
  accountDir?: string;
}

interface Run {
  result: AgentRunResult;
  invocation: Invocation;
  dir: string;
  accountDir: string;
  records: Record<string, unknown>[];
  progress: AgentProgress[];
  t0: number;
  t1: number;
}

async function run(kind: AgentCliKind, opts: RunOptions = {}): Promise<Run> {
  const adapter = ADAPTERS[kind];
  const dir = opts.dir ?? gitRepo();
  const accountDir = opts.accountDir ?? fresh('account');
  const recordFile = join(fresh('record'), 'record.jsonl');
  const provider = {
    kind,
    binary: join(FAKES, adapter.defaultBinary),
    extraArgs: [],
    timeoutSec: 3600,
    env: [],
    accounts: [],
    ...opts.provider,
  } as AgentCliProviderConfig;
  const invocation = adapter.invocation({
    provider,
    prompt: 'Add a line to AGENT_WAS_HERE.md',
    worktreeDir: dir,
    role: 'developer',
    isRoot: IS_ROOT,
    ...opts.input,
  });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? ROOT,
    TZ: localTimeZone(),
    FAKE_DELAY_MS: '5',
    FAKE_SLOW_DELAY_MS: '5',
    FAKE_AGENT_RECORD: recordFile,
    FAKE_SCENARIO: opts.scenario ?? 'success',
    ...(adapter.accountDirEnv ? { [adapter.accountDirEnv]: accountDir } : {}),
    ...invocation.env,
    ...opts.env,
  };
  const parser = adapter.parser();
  const progress: AgentProgress[] = [];
  // As the activity does: end the run when the parser says the CLI will not end by itself.
  const stop = new AbortController();
  let stopped: string | undefined;
  const onLine = (line: string, stream: 'stdout' | 'stderr'): void => {
    parser.onLine(line, stream);
    progress.push(parser.progress());
    if (stopped === undefined && (stopped = parser.stopReason?.()) !== undefined) stop.abort();
  };
  const t0 = Date.now();
  let exit: {
    exitCode: number | null;
    signal?: string | null;
    timedOut: boolean;
    spawnError?: string;
    stopped?: string;
  };
  if (opts.separateStreams) {
    exit = await spawnSeparately(invocation, dir, env, onLine);
  } else {
    try {
      const res = await runProcess(invocation.argv, {
        cwd: dir,
        env,
        input: invocation.stdin,
        timeoutMs: opts.timeoutMs,
        killGraceMs: 500,
        signal: stop.signal,
        onLine: (l) => onLine(l, 'stdout'),
      });
      exit = { exitCode: res.exitCode, signal: res.signal, timedOut: res.timedOut, stopped };
    } catch (err) {
      if (!(err instanceof ProcessStartError)) throw err;
      exit = { exitCode: null, timedOut: false, spawnError: err.code };
    }
  }
  const t1 = Date.now();
  const result = parser.finish({ ...exit, now: t1 });
  const records = existsSync(recordFile)
    ? readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  return { result, invocation, dir, accountDir, records, progress, t0, t1 };
}

function spawnSeparately(
  inv: Invocation,
  cwd: string,
  env: Record<string, string>,
  onLine: (line: string, stream: 'stdout' | 'stderr') => void,
): Promise<{ exitCode: number | null; signal?: string | null; timedOut: boolean; spawnError?: string }> {
  return new Promise((done) => {
    const child = spawn(inv.argv[0], inv.argv.slice(1), { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', (err: NodeJS.ErrnoException) => done({ exitCode: null, timedOut: false, spawnError: err.code }));
    child.stdin.end(inv.stdin ?? '');
    createInterface({ input: child.stdout }).on('line', (l) => onLine(l, 'stdout'));
    createInterface({ input: child.stderr }).on('line', (l) => onLine(l, 'stderr'));
    child.on('close', (code, signal) => done({ exitCode: code, signal, timedOut: false }));
  });
}

function failed(r: AgentRunResult): AgentFailure {
  if (r.ok) throw new Error(`expected a failure, got success: ${JSON.stringify(r)}`);
  return r;
}

/** "HH:MM" and "M-D" of an instant in a zone. */
function wall(ms: number, zone: string): { clock: string; date: string } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return { clock: `${p.hour}:${p.minute}`, date: `${p.month}-${p.day}` };
}

const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------

describe.concurrent('Claude Code adapter with the fake claude', () => {
  it('succeeds with tool use: final text, totals from modelUsage, cost, session, edit, record', async () => {
    const { result, dir, accountDir, records, progress, invocation } = await run('claude-code');
    expect(result).toMatchObject({
      ok: true,
      finalText: 'Done: added a line to AGENT_WAS_HERE.md.',
      reportedCostUsd: 0.0425,
      model: 'claude-sonnet-4-5-20250929',
      turns: 4,
      usage: { inputTokens: 1500, outputTokens: 470, cachedInputTokens: 15000, cacheWriteTokens: 3000 },
    });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(join(dir, 'AGENT_WAS_HERE.md'), 'utf8')).toContain('claude was here');
    expect(readFileSync(join(dir, '.switchyard/summary.md'), 'utf8')).toContain('claude');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ cli: 'claude', account: accountDir, apiKeySet: false, cwd: dir });
    expect(records[0].argv).toEqual(invocation.argv.slice(1));
    expect(invocation.argv).toEqual(expect.arrayContaining(['-p', '--verbose', '--permission-mode']));
    expect(invocation.env.IS_SANDBOX).toBe(IS_ROOT ? '1' : undefined);
    // Live progress: the session is known early, tools show up, cost arrives with the result.
    expect(progress.find((p) => p.sessionId)?.costSoFar).toBeUndefined();
    expect(progress.some((p) => p.lastTool === 'Edit')).toBe(true);
    expect(progress[progress.length - 1].costSoFar).toBe(0.0425);
  });

  it('reads the same run from separate stdout/stderr pipes', async () => {
    const { result } = await run('claude-code', { separateStreams: true });
    expect(result).toMatchObject({ ok: true, reportedCostUsd: 0.0425 });
  });

  it('slow-success streams many lines and counts turns as they come', async () => {
    const { result, progress } = await run('claude-code', { scenario: 'slow-success' });
    expect(result.ok).toBe(true);
    const turns = progress.map((p) => p.turns);
    expect(Math.max(...turns)).toBeGreaterThan(40);
    expect(turns).toEqual([...turns].sort((a, b) => a - b));
  });

  it('quota rejected: RateLimited until resetsAt, account limited', async () => {
    const { result, t0, t1 } = await run('claude-code', { scenario: 'quota-rejected' });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(f.resetAt).toBeGreaterThanOrEqual(Math.floor((t0 + 20_000) / 1000) * 1000);
    expect(f.resetAt).toBeLessThanOrEqual(t1 + 20_000);
    expect(f.message).toContain("You've hit your limit");
    expect(f.sessionId).toBeDefined();
  });

  it('the scenario file in the account directory wins over FAKE_SCENARIO', async () => {
    const accountDir = fresh('account');
    writeFileSync(join(accountDir, 'scenario'), 'quota-rejected\n');
    const { result, records } = await run('claude-code', { scenario: 'success', accountDir });
    expect(failed(result).errorType).toBe(ErrorType.RateLimited);
    expect(records[0]).toMatchObject({ scenario: 'quota-rejected', account: accountDir });
  });

  it('legacy "usage limit reached|<unix>" as a plain success line is still a quota', async () => {
    const { result, t0, t1 } = await run('claude-code', { scenario: 'quota-legacy-pipe' });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(f.resetAt).toBeGreaterThanOrEqual(Math.floor((t0 + 20_000) / 1000) * 1000);
    expect(f.resetAt).toBeLessThanOrEqual(t1 + 20_000);
  });

  it.each([
    ['quota-legacy-reset-at', 'Europe/Warsaw', '17:00'],
    ['quota-5-hour', localTimeZone(), '12:00'],
    ['quota-hit-limit', 'Europe/Lisbon', '13:00'],
    ['quota-session', 'Asia/Tokyo', '15:50'],
  ])('legacy text %s: reset at the next %s %s', async (scenario, zone, clock) => {
    const { result, t1 } = await run('claude-code', { scenario });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(f.resetAt).toBeGreaterThan(t1 - 60_000);
    expect(f.resetAt).toBeLessThanOrEqual(t1 + DAY);
    expect(wall(f.resetAt!, zone).clock).toBe(clock);
  });

  it('weekly limit: "Jun 9, 5am (Australia/Melbourne)" within the coming year', async () => {
    const f = failed((await run('claude-code', { scenario: 'quota-weekly' })).result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(wall(f.resetAt!, 'Australia/Melbourne')).toEqual({ clock: '05:00', date: '6-9' });
    expect(f.resetAt).toBeGreaterThan(Date.now() - DAY);
    expect(f.resetAt).toBeLessThan(Date.now() + 367 * DAY);
  });

  it('not-your-usage-limit 429 is transient and does not cool the account', async () => {
    const f = failed((await run('claude-code', { scenario: 'not-your-limit-429' })).result);
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, accountLimited: false });
    expect(f.resetAt).toBeUndefined();
    expect(f.message).toContain('not your usage limit');
  });

  it.each(['repeated-529', '500'])('%s is ProviderUnavailable, never account limited', async (scenario) => {
    const f = failed((await run('claude-code', { scenario })).result);
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, accountLimited: false });
  });

  it.each([
    ['auth', 'Invalid API key'],
    ['bad-model', "There's an issue with the selected model"],
  ])('%s is ProviderAuth with the provider’s words', async (scenario, words) => {
    const f = failed((await run('claude-code', { scenario })).result);
    expect(f.errorType).toBe(ErrorType.ProviderAuth);
    expect(f.message).toContain(words);
  });

  it('max turns is AgentIncomplete with the usage so far', async () => {
    const { result, invocation } = await run('claude-code', { scenario: 'max-turns', provider: { maxTurns: 2 } });
    expect(invocation.argv).toEqual(expect.arrayContaining(['--max-turns', '2']));
    expect(failed(result)).toMatchObject({ errorType: ErrorType.AgentIncomplete, turns: 2, reportedCostUsd: 0.01 });
  });

  it('budget cap is AgentIncomplete and passes --max-budget-usd', async () => {
    const { result, invocation } = await run('claude-code', { scenario: 'budget-cap', input: { maxBudgetUsd: 0.5 } });
    expect(invocation.argv).toEqual(expect.arrayContaining(['--max-budget-usd', '0.5']));
    expect(failed(result)).toMatchObject({ errorType: ErrorType.AgentIncomplete, reportedCostUsd: 0.5001 });
  });

  it('a run that would cost more than the remaining budget stops at the cap', async () => {
    const { result } = await run('claude-code', { env: { FAKE_COST_USD: '2' }, input: { maxBudgetUsd: 1 } });
    expect(failed(result)).toMatchObject({ errorType: ErrorType.AgentIncomplete, reportedCostUsd: 1.0001 });
  });

  it('a crash without a result line is AgentFailed with the last words', async () => {
    const f = failed((await run('claude-code', { scenario: 'crash' })).result);
    expect(f.errorType).toBe(ErrorType.AgentFailed);
    expect(f.message).toContain('exited with code 1');
    expect(f.message).toContain('TypeError');
    expect(f.sessionId).toBeDefined();
  });

  it('secret-echo output is masked by the redactor', async () => {
    const secret = 'super-secret-token-value-123';
    const { result } = await run('claude-code', {
      scenario: 'secret-echo',
      env: { FAKE_SECRET_VAR: 'MY_TOKEN', MY_TOKEN: secret },
    });
    if (!result.ok) throw new Error(result.message);
    expect(result.finalText).toContain(secret);
    expect(result.finalText).toContain('sk-ant-');
    const redacted = createRedactor([secret])(result.finalText);
    expect(redacted).not.toContain(secret);
    expect(redacted).not.toMatch(/sk-ant-\w/);
    expect(redacted).toContain(REDACTED);
  });

  it('resumes a session by id, and reports a session it cannot find', async () => {
    const dir = gitRepo();
    const accountDir = fresh('account');
    const first = await run('claude-code', { dir, accountDir });
    if (!first.result.ok) throw new Error(first.result.message);
    const again = await run('claude-code', { dir, accountDir, input: { resumeSessionId: first.result.sessionId } });
    expect(again.invocation.resumed).toBe(true);
    expect(again.invocation.argv).toContain(`--resume=${first.result.sessionId}`);
    expect(again.result).toMatchObject({ ok: true, sessionId: first.result.sessionId });

    const lost = await run('claude-code', { dir, input: { resumeSessionId: 'no-such-session' } });
    expect(failed(lost.result)).toMatchObject({ resumeFailed: true, errorType: ErrorType.ProviderUnavailable });
    expect(failed(lost.result).message).toContain('No conversation found with session ID: no-such-session');
  });

  it('offline (retries with error "unknown", server_error, api_error connection_failed) is ProviderUnavailable', async () => {
    const { result, progress } = await run('claude-code', { scenario: 'offline' });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, accountLimited: false });
    expect(f.message).toContain("Can't reach the API server");
    expect(progress.at(-1)?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('not logged in is ProviderAuth with the CLI’s words', async () => {
    const f = failed((await run('claude-code', { scenario: 'not-logged-in' })).result);
    expect(f.errorType).toBe(ErrorType.ProviderAuth);
    expect(f.message).toContain('Not logged in · Please run /login');
  });

  it('the fake refuses --max-budget-usd 0 like the real CLI; the adapter never passes less than the minimum', async () => {
    const zero = failed((await run('claude-code', { provider: { extraArgs: ['--max-budget-usd', '0'] } })).result);
    expect(zero.errorType).toBe(ErrorType.ConfigInvalid);
    expect(zero.message).toContain('must be a number greater than 0');
    // A sliver of budget left: the cap is the CLI's minimum, and the run stops at it.
    const { result, records } = await run('claude-code', { scenario: 'budget-cap', input: { maxBudgetUsd: 0.00004 } });
    expect(failed(result).errorType).toBe(ErrorType.AgentIncomplete);
    expect(records[0].argv).toEqual(expect.arrayContaining(['--max-budget-usd', '0.0001']));
  });

  it('as root without IS_SANDBOX the CLI refuses: ToolMissing', async () => {
    const { result, invocation } = await run('claude-code', { input: { isRoot: false }, env: { FAKE_AS_ROOT: '1' } });
    expect(invocation.env.IS_SANDBOX).toBeUndefined();
    const f = failed(result);
    expect(f.errorType).toBe(ErrorType.ToolMissing);
    expect(f.message).toContain('root/sudo');
  });

  it('as root the adapter sets IS_SANDBOX=1 and the run succeeds', async () => {
    const { result, invocation, records } = await run('claude-code', {
      input: { isRoot: true },
      env: { FAKE_AS_ROOT: '1' },
    });
    expect(invocation.env.IS_SANDBOX).toBe('1');
    expect(result.ok).toBe(true);
    expect(records[0].isSandbox).toBe(true);
  });

  it('a wrapper binary that drops --verbose is ConfigInvalid', async () => {
    const wrapper = join(fresh('bin'), 'claude-wrapper');
    writeFileSync(
      wrapper,
      `#!/usr/bin/env node
const { spawnSync } = require('node:child_process');
const r = spawnSync(${JSON.stringify(join(FAKES, 'claude'))}, process.argv.slice(2).filter((a) => a !== '--verbose'), { stdio: 'inherit' });
process.exit(r.status ?? 1);
`,
    );
    chmodSync(wrapper, 0o755);
    const f = failed((await run('claude-code', { provider: { binary: wrapper } })).result);
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
    expect(f.message).toContain('requires --verbose');
  });

  it('extraArgs the CLI does not know are ConfigInvalid', async () => {
    const f = failed((await run('claude-code', { provider: { extraArgs: ['--no-such-flag'] } })).result);
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
    expect(f.message).toContain("unknown option '--no-such-flag'");
  });

  it('a missing binary is ToolMissing', async () => {
    const f = failed((await run('claude-code', { provider: { binary: join(ROOT, 'no-such-claude') } })).result);
    expect(f.errorType).toBe(ErrorType.ToolMissing);
    expect(f.message).toContain('ENOENT');
  });

  it('is found on PATH under its default name', async () => {
    const { result, invocation } = await run('claude-code', {
      provider: { binary: undefined },
      env: { PATH: `${FAKES}:${process.env.PATH}` },
    });
    expect(invocation.argv[0]).toBe('claude');
    expect(result.ok).toBe(true);
  });

  it('long prompts and prompts starting with "-" go through stdin', async () => {
    const long = `Fix it.\n${'x'.repeat(ARGV_PROMPT_MAX + 10)}`;
    const a = await run('claude-code', { input: { prompt: long } });
    expect(a.invocation.stdin).toBe(long);
    expect(a.invocation.argv).not.toContain(long);
    expect(a.result.ok).toBe(true);
    expect(a.records[0].prompt).toBe(long);
    const b = await run('claude-code', { input: { prompt: '- do the thing' } });
    expect(b.result.ok).toBe(true);
    expect(b.records[0].prompt).toBe('- do the thing');
  });

  it('reads the --output-format json array form', async () => {
    const adapter = ADAPTERS['claude-code'];
    const dir = gitRepo();
    const provider = {
      kind: 'claude-code',
      binary: join(FAKES, 'claude'),
      extraArgs: [],
      timeoutSec: 60,
      env: [],
      accounts: [],
    } as AgentCliProviderConfig;
    const inv = adapter.invocation({ provider, prompt: 'go', worktreeDir: dir, role: 'developer', isRoot: IS_ROOT });
    const argv = inv.argv.map((a) => (a === 'stream-json' ? 'json' : a));
    const parser = adapter.parser();
    const lines: string[] = [];
    const res = await runProcess(argv, {
      cwd: dir,
      env: { PATH: process.env.PATH, ...inv.env, FAKE_DELAY_MS: '1', CLAUDE_CONFIG_DIR: fresh('account') },
      onLine: (l) => {
        lines.push(l);
        parser.onLine(l, 'stdout');
      },
    });
    // One array line; the fake's stderr warning also starts with "[" and must be read as text.
    expect(lines.filter((l) => l.startsWith('[{'))).toHaveLength(1);
    expect(parser.finish({ exitCode: res.exitCode, timedOut: false, now: Date.now() })).toMatchObject({
      ok: true,
      reportedCostUsd: 0.0425,
      usage: { inputTokens: 1500 },
    });
  });

  it('hang: a timeout kills the CLI and its children; the run is AgentIncomplete', async () => {
    const pids = join(fresh('pids'), 'pids');
    const { result } = await run('claude-code', { scenario: 'hang', env: { FAKE_PIDS_FILE: pids }, timeoutMs: 1500 });
    expect(failed(result).errorType).toBe(ErrorType.AgentIncomplete);
    const children = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(children).toHaveLength(2);
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

describe.concurrent('Codex adapter with the fake codex', () => {
  it('succeeds: thread id, last agent message, usage without the cached share, no cost', async () => {
    const { result, dir, accountDir, records, progress, invocation } = await run('codex');
    expect(result).toMatchObject({
      ok: true,
      finalText: 'Added a line to AGENT_WAS_HERE.md.',
      usage: { inputTokens: 315, cachedInputTokens: 24448, outputTokens: 122 },
    });
    if (!result.ok) return;
    expect(result.reportedCostUsd).toBeUndefined();
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(invocation.argv.slice(1, 7)).toEqual(['exec', '--json', '-C', dir, '--sandbox', 'workspace-write']);
    expect(readFileSync(join(dir, 'AGENT_WAS_HERE.md'), 'utf8')).toContain('codex was here');
    expect(records[0]).toMatchObject({ cli: 'codex', account: accountDir, dir });
    expect(progress.some((p) => p.lastTool?.startsWith('shell: '))).toBe(true);
    expect(progress.some((p) => p.lastTool?.startsWith('edit: '))).toBe(true);
  });

  it('reconnect notices are not the end', async () => {
    const { result } = await run('codex', { scenario: 'reconnect-then-success' });
    expect(result.ok).toBe(true);
  });

  it('network down: the CLI never exits; the run is ended after the bounded waits, ProviderUnavailable', async () => {
    // Without our bound only the timeout would end it.
    const { result, progress } = await run('codex', { scenario: 'network-down', timeoutMs: 60_000 });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, accountLimited: false });
    expect(f.message).toContain('waiting for network');
    expect(progress.at(-1)?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('usage limit "try again at <time>" is RateLimited at that time', async () => {
    const { result, t0, t1 } = await run('codex', { scenario: 'usage-limit', env: { FAKE_RESET_IN_SEC: '3600' } });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    // The CLI prints whole minutes.
    expect(f.resetAt).toBeGreaterThanOrEqual(t0 + 3600_000 - 60_000);
    expect(f.resetAt).toBeLessThanOrEqual(t1 + 3600_000);
  });

  it('usage limit on a later date ("Mar 10th, 2026 3:39 AM" format)', async () => {
    const { result, t0, t1 } = await run('codex', {
      scenario: 'usage-limit',
      env: { FAKE_RESET_IN_SEC: String(3 * 86400) },
    });
    const f = failed(result);
    expect(f.errorType).toBe(ErrorType.RateLimited);
    expect(f.resetAt).toBeGreaterThanOrEqual(t0 + 3 * DAY - 60_000);
    expect(f.resetAt).toBeLessThanOrEqual(t1 + 3 * DAY);
  });

  it('usage limit "try again in 3 days 6 hours 57 minutes"', async () => {
    const { result, t0, t1 } = await run('codex', { scenario: 'usage-limit-days' });
    const d = ((3 * 24 + 6) * 60 + 57) * 60_000;
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(f.resetAt).toBeGreaterThanOrEqual(t0 + d);
    expect(f.resetAt).toBeLessThanOrEqual(t1 + d);
  });

  it('usage limit "Try again Aug 18." is the start of that local day', async () => {
    const f = failed((await run('codex', { scenario: 'usage-limit-date' })).result);
    expect(f.errorType).toBe(ErrorType.RateLimited);
    const today = wall(Date.now(), localTimeZone()).date;
    if (today === '8-18') expect(f.resetAt).toBeUndefined();
    else expect(wall(f.resetAt!, localTimeZone())).toEqual({ clock: '00:00', date: '8-18' });
  });

  it.each([
    ['billing', ErrorType.ProviderAuth, 'Quota exceeded'],
    ['auth', ErrorType.ProviderAuth, 'refresh token has expired'],
    ['bad-model', ErrorType.ProviderAuth, 'model is not supported'],
    ['high-demand', ErrorType.ProviderUnavailable, 'high demand'],
    ['crash', ErrorType.AgentFailed, 'panicked'],
  ])('%s → %s', async (scenario, type, words) => {
    const f = failed((await run('codex', { scenario })).result);
    expect(f.errorType).toBe(type);
    expect(f.message).toContain(words);
    expect(f.accountLimited).not.toBe(true);
  });

  it('refuses a directory outside git: ConfigInvalid naming the broken worktree', async () => {
    const f = failed((await run('codex', { dir: fresh('not-a-repo') })).result);
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
    expect(f.message).toContain('Not inside a trusted directory');
  });

  it('resumes with the flags before `resume`, and reports a lost thread', async () => {
    const dir = gitRepo();
    const accountDir = fresh('account');
    const first = await run('codex', {
      dir,
      accountDir,
      provider: { model: 'gpt-5-codex', extraArgs: ['-c', 'model_reasoning_effort=high'] },
    });
    if (!first.result.ok) throw new Error(first.result.message);
    const id = first.result.sessionId!;
    const again = await run('codex', {
      dir,
      accountDir,
      provider: { model: 'gpt-5-codex', extraArgs: ['-c', 'model_reasoning_effort=high'] },
      input: { resumeSessionId: id },
    });
    const argv = again.invocation.argv;
    expect(argv.slice(-3)).toEqual(['resume', id, 'Add a line to AGENT_WAS_HERE.md']);
    expect(argv.indexOf('-m')).toBeLessThan(argv.indexOf('resume'));
    expect(argv.indexOf('-c')).toBeLessThan(argv.indexOf('resume'));
    expect(again.result).toMatchObject({ ok: true, sessionId: id });

    const lost = await run('codex', { dir, input: { resumeSessionId: 'nope' } });
    expect(failed(lost.result).resumeFailed).toBe(true);
    expect(failed(lost.result).message).toContain('no rollout found for thread id nope');
  });

  it('unknown extraArgs are ConfigInvalid', async () => {
    const f = failed((await run('codex', { provider: { extraArgs: ['--bogus'] } })).result);
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
  });

  it('secret-echo and slow-success succeed', async () => {
    const s = await run('codex', { scenario: 'secret-echo', env: { FAKE_SECRET_VAR: 'TOK', TOK: 'codex-secret-xyz' } });
    expect(s.result.ok && s.result.finalText).toContain('codex-secret-xyz');
    const slow = await run('codex', { scenario: 'slow-success' });
    expect(slow.result.ok).toBe(true);
  });

  it('a long prompt goes through stdin as "-"', async () => {
    const long = 'y'.repeat(ARGV_PROMPT_MAX + 1);
    const { result, invocation, records } = await run('codex', { input: { prompt: long } });
    expect(invocation.argv[invocation.argv.length - 1]).toBe('-');
    expect(result.ok).toBe(true);
    expect(records[0].prompt).toBe(long);
  });
});

// ---------------------------------------------------------------------------------------------

describe.concurrent('Gemini adapter with the fake gemini', () => {
  it('succeeds: deltas joined, stats, session, model', async () => {
    const { result, dir, accountDir, records, invocation } = await run('gemini');
    expect(result).toMatchObject({
      ok: true,
      finalText: 'Done: I added a line to AGENT_WAS_HERE.md.',
      model: 'gemini-2.5-pro',
      usage: { inputTokens: 4900, outputTokens: 350, cachedInputTokens: 8000 },
    });
    expect(invocation.argv).toEqual(expect.arrayContaining(['-o', 'stream-json', '--approval-mode=yolo']));
    expect(readFileSync(join(dir, 'AGENT_WAS_HERE.md'), 'utf8')).toContain('gemini was here');
    expect(records[0]).toMatchObject({ cli: 'gemini', account: accountDir });
  });

  it('runs in a fresh worktree because the adapter trusts it; untrusted, the fake refuses like the real CLI', async () => {
    const trusted = await run('gemini');
    expect(trusted.invocation.env.GEMINI_CLI_TRUST_WORKSPACE).toBe('true');
    expect(trusted.result.ok).toBe(true);
    const f = failed((await run('gemini', { env: { GEMINI_CLI_TRUST_WORKSPACE: '' } })).result);
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
    expect(f.message).toContain('exit 55');
    expect(f.message).toContain('not running in a trusted directory');
    expect(f.message).not.toMatch(/\u001b/);
    // Without credentials the real CLI gets to its auth check first.
    const auth = failed((await run('gemini', { scenario: 'auth', env: { GEMINI_CLI_TRUST_WORKSPACE: '' } })).result);
    expect(auth.errorType).toBe(ErrorType.ProviderAuth);
  });

  it('network down (retries, then fetch failed, error type "unknown") is ProviderUnavailable', async () => {
    const f = failed((await run('gemini', { scenario: 'network-down' })).result);
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, accountLimited: false });
    expect(f.message).toContain('fetch failed');
  });

  it('a warning error event is not fatal', async () => {
    expect((await run('gemini', { scenario: 'loop-warning' })).result.ok).toBe(true);
  });

  it('capacity quota (exit 173): RateLimited after "reset after 2h30m"', async () => {
    const { result, t0, t1 } = await run('gemini', { scenario: 'quota', env: { FAKE_RESET_IN_SEC: '9000' } });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(f.message).toContain('2h30m');
    expect(f.resetAt).toBeGreaterThanOrEqual(t0 + 9_000_000);
    expect(f.resetAt).toBeLessThanOrEqual(t1 + 9_000_000);
  });

  it('daily quota: RateLimited until midnight Pacific', async () => {
    const { result, t1 } = await run('gemini', { scenario: 'quota-daily' });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(wall(f.resetAt!, 'America/Los_Angeles').clock).toBe('00:00');
    expect(f.resetAt! - t1).toBeLessThanOrEqual(DAY);
  });

  it('per-minute limit: transient with the delay the provider asked for', async () => {
    const f = failed((await run('gemini', { scenario: 'per-minute' })).result);
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, retryAfterMs: 44_090, accountLimited: false });
  });

  it.each([
    ['auth', ErrorType.ProviderAuth, 'exit 41'],
    ['bad-model', ErrorType.ProviderAuth, 'not found'],
    ['turn-limit', ErrorType.AgentIncomplete, 'exit 53'],
    ['crash', ErrorType.AgentFailed, 'exit 1'],
  ])('%s → %s', async (scenario, type, words) => {
    const f = failed((await run('gemini', { scenario })).result);
    expect(f.errorType).toBe(type);
    expect(f.message).toContain(words);
  });

  it('unknown extraArgs are ConfigInvalid (exit 42)', async () => {
    const f = failed((await run('gemini', { provider: { extraArgs: ['--bogus'] } })).result);
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
  });

  it('per-account scenario through GEMINI_CLI_HOME', async () => {
    const accountDir = fresh('account');
    writeFileSync(join(accountDir, 'scenario'), 'quota');
    expect(failed((await run('gemini', { accountDir })).result).errorType).toBe(ErrorType.RateLimited);
  });

  it('a long prompt goes through stdin', async () => {
    const long = 'z'.repeat(ARGV_PROMPT_MAX + 1);
    const { result, records } = await run('gemini', { input: { prompt: long } });
    expect(result.ok).toBe(true);
    expect(String(records[0].prompt).startsWith(long)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe.concurrent('Aider adapter with the fake aider', () => {
  it('succeeds with its cost line: session cost, tokens, no commit', async () => {
    const { result, dir, records, invocation } = await run('aider');
    expect(result).toMatchObject({
      ok: true,
      reportedCostUsd: 0.0086,
      usage: { inputTokens: 2300, outputTokens: 180 },
      turns: 1,
    });
    expect(invocation.argv).toEqual(
      expect.arrayContaining([
        '--yes-always',
        '--no-auto-commits',
        '--no-stream',
        '--no-pretty',
        '--no-check-update',
        '--analytics-disable',
      ]),
    );
    expect(readFileSync(join(dir, 'AGENT_WAS_HERE.md'), 'utf8')).toContain('aider was here');
    expect(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir }).toString().trim()).toBe('1');
    expect(records[0]).toMatchObject({ cli: 'aider', account: null });
  });

  it('reads the cache variant with Cost on the next line', async () => {
    const { result } = await run('aider', { scenario: 'success-cache' });
    expect(result).toMatchObject({
      ok: true,
      reportedCostUsd: 0.1,
      usage: { inputTokens: 12000, cacheWriteTokens: 8100, cachedInputTokens: 2000, outputTokens: 180 },
    });
  });

  it('reads a usage line without cost', async () => {
    const { result } = await run('aider', { scenario: 'success-nocost', provider: { model: 'openai/gpt-4.1' } });
    expect(result).toMatchObject({ ok: true, usage: { inputTokens: 1500, outputTokens: 95 } });
    if (result.ok) expect(result.reportedCostUsd).toBeUndefined();
  });

  it('an error that a later call recovered from is not a failure', async () => {
    expect((await run('aider', { scenario: 'retry-then-success' })).result.ok).toBe(true);
  });

  it('rate limited, retried, gave up — exit 0 — is RateLimited without a reset', async () => {
    const { result } = await run('aider', { scenario: 'rate-limited' });
    const f = failed(result);
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    expect(f.resetAt).toBeUndefined();
    expect(f.message).toContain('rate limited you');
  });

  it.each([
    ['auth', ErrorType.ProviderAuth, 'not able to authenticate'],
    ['overloaded', ErrorType.ProviderUnavailable, 'down or overloaded'],
    ['bad-model', ErrorType.ProviderAuth, 'NotFoundError'],
    ['crash', ErrorType.AgentFailed, 'exited with code 1'],
  ])('%s → %s', async (scenario, type, words) => {
    const f = failed((await run('aider', { scenario })).result);
    expect(f.errorType).toBe(type);
    expect(f.message).toContain(words);
  });

  it('unknown extraArgs are ConfigInvalid (argparse exit 2)', async () => {
    const f = failed((await run('aider', { provider: { extraArgs: ['--bogus'] } })).result);
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
    expect(f.message).toContain('unrecognized arguments');
  });

  it('adds .aider* to .gitignore unless the repository already ignores it', async () => {
    const a = await run('aider');
    expect(readFileSync(join(a.dir, '.gitignore'), 'utf8')).toContain('.aider*');
    const dir = gitRepo();
    writeFileSync(join(dir, '.git/info/exclude'), '.aider*\n');
    await run('aider', { dir });
    expect(existsSync(join(dir, '.gitignore'))).toBe(false);
    expect(existsSync(join(dir, '.aider.chat.history.md'))).toBe(true);
  });

  it('a long prompt goes through --message-file /dev/stdin', async () => {
    const long = 'w'.repeat(ARGV_PROMPT_MAX + 1);
    const { result, invocation, records } = await run('aider', { input: { prompt: long } });
    expect(invocation.argv.slice(1, 3)).toEqual(['--message-file', '/dev/stdin']);
    expect(result.ok).toBe(true);
    expect(records[0].prompt).toBe(long);
  });

  it('slow-success and secret-echo succeed', async () => {
    expect((await run('aider', { scenario: 'slow-success' })).result.ok).toBe(true);
    const s = await run('aider', { scenario: 'secret-echo', env: { FAKE_SECRET_VAR: 'K', K: 'aider-secret-123' } });
    expect(s.result.ok && s.result.finalText).toContain('aider-secret-123');
  });
});
