#!/usr/bin/env node
// The bench's instant scripted agent, for Switchyard (a `command` provider) and the bare baseline alike:
// prompt on stdin and in $SWITCHYARD_PROMPT_FILE, files under .switchyard/, no waiting. It records when
// its process started in $BENCH_MARKS/<task>-<role>-<attempt> (the answer-latency figure reads that).
// A prompt holding "bench: ask" without an answer makes the analyst ask one question.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const started = performance.timeOrigin;
const {
  SWITCHYARD_ROLE: role,
  SWITCHYARD_TASK_ID: taskId,
  SWITCHYARD_ATTEMPT: attempt,
  BENCH_MARKS: marks,
} = process.env;
const prompt = readFileSync(process.env.SWITCHYARD_PROMPT_FILE, 'utf8');
readFileSync(0);
if (marks) writeFileSync(join(marks, `${taskId}-${role}-${attempt}`), String(started));
mkdirSync('.switchyard', { recursive: true });
const answered = /## Answers|Answer:/.test(prompt);
if (role === 'analyst') {
  if (prompt.includes('bench: ask') && !answered) {
    writeFileSync('.switchyard/questions.md', '- Which greeting should greet() return?\n');
    writeFileSync('.switchyard/summary.md', 'Asked which greeting to use.\n');
  } else {
    writeFileSync('.switchyard/analysis.md', 'Change greet() to return "hello".\n');
    writeFileSync('.switchyard/summary.md', 'Planned the greeting fix.\n');
  }
} else {
  writeFileSync('greet.js', 'export function greet(name) {\n  return `hello, ${name}`;\n}\n');
  writeFileSync('.switchyard/summary.md', 'greet() now says "hello".\n');
}
console.log('SWITCHYARD_USAGE {"costUsd":0.01,"inputTokens":1000,"outputTokens":100}');
