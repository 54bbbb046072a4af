/**
 * The fakes against the recordings of the real CLIs (test/fixtures/agent-clis): every event shape a
 * fake prints must have been printed by the real CLI, or be one of the few documented success-path
 * shapes that an offline recording cannot produce. And where a fake plays a recorded scenario, the
 * parser must decide on the fake's output as it decides on the recording. No real CLI is run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../activities/agents/registry.js';
import { type AgentRunResult, type InvocationInput } from '../../activities/agents/adapter.js';
import type { AgentCliProviderConfig } from '../../activities/config-schema.js';
import { AGENT_CLIS, type AgentCliName } from '../../worker/agent-clis.js';
import { classifyRecorded, eventShapes, SCENARIOS } from './harness.js';
import { readFixture } from './record.js';

const FAKES = resolve(import.meta.dirname, '../fakes/bin');
const CLIS: AgentCliName[] = ['claude', 'codex', 'gemini'];
/** Never a session any fake has stored. */
const UNKNOWN_SESSION = '0b6f4bd6-3c1e-4c53-9a57-2f1de2a7c0aa';

/**
 * Documented in docs/agent-clis.md but never recorded: offline, no real run gets past the API
 * call, so tool use, assistant text, usage totals and quota notices cannot be captured here. Keep it
 * to shapes a section names; everything else a fake prints must come from a recording.
 */
const UNKNOWN = 'What our fakes must do: "includes unknown event types" (the parsers must ignore them)';
const CLAUDE = 'Claude Code — `claude -p`';
const CODEX = 'OpenAI Codex — `codex exec`';
const GEMINI = 'Google Gemini CLI — `gemini -p`';
/** Shape → the docs/agent-clis.md section that documents it. */
const DOCUMENTED_UNRECORDED: Record<AgentCliName, Record<string, string>> = {
  claude: {
    fake_future_event: UNKNOWN,
    user: `${CLAUDE}: \`user\` lines with \`tool_result\` blocks`,
    rate_limit_event: `${CLAUDE}: \`rate_limit_event\`; Quota (usage limit), item 1`,
    stream_event: `${CLAUDE}: "possibly … \`stream_event\`"`,
    'result/error_max_turns': `${CLAUDE}: the \`result\` line's \`subtype\``,
    'result/error_max_budget_usd': `${CLAUDE}: the \`result\` line's \`subtype\``,
  },
  codex: {
    'fake.future_event': UNKNOWN,
    'item.started/command_execution': `${CODEX}: item.started with \`command_execution\``,
    'item.started/todo_list': `${CODEX}: item.started with \`todo_list\``,
    'item.completed/command_execution': `${CODEX}: item.completed with \`command_execution\``,
    'item.completed/reasoning': `${CODEX}: item.completed with \`reasoning\``,
    'item.completed/file_change': `${CODEX}: item.completed with \`file_change\``,
    'item.completed/agent_message': `${CODEX}: item.completed with \`agent_message {text}\``,
    'turn.completed': `${CODEX}: \`turn.completed {usage}\``,
    'turn.failed': `${CODEX}: \`turn.failed {error:{message}}\` (usage limit, auth, bad model)`,
  },
  gemini: {
    fake_future_event: UNKNOWN,
    'message/assistant': `${GEMINI}: \`message {role, content, delta}\` (assistant text)`,
    tool_use: `${GEMINI}: \`tool_use {tool_name, tool_id, parameters}\``,
    tool_result: `${GEMINI}: \`tool_result {tool_id, status, output | error}\``,
    error: `${GEMINI}: \`error {severity, message}\` (warnings such as "Loop detected")`,
  },
};

/** One run of a fake: a FAKE_SCENARIO plus, for the argv cases, what the adapter is given. */
interface FakeCase {
  name: string;
  scenario: string;
  extraArgs?: string[];
  env?: Record<string, string>;
  input?: Partial<InvocationInput>;
  /** Stop after this many lines (a scenario that never ends by itself and no stop rule ends). */
  maxLines?: number;
}

/** Every scenario the fake's own switch knows: a new scenario is checked without touching this file. */
function fakeScenarios(cli: AgentCliName): string[] {
  const source = readFileSync(join(FAKES, cli), 'utf8');
  return [...source.matchAll(/^\s*case '([^']+)':/gm)].map((m) => m[1]);
}

/** The cases that exercise the fakes' argv checks rather than a scenario. */
const ARGV_CASES: Record<AgentCliName, FakeCase[]> = {
  claude: [
    { name: 'unknown-flag', scenario: 'success', extraArgs: ['--no-such-flag'] },
    { name: 'resume-unknown-session', scenario: 'success', input: { resumeSessionId: UNKNOWN_SESSION } },
    { name: 'max-budget-zero', scenario: 'success', extraArgs: ['--max-budget-usd', '0'] },
    { name: 'budget-nearly-spent', scenario: 'offline', input: { maxBudgetUsd: 0.00005 } },
  ],
  codex: [
    { name: 'unknown-flag', scenario: 'success', extraArgs: ['--no-such-flag'] },
    { name: 'resume-unknown-session', scenario: 'success', input: { resumeSessionId: UNKNOWN_SESSION } },
  ],
  gemini: [
    { name: 'unknown-flag', scenario: 'success', extraArgs: ['--no-such-flag'] },
    { name: 'skip-trust-flag', scenario: 'network-down', extraArgs: ['--skip-trust'] },
    // Trust withdrawn although the adapter sets GEMINI_CLI_TRUST_WORKSPACE (docs/agent-clis.md §3: exit 55).
    { name: 'untrusted', scenario: 'success', env: { GEMINI_RESTRICTED_MODE: 'true' } },
  ],
};

const casesFor = (cli: AgentCliName): FakeCase[] => [
  ...fakeScenarios(cli).map((scenario) => ({
    name: scenario,
    scenario,
    ...(scenario === 'hang' ? { maxLines: 3 } : {}),
  })),
  ...ARGV_CASES[cli],
];

/**
 * The recorded scenarios and the fake case that plays each; every recording must be listed, so a
 * new recording without a fake counterpart fails until it gets one.
 */
const RECORDED_AS: Record<AgentCliName, Record<string, string>> = {
  claude: {
    'no-credentials': 'not-logged-in',
    'network-unreachable': 'offline',
    'dns-unresolvable': 'offline',
    'resume-unknown-session': 'resume-unknown-session',
    'unknown-flag': 'unknown-flag',
    'max-budget-zero': 'max-budget-zero',
    'budget-nearly-spent': 'budget-nearly-spent',
  },
  codex: {
    'no-credentials': 'network-down',
    'network-unreachable': 'network-down',
    'resume-unknown-session': 'resume-unknown-session',
    'unknown-flag': 'unknown-flag',
  },
  gemini: {
    'no-credentials': 'auth',
    'fresh-worktree': 'network-down',
    'trust-env': 'network-down',
    'skip-trust-flag': 'skip-trust-flag',
    'unknown-flag': 'unknown-flag',
  },
};

interface FakeRun {
  lines: string[];
  result: AgentRunResult;
}

const ROOT = mkdtempSync(join(tmpdir(), 'fake-shapes-'));
let seq = 0;
const fresh = (name: string): string => {
  const d = join(ROOT, `${name}-${++seq}`);
  mkdirSync(d, { recursive: true });
  return d;
};
afterAll(() => execFileSync('rm', ['-rf', ROOT]));

function gitRepo(): string {
  const dir = fresh('repo');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), 'hello\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  return dir;
}

/** Runs a fake with the adapter's argv and env, both streams apart, ended by the adapter's stop rule. */
async function runFake(cli: AgentCliName, c: FakeCase): Promise<FakeRun> {
  const adapter = ADAPTERS[AGENT_CLIS[cli].kind];
  const dir = gitRepo();
  const provider = {
    kind: AGENT_CLIS[cli].kind,
    binary: join(FAKES, adapter.defaultBinary),
    extraArgs: c.extraArgs ?? [],
    timeoutSec: 60,
    env: [],
    accounts: [],
  } as AgentCliProviderConfig;
  const invocation = adapter.invocation({
    provider,
    prompt: 'Reply with the single word: pong',
    worktreeDir: dir,
    role: 'developer',
    isRoot: process.getuid?.() === 0,
    ...c.input,
  });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: fresh('home'),
    FAKE_DELAY_MS: '0',
    FAKE_SLOW_DELAY_MS: '0',
    FAKE_SCENARIO: c.scenario,
    ...(adapter.accountDirEnv ? { [adapter.accountDirEnv]: fresh('account') } : {}),
    ...invocation.env,
    ...c.env,
  };
  const parser = adapter.parser();
  const lines: string[] = [];
  let stopped: string | undefined;
  const child = spawn(invocation.argv[0], invocation.argv.slice(1), {
    cwd: dir,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  child.stdin.end(invocation.stdin ?? '');
  const take = (stream: 'stdout' | 'stderr') => (line: string) => {
    if (stopped !== undefined) return;
    lines.push(line);
    parser.onLine(line, stream);
    stopped =
      parser.stopReason?.() ?? (c.maxLines !== undefined && lines.length >= c.maxLines ? 'line cap' : undefined);
    if (stopped !== undefined) killGroup();
  };
  const closed = [child.stdout, child.stderr].map(
    (input, i) =>
      new Promise((r) =>
        createInterface({ input })
          .on('line', take(i === 0 ? 'stdout' : 'stderr'))
          .on('close', r),
      ),
  );
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.on('error', fail);
    child.on('exit', (code, signal) => done({ code, signal }));
  });
  killGroup(); // the hang scenario's grandchildren
  await Promise.all(closed);
  return {
    lines,
    result: parser.finish({ exitCode: exit.code, signal: exit.signal, timedOut: false, stopped, now: Date.now() }),
  };
}

const runs = new Map<string, Promise<FakeRun>>();
/** Each case runs once; both test groups share the run. */
const fakeRun = (cli: AgentCliName, c: FakeCase): Promise<FakeRun> => {
  const key = `${cli}/${c.name}`;
  if (!runs.has(key)) runs.set(key, runFake(cli, c));
  return runs.get(key)!;
};

const recordedShapes = new Map<AgentCliName, Set<string>>();
beforeAll(async () => {
  for (const cli of CLIS) {
    const shapes = new Set<string>();
    for (const s of SCENARIOS.filter((x) => x.cli === cli)) {
      const f = await readFixture(cli, s.name);
      for (const shape of eventShapes(f.lines.map((l) => l.line))) shapes.add(shape);
    }
    recordedShapes.set(cli, shapes);
  }
});

for (const cli of CLIS) {
  describe.concurrent(`fake ${cli}: event shapes come from the recordings of ${cli} ${AGENT_CLIS[cli].version}`, () => {
    it('has a small allow-list of documented shapes, none of them recorded', () => {
      const recorded = recordedShapes.get(cli)!;
      expect(Object.keys(DOCUMENTED_UNRECORDED[cli]).filter((s) => recorded.has(s))).toEqual([]);
    });

    for (const c of casesFor(cli)) {
      it(`scenario ${c.name}`, async () => {
        const { lines } = await fakeRun(cli, c);
        expect(lines.length, `fake ${cli} scenario ${c.name} printed nothing`).toBeGreaterThan(0);
        const recorded = recordedShapes.get(cli)!;
        const unknown = eventShapes(lines).filter((s) => !recorded.has(s) && !(s in DOCUMENTED_UNRECORDED[cli]));
        expect(
          unknown,
          `fake ${cli} scenario "${c.name}" prints event shapes no recording contains and docs/agent-clis.md does not document: ${unknown.join(', ')}`,
        ).toEqual([]);
      });
    }

    it('uses every allow-listed shape in some scenario (no dead entries)', async () => {
      const printed = new Set<string>();
      for (const c of casesFor(cli)) for (const s of eventShapes((await fakeRun(cli, c)).lines)) printed.add(s);
      expect(Object.keys(DOCUMENTED_UNRECORDED[cli]).filter((s) => !printed.has(s))).toEqual([]);
    });
  });

  describe.concurrent(`the parser decides on a ${cli} recording as on the fake that plays it`, () => {
    it('maps every recording to a fake case', () => {
      const recorded = SCENARIOS.filter((s) => s.cli === cli).map((s) => s.name);
      expect(Object.keys(RECORDED_AS[cli]).sort()).toEqual(recorded.sort());
    });

    for (const [recording, caseName] of Object.entries(RECORDED_AS[cli])) {
      it(`${recording} ↔ fake ${caseName}`, async () => {
        const c = casesFor(cli).find((x) => x.name === caseName);
        expect(c, `no fake ${cli} case ${caseName}`).toBeDefined();
        const f = await readFixture(cli, recording);
        const real = classifyRecorded(cli, f.lines, {
          exitCode: f.meta.exitCode,
          signal: f.meta.signal,
          timedOut: f.meta.timedOut,
        });
        const fake = (await fakeRun(cli, c!)).result;
        const decision = (r: AgentRunResult) =>
          r.ok ? { ok: true } : { ok: false, errorType: r.errorType, resumeFailed: r.resumeFailed === true };
        const [got, want] = [decision(fake), decision(real)];
        expect(
          got,
          `fake ${cli} ${caseName} is decided ${JSON.stringify(got)}, recording ${recording} ${JSON.stringify(want)}`,
        ).toEqual(want);
      });
    }
  });
}
