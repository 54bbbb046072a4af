// Shared by the fake agent CLIs (claude, codex, gemini, aider). Each fake checks its argv like
// the real CLI, plays a scenario and records how it was run. Environment:
//   FAKE_SCENARIO        scenario name (default "success"); <account dir>/scenario wins when present
//   FAKE_DELAY_MS        pause after each output line (default 60)
//   FAKE_SLOW_DELAY_MS   pause per line in "slow-success" (default 200, 40 lines)
//   FAKE_RESET_IN_SEC    quota scenarios: seconds until the limit resets (default 20)
//   FAKE_AGENT_RECORD    append one JSON line per run: { cli, argv, cwd, account, apiKeySet, … }
//   FAKE_EDIT_FILE       file appended to on success (default AGENT_WAS_HERE.md)
//   FAKE_SECRET_VAR      secret-echo: the name of the variable whose value is printed
//   FAKE_PIDS_FILE       hang: where the child pids are written (atomically)
//   FAKE_COST_USD        claude: total_cost_usd of a successful run (default 0.0425)
//   FAKE_AS_ROOT         "1"/"0": pretend to run as root or not (default: the real uid)
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const delayMs = numberEnv('FAKE_DELAY_MS', 60);
export const slowDelayMs = numberEnv('FAKE_SLOW_DELAY_MS', 200);
export const resetInSec = numberEnv('FAKE_RESET_IN_SEC', 20);
export const editFile = process.env.FAKE_EDIT_FILE || 'AGENT_WAS_HERE.md';
/** A key-shaped secret the secret-echo scenario prints (never a real key). */
export const FAKE_ANTHROPIC_KEY = 'sk-ant-api03-FAKEfakeFAKEfake0123456789abcdefABCDEF-xyzXYZ';

function numberEnv(name, dflt) {
  const v = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(v) ? v : dflt;
}

/** The scenario: `<accountDir>/scenario` if it exists, else FAKE_SCENARIO, else "success". */
export function scenarioFor(accountDir) {
  if (accountDir) {
    const file = join(accountDir, 'scenario');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  }
  return process.env.FAKE_SCENARIO || 'success';
}

export function isRoot() {
  if (process.env.FAKE_AS_ROOT === '1') return true;
  if (process.env.FAKE_AS_ROOT === '0') return false;
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Writes one line to stdout (or stderr) and pauses, so readers see a live stream. */
export async function out(line, stream = 'stdout', pause = delayMs) {
  (stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`);
  if (pause > 0) await sleep(pause);
}

export const json = (obj) => out(JSON.stringify(obj));

/** Ends the process once stdout and stderr are flushed. */
export async function exit(code) {
  await new Promise((r) => process.stdout.write('', r));
  await new Promise((r) => process.stderr.write('', r));
  process.exit(code);
}

export async function die(message, code) {
  await out(message, 'stderr', 0);
  await exit(code);
}

export function readStdin() {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

export function record(entry) {
  const file = process.env.FAKE_AGENT_RECORD;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ ...entry, pid: process.pid, at: new Date().toISOString() })}\n`);
}

/** The edit a successful run makes: a line in the edit file, plus the .switchyard notes. */
export function doEdit(dir, cli) {
  const role = process.env.SWITCHYARD_ROLE;
  const sw = join(dir, '.switchyard');
  if (role === 'analyst') {
    mkdirSync(sw, { recursive: true });
    writeFileSync(join(sw, 'analysis.md'), `# Analysis\n\nThe fake ${cli} looked at the repository.\n`);
  } else {
    appendFileSync(join(dir, editFile), `${cli} was here (${process.env.SWITCHYARD_ROLE ?? 'no role'})\n`);
  }
  if (role) {
    mkdirSync(sw, { recursive: true });
    writeFileSync(
      join(sw, 'summary.md'),
      `The fake ${cli} ${role === 'analyst' ? 'analysed' : 'edited'} the repository.\n`,
    );
  }
}

/** What secret-echo prints: the value of $FAKE_SECRET_VAR's variable and a key-shaped string. */
export function secretText() {
  const name = process.env.FAKE_SECRET_VAR;
  const value = name ? (process.env[name] ?? '') : '';
  return `debug: ${name ?? 'FAKE_SECRET_VAR unset'}=${value} key=${FAKE_ANTHROPIC_KEY}`;
}

/**
 * Starts a child shell with a `sleep 300` grandchild, writes "shellPid\nsleepPid\n" to
 * $FAKE_PIDS_FILE (temp + rename), then prints progress forever via `tick`.
 */
export async function hang(tick) {
  const child = spawn('sh', ['-c', 'sleep 300 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const sleepPid = await new Promise((resolve) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(Number(buf.trim()));
    });
  });
  const file = process.env.FAKE_PIDS_FILE;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `${child.pid}\n${sleepPid}\n`);
    renameSync(`${file}.tmp`, file);
  }
  for (let i = 1; ; i++) {
    await tick(i);
    await sleep(Math.max(delayMs, 200));
  }
}

/** "3:04 PM" today, else "Mar 10th, 2026 3:39 AM" (codex's format_retry_timestamp), local zone. */
export function codexRetryTimestamp(resetMs, nowMs = Date.now()) {
  const d = new Date(resetMs);
  const time = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', hour12: true }).format(d);
  if (d.toDateString() === new Date(nowMs).toDateString()) return time;
  const day = d.getDate();
  const suffix = day >= 11 && day <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[day % 10] ?? 'th');
  const month = new Intl.DateTimeFormat('en-US', { month: 'short' }).format(d);
  return `${month} ${day}${suffix}, ${d.getFullYear()} ${time}`;
}

/** "5pm" / "3:50pm" in UTC, as Claude prints reset times. */
export function claudeResetClock(resetMs) {
  const d = new Date(resetMs);
  const h = d.getUTCHours();
  const m = d.getUTCMinutes();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return `${h12}${m ? `:${String(m).padStart(2, '0')}` : ''}${h < 12 ? 'am' : 'pm'}`;
}

/** Finds the git repository containing `dir` (a .git directory or worktree file), or undefined. */
export function gitRoot(dir) {
  let d = dir;
  for (;;) {
    if (existsSync(join(d, '.git'))) return d;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** Minimal option parser: `spec` maps each flag to 'bool' | 'value' | 'multi'. */
export function parseArgs(args, spec, { stopAt = [] } = {}) {
  const opts = {};
  const positionals = [];
  const unknown = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (positionals.length === 0 && stopAt.includes(a)) {
      positionals.push(...args.slice(i));
      break;
    }
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
      const kind = spec[name];
      if (!kind) {
        unknown.push(name);
        continue;
      }
      let value = true;
      if (kind !== 'bool') {
        if (a.startsWith('--') && eq > 0) value = a.slice(eq + 1);
        else if (i + 1 < args.length) value = args[++i];
        else return { opts, positionals, unknown, missingValue: name };
      }
      if (kind === 'multi') (opts[name] ??= []).push(value);
      else opts[name] = value;
    } else {
      positionals.push(a);
    }
  }
  return { opts, positionals, unknown };
}

/** First defined option among aliases. */
export const opt = (opts, ...names) => names.map((n) => opts[n]).find((v) => v !== undefined);
