#!/usr/bin/env node
// Bootstrap behind `npm start` / `npm test` (and the test harness, as `prepare`): installs what a fresh clone lacks
// (dependencies, dist/, the Temporal CLI; for `test` also the real agent CLIs of the contract suite), then runs the
// command. Plain Node, no dependencies.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['workflows', 'activities', 'worker', 'client', 'bench'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const say = (msg) => process.stderr.write(`switchyard: ${msg}\n`);

const COMMANDS = {
  // Only the set-up (the test harness calls this before starting its server).
  prepare: () => undefined,
  start: (args) => [process.execPath, [path.join(root, 'bin', 'switchyard.js'), 'start', ...args]],
  test: (args) => [process.execPath, [vitestEntry(), 'run', ...args]],
  bench: (args) => [process.execPath, [path.join(root, 'dist', 'bench', 'run.js'), ...args]],
};

const [command, ...args] = process.argv.slice(2);
if (!COMMANDS[command]) {
  say(`usage: node scripts/run.mjs ${Object.keys(COMMANDS).join('|')} [args…] (got ${command ?? 'nothing'})`);
  process.exit(2);
}

installDependencies();
buildIfStale();
const temporalCli = ensureTemporalCli();
// Only the tests run the real agent CLIs (test/contract); `start` uses whatever the config names.
const agentClis = command === 'test' ? ensureAgentClis() : {};
const next = COMMANDS[command](args);
if (next) run(next[0], next[1], { ...process.env, TEMPORAL_CLI_PATH: temporalCli, ...agentClis });

function installDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const hasLock = fs.existsSync(lock);
  if (!fs.existsSync(path.join(root, 'node_modules'))) {
    // fall through to install
  } else if (!hasLock || (fs.existsSync(installed) && mtime(installed) >= mtime(lock))) {
    return;
  }
  say(`installing dependencies (npm ${hasLock ? 'ci' : 'install'})…`);
  if (hasLock && trySpawn(npm, ['ci', '--no-audit', '--no-fund']).status === 0) return;
  // npm ci refuses a lock file that lacks other platforms' optional packages; npm install accepts it.
  if (hasLock) say('npm ci failed (see above); retrying with npm install…');
  step('npm install', npm, ['install', '--no-audit', '--no-fund']);
}

function buildIfStale() {
  const bundle = path.join(root, 'dist', 'workflow-bundle.js');
  const builtAt = fs.existsSync(bundle) ? mtime(bundle) : 0;
  const newest = Math.max(...SOURCE_DIRS.map((d) => newestTs(path.join(root, d))));
  if (builtAt && builtAt >= newest) return;
  say(builtAt ? 'sources changed since the last build: npm run build…' : 'building dist/ (npm run build)…');
  step('npm run build', npm, ['run', 'build']);
}

function ensureTemporalCli() {
  // stderr stays on the terminal: a first-time `go install` reports its progress there.
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'worker', 'temporal-cli.js')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) fail('could not provide the Temporal CLI (see above)', r.status);
  const cli = r.stdout.trim();
  say(`Temporal CLI: ${cli}`);
  return cli;
}

/** The pinned Claude Code, Codex and Gemini CLI (installed once into the cache), as their *_CLI_PATH variables. */
function ensureAgentClis() {
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'worker', 'agent-clis.js')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) fail('could not provide the agent CLIs of the contract suite (see above)', r.status);
  const env = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [name, file] = line.split(' ');
    say(`agent CLI ${name}: ${file}`);
    env[`SWITCHYARD_${name.toUpperCase()}_CLI_PATH`] = file;
  }
  return env;
}

function run(file, fileArgs, env) {
  // Its own process group, so a terminal's Ctrl-C reaches it once, through us, not also directly:
  // the CLI treats a second SIGINT as "exit now without a clean shutdown".
  const child = spawn(file, fileArgs, {
    cwd: process.cwd(),
    stdio: 'inherit',
    env,
    detached: process.platform !== 'win32',
  });
  let last = { sig: '', at: 0 };
  const forward = (sig) => {
    // npm relays the terminal's signal to us as well: one keypress, two deliveries.
    if (sig === last.sig && Date.now() - last.at < 1000) return;
    last = { sig, at: Date.now() };
    child.kill(sig);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.on(sig, forward);
  child.on('error', (err) => fail(`cannot run ${file}: ${err.message}`, 1));
  child.on('exit', (code, signal) => {
    for (const sig of signals) process.off(sig, forward);
    // End the same way the child did, so npm and shells see the real outcome.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

function step(label, file, fileArgs) {
  const r = trySpawn(file, fileArgs);
  if (r.status !== 0) fail(`${label} failed (${r.error?.message ?? `exit code ${r.status}`})`, r.status);
}

function trySpawn(file, fileArgs) {
  return spawnSync(file, fileArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
}

function vitestEntry() {
  const entry = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  if (!fs.existsSync(entry)) fail(`${entry} is missing: is vitest in devDependencies?`, 1);
  return entry;
}

function newestTs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestTs(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, mtime(full));
  }
  return newest;
}

function mtime(file) {
  return fs.statSync(file).mtimeMs;
}

function fail(msg, code) {
  say(msg);
  process.exit(code || 1);
}
