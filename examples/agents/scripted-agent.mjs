#!/usr/bin/env node
/**
 * SCRIPTED DEMO AGENT: no AI involved. It follows a fixed script for the bundled sample repo
 * (examples/sample-repo) so the Switchyard pipeline can be tried offline, without accounts or keys.
 *
 * It speaks the `command` provider contract like a real agent CLI would:
 *   - the prompt arrives on stdin and in the file named by $SWITCHYARD_PROMPT_FILE;
 *   - $SWITCHYARD_ROLE (analyst | developer), $SWITCHYARD_TASK_ID, $SWITCHYARD_ATTEMPT;
 *   - results go to .switchyard/ in the working directory (analysis.md, questions.md, summary.md);
 *   - the last line reports usage: SWITCHYARD_USAGE {"costUsd":…,"inputTokens":…,"outputTokens":…}.
 *
 * Script:
 *   analyst, no "## Answers" in the prompt → asks one blocking question (questions.md);
 *   analyst with "## Answers"               → writes analysis.md following the answer;
 *   developer                               → fixes src/slugify.js and adds a test for the answer.
 *
 * Knobs (environment): SCRIPTED_AGENT_DELAY_MS (pause between progress lines, default 150);
 * SCRIPTED_AGENT_FAIL_FIRST_ATTEMPT=1 makes the first development attempt an incomplete fix, to
 * show the development ↔ testing retry loop ("## Previous attempt failed" triggers the full fix).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const TAG = '[scripted-agent]';
const QUESTION = 'Should non-ASCII letters be transliterated (é → e) or dropped?';
const SOURCE = join('src', 'slugify.js');
const TEST_FILE = join('test', 'slugify.test.js');
const OUT_DIR = '.switchyard';

const role = process.env.SWITCHYARD_ROLE ?? '';
const taskId = process.env.SWITCHYARD_TASK_ID ?? '(unknown task)';
const attempt = process.env.SWITCHYARD_ATTEMPT ?? '1';
const delayMs = Number(process.env.SCRIPTED_AGENT_DELAY_MS ?? 150) || 0;

async function say(line) {
  process.stdout.write(`${TAG} ${line}\n`);
  if (delayMs > 0) await sleep(delayMs);
}

async function readPrompt() {
  const file = process.env.SWITCHYARD_PROMPT_FILE;
  if (file && existsSync(file)) return readFileSync(file, 'utf8');
  if (process.stdin.isTTY) return '';
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The text under a `## Heading` line, up to the next `## ` heading; undefined when absent. */
function section(prompt, heading) {
  const lines = prompt.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^##\s/.test(l));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
}

/** The person's words: the text after the last "Answer…:" line, else the section minus the questions. */
function answerText(answers) {
  const lines = answers.split('\n');
  const last = lines.findLastIndex((l) => /^answer\b.*:\s*$/i.test(l.trim()));
  if (last >= 0)
    return lines
      .slice(last + 1)
      .join('\n')
      .trim();
  return lines
    .filter((l) => !l.includes(QUESTION) && !/^questions asked:/i.test(l.trim()))
    .join('\n')
    .trim();
}

/** "transliterate" unless the answer clearly says to drop them. */
function accentPolicy(answers) {
  if (answers === undefined)
    return { policy: 'transliterate', why: 'no answer was given; transliterating is the safer default' };
  const said = answerText(answers);
  const drop = /\b(drop|dropped|remove|removed|strip|stripped|omit|omitted|delete|deleted)\b/i.test(said);
  const keep = /translit/i.test(said);
  return drop && !keep
    ? { policy: 'drop', why: `the answer says to drop them: "${said.split('\n')[0]}"` }
    : { policy: 'transliterate', why: `the answer says to transliterate them: "${said.split('\n')[0]}"` };
}

function writeOut(name, text) {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, name), text.endsWith('\n') ? text : `${text}\n`);
}

function usageLine(prompt, outputTokens) {
  const inputTokens = Math.max(1, Math.ceil(prompt.length / 4));
  // Priced like a mid-size model: $3 / M input, $15 / M output. Fake, but plausible for the ledger.
  const costUsd = Math.round(((inputTokens * 3 + outputTokens * 15) / 1e6) * 1e4) / 1e4;
  return `SWITCHYARD_USAGE ${JSON.stringify({ costUsd, inputTokens, outputTokens })}`;
}

function requireSampleRepo() {
  if (!existsSync(SOURCE)) {
    process.stderr.write(
      `${TAG} this scripted agent only knows the bundled sample repo: ${SOURCE} not found in ${process.cwd()}\n`,
    );
    process.exit(1);
  }
}

async function analyst(prompt) {
  requireSampleRepo();
  await say(`reading ${SOURCE}`);
  const answers = section(prompt, 'Answers');
  if (answers === undefined) {
    await say('the task leaves one decision open; asking before planning');
    writeOut('questions.md', `- ${QUESTION}\n`);
    writeOut('summary.md', `Asked one blocking question: ${QUESTION}`);
    await say(`wrote ${OUT_DIR}/questions.md (1 question)`);
    return 180;
  }
  const { policy, why } = accentPolicy(answers);
  await say(`got an answer: ${policy} non-ASCII letters`);
  writeOut(
    'analysis.md',
    [
      '# Analysis (scripted demo agent)',
      '',
      `\`slugify()\` in \`${SOURCE}\` replaces every run of characters outside [a-z0-9] with "-" and only`,
      'trims dashes at the start, so trailing punctuation leaves a dash at the end ("hello-world-"),',
      'and accented letters become dashes ("caf-cr-me").',
      '',
      `Decision on accented letters: **${policy}** (${why}).`,
      '',
      'Plan:',
      '1. Trim dashes at both ends of the slug.',
      policy === 'drop'
        ? '2. Remove non-ASCII characters before slugging ("Café crème" → "caf-crme").'
        : '2. Decompose (NFKD) and remove combining accents before slugging ("Café crème" → "cafe-creme").',
      `3. Add a test for accented letters to \`${TEST_FILE}\`.`,
    ].join('\n'),
  );
  writeOut(
    'summary.md',
    `Planned the slugify fix; accented letters will be ${policy === 'drop' ? 'dropped' : 'transliterated'}.`,
  );
  await say(`wrote ${OUT_DIR}/analysis.md`);
  return 420;
}

const FIXED = {
  transliterate: `/**
 * Turn a title into a URL slug: "Hello World" → "hello-world", "Café crème" → "cafe-creme".
 */
export function slugify(text) {
  return String(text)
    .normalize('NFKD')
    // Accented letters keep their base letter: é → e.
    .replace(/[\\u0300-\\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
`,
  drop: `/**
 * Turn a title into a URL slug: "Hello World" → "hello-world", "Café crème" → "caf-crme".
 */
export function slugify(text) {
  return String(text)
    .normalize('NFC')
    // Non-ASCII letters are dropped, not turned into separators.
    .replace(/[^\\x00-\\x7f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
`,
  // Deliberately incomplete (SCRIPTED_AGENT_FAIL_FIRST_ATTEMPT): accents handled, trailing dash kept.
  partial: `/**
 * Turn a title into a URL slug: "Hello World" → "hello-world".
 */
export function slugify(text) {
  return String(text)
    .normalize('NFKD')
    .replace(/[\\u0300-\\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '');
}
`,
};

const ACCENT_TEST_MARKER = "test('handles accented letters";

function accentTest(policy) {
  const expected = policy === 'drop' ? 'caf-crme' : 'cafe-creme';
  return `${ACCENT_TEST_MARKER} (${policy === 'drop' ? 'dropped' : 'transliterated'})', () => {
  assert.equal(slugify('Café crème'), '${expected}');
});
`;
}

async function developer(prompt) {
  requireSampleRepo();
  const { policy, why } = accentPolicy(section(prompt, 'Answers'));
  const retry = section(prompt, 'Previous attempt failed') !== undefined;
  await say(`attempt ${attempt}${retry ? ' (retry after a failed attempt)' : ''}; accented letters: ${policy}`);
  if (retry) await say('read the failure report from the previous attempt');
  const partial = !retry && process.env.SCRIPTED_AGENT_FAIL_FIRST_ATTEMPT === '1';

  await say(`editing ${SOURCE}`);
  writeFileSync(SOURCE, partial ? FIXED.partial : FIXED[policy]);

  await say(`adding a test to ${TEST_FILE}`);
  if (existsSync(TEST_FILE)) {
    const current = readFileSync(TEST_FILE, 'utf8');
    const at = current.indexOf(ACCENT_TEST_MARKER);
    const kept = (at < 0 ? current : current.slice(0, at)).trimEnd();
    writeFileSync(TEST_FILE, `${kept}\n\n${accentTest(policy)}`);
  }

  writeOut(
    'summary.md',
    [
      partial
        ? `Handled accented letters (${policy}) in ${SOURCE}; did not touch the trailing-dash handling yet.`
        : `Fixed ${SOURCE}: dashes are trimmed at both ends and accented letters are ${policy === 'drop' ? 'dropped' : 'transliterated'} (${why}).`,
      `Added a test for accented letters to ${TEST_FILE}.`,
      retry ? 'This attempt followed the failure report of the previous one.' : '',
    ]
      .filter(Boolean)
      .join(' '),
  );
  await say(`wrote ${OUT_DIR}/summary.md`);
  return 650;
}

async function main() {
  await say(`SCRIPTED demo agent (no AI): task ${taskId}, role ${role || '(none)'}, attempt ${attempt}`);
  const prompt = await readPrompt();
  if (!prompt.trim()) {
    process.stderr.write(`${TAG} no prompt: expected it on stdin or in $SWITCHYARD_PROMPT_FILE\n`);
    process.exit(2);
  }
  let outputTokens;
  if (role === 'analyst') outputTokens = await analyst(prompt);
  else if (role === 'developer') outputTokens = await developer(prompt);
  else {
    process.stderr.write(`${TAG} unknown SWITCHYARD_ROLE "${role}": expected analyst or developer\n`);
    process.exit(2);
  }
  await say('done');
  process.stdout.write(`${usageLine(prompt, outputTokens)}\n`);
}

await main();
