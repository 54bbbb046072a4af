/**
 * Task files (docs/architecture.md §3): YAML front matter between `---` lines, then the markdown body.
 * Every problem is collected and reported as `<file>: <field>: <problem>`; nothing is started
 * from a file with any problem.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { TaskSpec } from '../workflows/api/index.js';
import {
  MAX_TASK_ID_LENGTH,
  MAX_TITLE_LENGTH,
  NAME_RE,
  nameLengthProblem,
  printable,
  refProblem,
  TASK_ID_RE,
  taskIdProblem,
  taskRepoProblem,
} from '../workflows/grammar.js';

export { MAX_TITLE_LENGTH };
import { closestMatch, describe, lineOf, yamlErrorIssue } from '../worker/config.js';

export class TaskFileError extends Error {
  override name = 'TaskFileError';
  /** One entry per problem, `<field>: <problem>`. */
  readonly issues: string[];
  readonly file: string;

  constructor(issues: string[], file: string) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid task file (${count}):\n${issues.map((i) => `  ${file}: ${i}`).join('\n')}`);
    this.issues = issues;
    this.file = file;
  }
}

/** Front-matter key → TaskSpec field. */
const KEYS = {
  id: 'id',
  repo: 'repo',
  title: 'title',
  base: 'base',
  preferred_ai: 'preferredAi',
  allow_delegation: 'allowDelegation',
  complexity_hint: 'complexityHint',
  needs_claude_code: 'needsClaudeCode',
  budget_usd: 'budgetUsd',
  max_dev_attempts: 'maxDevAttempts',
  staging: 'staging',
} as const;
type Key = keyof typeof KEYS;
const KNOWN_KEYS = Object.keys(KEYS) as Key[];

export { MAX_TASK_ID_LENGTH, TASK_ID_RE };
/**
 * The body travels to the workflow in its start input (Temporal refuses payloads over 2 MB, and
 * every byte stays in history): 256 KiB of UTF-8 leaves room for the rest of the input.
 */
export const MAX_BODY_BYTES = 256 * 1024;
/** Titles are shown in lists, the Web UI and search attributes: one short line. */
const COMPLEXITY = ['low', 'medium', 'high'] as const;
export const MAX_DEV_ATTEMPTS_LIMIT = 20;
/** `staging: none` (or `false`) in a task file: skip deploy-staging even if the repo has a default. */
export const NO_STAGING = 'none';

const FENCE = /^---\s*$/;
const CLOSE = /^(---|\.\.\.)\s*$/;

export async function parseTaskFile(path: string): Promise<TaskSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new TaskFileError([`cannot read the task file: ${why}`], path);
  }
  return { ...parseTaskText(text, path), sourcePath: resolve(path) };
}

export function parseTaskText(text: string, file: string): TaskSpec {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let open = 0;
  while (open < lines.length && lines[open].trim() === '') open++;
  if (open >= lines.length || !FENCE.test(lines[open])) {
    throw new TaskFileError(
      [
        'front matter: missing; a task file starts with a "---" line, then YAML settings (repo:, title:, ...), ' +
          'a closing "---" line, and the description',
      ],
      file,
    );
  }
  let close = open + 1;
  while (close < lines.length && !CLOSE.test(lines[close])) close++;
  if (close >= lines.length) {
    throw new TaskFileError(
      [`front matter: not terminated; no closing "---" line after the opening one on line ${open + 1}`],
      file,
    );
  }

  // YAML line n is file line open + 1 + n.
  const lineOffset = open + 1;
  const yamlText = lines.slice(open + 1, close).join('\n');
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { prettyErrors: false, lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new TaskFileError(
      doc.errors.map((e) => yamlErrorIssue(e.message, e.pos[0], yamlText, lineCounter, lineOffset)),
      file,
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new TaskFileError(
      [`front matter: expected "key: value" settings (repo:, title:, ...), got ${describe(doc.toJS())}`],
      file,
    );
  }
  const raw = (doc.contents === null ? {} : doc.toJS()) as Record<string, unknown>;

  const issues: { line?: number; text: string }[] = [];
  const problem = (key: string, message: string): void => {
    // Missing keys have no line of their own.
    const line = key in raw ? lineOf(doc, lineCounter, [key]) : undefined;
    issues.push({ line: line === undefined ? undefined : line + lineOffset, text: `${key}: ${message}` });
  };

  for (const key of Object.keys(raw)) {
    if ((KNOWN_KEYS as string[]).includes(key)) continue;
    const guess = closestMatch(key, KNOWN_KEYS);
    problem(
      key,
      guess ? `unknown key; did you mean "${guess}"?` : `unknown key (known keys: ${KNOWN_KEYS.join(', ')})`,
    );
  }

  // Empty values (`base:`) count as not set.
  const get = (key: Key): unknown => (raw[key] === null ? undefined : raw[key]);

  const text_ = (key: Key, required: boolean): string | undefined => {
    const v = get(key);
    if (v === undefined) {
      if (required) problem(key, 'required');
      return undefined;
    }
    if (typeof v !== 'string') {
      const hint = typeof v === 'number' ? ` (quote it: ${key}: "${String(v)}")` : '';
      problem(key, `expected text, got ${describe(v)}${hint}`);
      return undefined;
    }
    if (v.trim() === '') {
      problem(key, required ? 'required, but empty' : 'is empty');
      return undefined;
    }
    return v.trim();
  };
  const bool = (key: Key): boolean => {
    const v = get(key);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') {
      problem(key, `expected true or false, got ${describe(v)}`);
      return false;
    }
    return v;
  };

  // id: explicit, else the file name.
  let id = text_('id', false);
  if (id !== undefined) {
    const why = taskIdProblem(id);
    if (why) problem('id', why);
  } else if (get('id') === undefined) {
    id = basename(file).replace(/\.md$/i, '');
    const why = taskIdProblem(id);
    if (why) problem('id', `not set, and the file name gives no valid task id: ${why}; set id: in the front matter`);
  }

  // repo: a config name, or a location git is given as an operand (resolve.ts checks it exists).
  const repo = text_('repo', true);
  if (repo !== undefined) {
    const why = taskRepoProblem(repo);
    if (why) problem('repo', why);
  }

  const title = text_('title', true);
  if (title !== undefined) {
    if (/[\u0000-\u001f\u007f]/.test(title)) problem('title', `"${printable(title)}" must be one line of text`);
    else if (title.length > MAX_TITLE_LENGTH) {
      problem('title', `is ${title.length} characters long; at most ${MAX_TITLE_LENGTH}`);
    }
  }

  const base = text_('base', false);
  if (base !== undefined) {
    const why = refProblem(base);
    if (why) problem('base', why);
  }

  const preferredAi = text_('preferred_ai', false);
  if (preferredAi !== undefined && !NAME_RE.test(preferredAi)) {
    problem(
      'preferred_ai',
      `"${printable(preferredAi)}" is not a provider name; use claude-code, codex, gemini, aider, gpu, claude-api, auto ` +
        'or a provider name from the config',
    );
  } else if (preferredAi !== undefined && nameLengthProblem(preferredAi, 'provider')) {
    problem('preferred_ai', `"${printable(preferredAi)}" ${nameLengthProblem(preferredAi, 'provider')}`);
  }

  const allowDelegation = bool('allow_delegation');
  const needsClaudeCode = bool('needs_claude_code');

  let complexityHint: TaskSpec['complexityHint'];
  const complexity = get('complexity_hint');
  if (complexity !== undefined) {
    if (typeof complexity === 'string' && (COMPLEXITY as readonly string[]).includes(complexity)) {
      complexityHint = complexity as TaskSpec['complexityHint'];
    } else {
      problem('complexity_hint', `expected one of ${COMPLEXITY.join(', ')}, got ${describe(complexity)}`);
    }
  }

  let budgetUsd: number | undefined;
  const budget = get('budget_usd');
  if (budget !== undefined) {
    if (typeof budget !== 'number' || !Number.isFinite(budget)) {
      problem('budget_usd', `expected a number of US dollars, got ${describe(budget)}`);
    } else if (budget <= 0) {
      problem('budget_usd', `must be more than 0, got ${budget}`);
    } else budgetUsd = budget;
  }

  let maxDevAttempts: number | undefined;
  const attempts = get('max_dev_attempts');
  if (attempts !== undefined) {
    if (typeof attempts !== 'number' || !Number.isInteger(attempts)) {
      problem(
        'max_dev_attempts',
        `expected a whole number from 1 to ${MAX_DEV_ATTEMPTS_LIMIT}, got ${describe(attempts)}`,
      );
    } else if (attempts < 1 || attempts > MAX_DEV_ATTEMPTS_LIMIT) {
      problem('max_dev_attempts', `must be from 1 to ${MAX_DEV_ATTEMPTS_LIMIT}, got ${attempts}`);
    } else maxDevAttempts = attempts;
  }

  // `staging: false` / `staging: none` skip the stage even when the repo has a default target.
  let staging: string | undefined;
  if (get('staging') === false) staging = NO_STAGING;
  else {
    staging = text_('staging', false);
    if (staging !== undefined && !NAME_RE.test(staging)) {
      problem('staging', `"${printable(staging)}" is not a staging target name (letters, digits, ".", "_" or "-")`);
    } else if (staging !== undefined && nameLengthProblem(staging, 'staging target')) {
      problem('staging', `"${printable(staging)}" ${nameLengthProblem(staging, 'staging target')}`);
    }
  }

  const body = lines
    .slice(close + 1)
    .join('\n')
    .trim();
  if (body === '') {
    issues.push({
      line: close + 2,
      text: 'body: empty; describe the work below the closing "---" (what to do, acceptance criteria)',
    });
  }
  const bodyBytes = Buffer.byteLength(body, 'utf8');
  if (bodyBytes > MAX_BODY_BYTES) {
    issues.push({
      line: close + 2,
      text:
        `body: ${bytes(bodyBytes)} of UTF-8, more than the limit of ${bytes(MAX_BODY_BYTES)}; ` +
        'put large material (logs, specs, data) in the repo and refer to it by path',
    });
  }

  if (issues.length > 0) {
    issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new TaskFileError(
      issues.map((i) => (i.line === undefined ? i.text : `${i.text} (line ${i.line})`)),
      file,
    );
  }

  const spec: TaskSpec = {
    id: id!,
    repo: repo!,
    title: title!,
    allowDelegation,
    needsClaudeCode,
    body,
    sourcePath: file,
  };
  if (base !== undefined) spec.base = base;
  if (preferredAi !== undefined) spec.preferredAi = preferredAi;
  if (complexityHint !== undefined) spec.complexityHint = complexityHint;
  if (budgetUsd !== undefined) spec.budgetUsd = budgetUsd;
  if (maxDevAttempts !== undefined) spec.maxDevAttempts = maxDevAttempts;
  if (staging !== undefined) spec.staging = staging;
  return spec;
}

/** 262144 → "262,144 bytes (256 KiB)". */
function bytes(n: number): string {
  const kib = n / 1024;
  const unit = kib >= 1024 ? `${(kib / 1024).toFixed(1)} MiB` : `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
  return `${n.toLocaleString('en-US')} bytes (${unit})`;
}
