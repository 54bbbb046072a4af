#!/usr/bin/env node
// A fake agent for the e2e pipeline tests, speaking the `command` provider contract (prompt on
// stdin and in $SWITCHYARD_PROMPT_FILE, files under .switchyard/). Its behaviour comes from
// directives in the task body, so each test task can steer it:
//   fake-agent: ask                 analyst asks one question until an answer arrives
//   fake-agent: wrong-first         developer's first fix is wrong; it fixes it once it sees the failure report
//   fake-agent: wait-for <path>     developer waits until <path> exists before working
//   fake-agent: hang <pidfile>      developer starts a process tree, writes its pids to <pidfile>, never ends
//   fake-agent: save-prompts <dir> every run writes its prompt to <dir>/<role>-<attempt>.md
//   fake-agent: stall-<role> <file> (role analyst or developer) the first run of that role starts a child,
//                                   writes {"pid","child"} to <file>, then keeps rewriting a file in its
//                                   worktree and never ends; once <file> exists, runs normally
// The fix: greet.js returns the greeting given in the answer (default "hello").
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const role = process.env.SWITCHYARD_ROLE;
const prompt = readFileSync(process.env.SWITCHYARD_PROMPT_FILE, 'utf8');
const stdinPrompt = readFileSync(0, 'utf8');
if (stdinPrompt !== prompt) {
  console.error('prompt on stdin differs from $SWITCHYARD_PROMPT_FILE');
  process.exit(3);
}
const directive = (name) => {
  const m = prompt.match(new RegExp(`fake-agent: ${name}(?: (\\S+))?`));
  return m ? (m[1] ?? true) : undefined;
};
const answers = prompt.includes('## Answers') ? prompt.split('## Answers')[1] : '';
const answer = answers.match(/Answer[^\n]*:\n(.+)/)?.[1]?.trim();

mkdirSync('.switchyard', { recursive: true });
const savePrompts = directive('save-prompts');
if (typeof savePrompts === 'string') {
  writeFileSync(`${savePrompts}/${role}-${process.env.SWITCHYARD_ATTEMPT}.md`, prompt);
}
console.log(`fake agent: ${role} for ${process.env.SWITCHYARD_TASK_ID} attempt ${process.env.SWITCHYARD_ATTEMPT}`);
await sleep(50);

const stall = directive(`stall-${role}`);
if (typeof stall === 'string' && !existsSync(stall)) {
  // A killed worker's agent that would go on editing its abandoned worktree if nothing stopped it.
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  writeFileSync(`${stall}.tmp`, JSON.stringify({ pid: process.pid, child: child.pid }));
  renameSync(`${stall}.tmp`, stall);
  for (let i = 0; ; i++) {
    writeFileSync('still-running.txt', `${i}\n`);
    console.log('still working…');
    await sleep(200);
  }
}

if (role === 'analyst') {
  if (directive('ask') && !answer) {
    writeFileSync('.switchyard/questions.md', '- Which greeting should greet() return?\n');
    writeFileSync('.switchyard/summary.md', 'Asked which greeting to use.\n');
  } else {
    writeFileSync('.switchyard/analysis.md', `Change greet() to return "${answer ?? 'hello'}".\n`);
    writeFileSync('.switchyard/summary.md', 'Planned the greeting fix.\n');
  }
  console.log('SWITCHYARD_USAGE {"costUsd":0.01,"inputTokens":1000,"outputTokens":100}');
  process.exit(0);
}

const waitFor = directive('wait-for');
if (typeof waitFor === 'string') {
  while (!existsSync(waitFor)) await sleep(100);
}

const hang = directive('hang');
if (typeof hang === 'string') {
  // A child shell with its own child: cancellation must take down the whole tree.
  // The grandchild's pid is written to a temp name and renamed, so a reader never sees half a file.
  const child = spawn('sh', ['-c', 'sleep 300 & echo $! > "$0.tmp" && mv "$0.tmp" "$0.grandchild"; wait', hang], {
    stdio: 'ignore',
  });
  while (!existsSync(`${hang}.grandchild`)) await sleep(50);
  writeFileSync(`${hang}.tmp`, `${child.pid}\n${readFileSync(`${hang}.grandchild`, 'utf8').trim()}\n`);
  renameSync(`${hang}.tmp`, hang);
  for (;;) {
    console.log('still working…');
    await sleep(500);
  }
}

const failed = prompt.includes('## Previous attempt failed');
const greeting = directive('wrong-first') && !failed ? 'hallo' : (answer ?? 'hello');
writeFileSync('greet.js', `export function greet(name) {\n  return \`${greeting}, \${name}\`;\n}\n`);
// A staging failure is answered with a change too (the greeting itself is already right).
if (failed && prompt.includes('Staging check on'))
  writeFileSync('STAGING-FIX.md', `attempt ${process.env.SWITCHYARD_ATTEMPT}\n`);
writeFileSync('.switchyard/summary.md', `greet() now says "${greeting}".\n`);
console.log(`edited greet.js (${greeting})`);
console.log('SWITCHYARD_USAGE {"costUsd":0.02,"inputTokens":2000,"outputTokens":300}');
