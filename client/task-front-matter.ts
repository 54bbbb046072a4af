/**
 * The task file's front matter as a zod schema (docs/architecture.md §3). Each field writes its own
 * messages, in the words a task author reads; the grammar (workflows/grammar.ts) decides what may
 * reach a process or an id.
 */
import { z } from 'zod';
import type { TaskSpec } from '../workflows/api/index.js';
import {
  MAX_TITLE_LENGTH,
  NAME_RE,
  nameLengthProblem,
  printable,
  refProblem,
  taskIdProblem,
  taskRepoProblem,
} from '../workflows/grammar.js';
import { describe } from '../worker/yaml-validation.js';

export const MAX_DEV_ATTEMPTS_LIMIT = 20;
/** `staging: none` (or `false`) in a task file: skip deploy-staging even if the repo has a default. */
export const NO_STAGING = 'none';
const COMPLEXITY = ['low', 'medium', 'high'] as const;

type Problem = (value: string) => string | undefined;

/** Trimmed text; a number gets a hint to quote it (`id: 42` is a number to YAML). */
function text(key: string, required: boolean, problem: Problem = () => undefined) {
  return z
    .string({
      error: (iss) => {
        if (iss.input === undefined) return 'required';
        const hint = typeof iss.input === 'number' ? ` (quote it: ${key}: "${String(iss.input)}")` : '';
        return `expected text, got ${describe(iss.input)}${hint}`;
      },
    })
    .trim()
    .superRefine((value, ctx) => {
      const why = value === '' ? (required ? 'required, but empty' : 'is empty') : problem(value);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    });
}

const flag = z.boolean({ error: (iss) => `expected true or false, got ${describe(iss.input)}` }).default(false);

function name(what: string, rule: string): Problem {
  return (value) => {
    if (!NAME_RE.test(value)) return `"${printable(value)}" ${rule}`;
    const long = nameLengthProblem(value, what);
    return long && `"${printable(value)}" ${long}`;
  };
}

const titleProblem: Problem = (title) => {
  if (/[\u0000-\u001f\u007f]/.test(title)) return `"${printable(title)}" must be one line of text`;
  if (title.length > MAX_TITLE_LENGTH) return `is ${title.length} characters long; at most ${MAX_TITLE_LENGTH}`;
  return undefined;
};

/** Keys in the order they are listed to a user who typed an unknown one. */
export const frontMatterSchema = z.strictObject({
  id: text('id', false, taskIdProblem).optional(),
  repo: text('repo', true, taskRepoProblem),
  title: text('title', true, titleProblem),
  base: text('base', false, refProblem).optional(),
  preferred_ai: text(
    'preferred_ai',
    false,
    name(
      'provider',
      'is not a provider name; use claude-code, codex, gemini, aider, gpu, claude-api, auto or a provider name from the config',
    ),
  ).optional(),
  allow_delegation: flag,
  complexity_hint: z
    .enum(COMPLEXITY, { error: (iss) => `expected one of ${COMPLEXITY.join(', ')}, got ${describe(iss.input)}` })
    .optional(),
  needs_claude_code: flag,
  budget_usd: z
    .number({ error: (iss) => `expected a number of US dollars, got ${describe(iss.input)}` })
    .refine((usd) => usd > 0, { error: (iss) => `must be more than 0, got ${String(iss.input)}` })
    .optional(),
  max_dev_attempts: z
    .number({
      error: (iss) => `expected a whole number from 1 to ${MAX_DEV_ATTEMPTS_LIMIT}, got ${describe(iss.input)}`,
    })
    .superRefine((n, ctx) => {
      if (!Number.isInteger(n)) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a whole number from 1 to ${MAX_DEV_ATTEMPTS_LIMIT}, got ${n}`,
        });
      } else if (n < 1 || n > MAX_DEV_ATTEMPTS_LIMIT) {
        ctx.addIssue({ code: 'custom', message: `must be from 1 to ${MAX_DEV_ATTEMPTS_LIMIT}, got ${n}` });
      }
    })
    .optional(),
  // `staging: false` / `staging: none` skip the stage even when the repo has a default target.
  staging: z
    .preprocess(
      (v) => (v === false ? NO_STAGING : v),
      text('staging', false, name('staging target', 'is not a staging target name (letters, digits, ".", "_" or "-")')),
    )
    .optional(),
});

export type FrontMatter = z.output<typeof frontMatterSchema>;

/** Front-matter keys → the TaskSpec the workflow takes (the id and body come from elsewhere too). */
export function specFields(fm: FrontMatter): Omit<TaskSpec, 'id' | 'body' | 'sourcePath'> {
  const spec: Omit<TaskSpec, 'id' | 'body' | 'sourcePath'> = {
    repo: fm.repo,
    title: fm.title,
    allowDelegation: fm.allow_delegation,
    needsClaudeCode: fm.needs_claude_code,
  };
  if (fm.base !== undefined) spec.base = fm.base;
  if (fm.preferred_ai !== undefined) spec.preferredAi = fm.preferred_ai;
  if (fm.complexity_hint !== undefined) spec.complexityHint = fm.complexity_hint;
  if (fm.budget_usd !== undefined) spec.budgetUsd = fm.budget_usd;
  if (fm.max_dev_attempts !== undefined) spec.maxDevAttempts = fm.max_dev_attempts;
  if (fm.staging !== undefined) spec.staging = fm.staging;
  return spec;
}
