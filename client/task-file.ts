/**
 * Task files (docs/architecture.md §3): YAML front matter between `---` lines, then the markdown body.
 * Every problem is collected and reported as `<file>: <field>: <problem>`; nothing is started
 * from a file with any problem.
 */
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { isMap } from 'yaml';
import type { TaskSpec } from '../workflows/api/index.js';
import { MAX_TITLE_LENGTH, taskIdProblem } from '../workflows/grammar.js';
import { describe, formatIssues, parseYaml, validate, type LocatedIssue } from '../worker/yaml-validation.js';
import { frontMatterSchema, specFields } from './task-front-matter.js';

export { MAX_TITLE_LENGTH };
export { NO_STAGING } from './task-front-matter.js';

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

/**
 * The body travels to the workflow in its start input (Temporal refuses payloads over 2 MB, and
 * every byte stays in history): 256 KiB of UTF-8 leaves room for the rest of the input.
 */
export const MAX_BODY_BYTES = 256 * 1024;

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
  const { yaml, issues: syntax } = parseYaml(lines.slice(open + 1, close).join('\n'), open + 1);
  if (syntax.length > 0) throw new TaskFileError(syntax, file);
  if (yaml.doc.contents !== null && !isMap(yaml.doc.contents)) {
    throw new TaskFileError(
      [`front matter: expected "key: value" settings (repo:, title:, ...), got ${describe(yaml.doc.toJS())}`],
      file,
    );
  }
  // Empty values (`base:`) count as not set.
  const raw = Object.fromEntries(
    Object.entries((yaml.doc.toJS() ?? {}) as Record<string, unknown>).filter(([, v]) => v !== null),
  );
  const checked = validate(frontMatterSchema, raw, yaml);
  const issues: LocatedIssue[] = checked.success ? [] : checked.issues;

  // id: explicit, else the file name.
  const id = typeof raw.id === 'string' ? raw.id.trim() : basename(file).replace(/\.md$/i, '');
  const defaultIdProblem = raw.id === undefined ? taskIdProblem(id) : undefined;
  if (defaultIdProblem) {
    issues.push({
      text: `id: not set, and the file name gives no valid task id: ${defaultIdProblem}; set id: in the front matter`,
    });
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

  if (issues.length > 0 || !checked.success) throw new TaskFileError(formatIssues(issues), file);
  return { id, ...specFields(checked.data), body, sourcePath: file };
}

/** 262144 → "262,144 bytes (256 KiB)". */
function bytes(n: number): string {
  const kib = n / 1024;
  const unit = kib >= 1024 ? `${(kib / 1024).toFixed(1)} MiB` : `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
  return `${n.toLocaleString('en-US')} bytes (${unit})`;
}
