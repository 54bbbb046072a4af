/**
 * Prompts for the analyst and developer agents. Pure functions of the task and what earlier stages
 * produced, so the same inputs always give the same prompt (and replay stays deterministic).
 */
import type { BodyRef, QuestionRound, StagingSummary, TaskSpec, TestSummary } from './api/index.js';
import { preview, PREVIEW_CHARS } from './preview.js';

// The truncation rule is preview.ts; re-exported for the importers that still take it from here.

/** Bodies longer than this go to agents through the store, not through every stage's history. */
export const BODY_INLINE_CHARS = 8000;

export function bodyNeedsStore(task: TaskSpec): boolean {
  return task.body.trim().length > BODY_INLINE_CHARS;
}

function taskSection(task: TaskSpec, base: string, bodyRef?: BodyRef): string {
  return [
    `# Task: ${task.title}`,
    '',
    `Task id: ${task.id}`,
    `Repository: ${task.repo} (base ${base})`,
    '',
    bodyRef ? bodyRef.marker : task.body.trim(),
  ].join('\n');
}

function answersSection(rounds: QuestionRound[]): string[] {
  const answered = rounds.filter((r) => r.answer !== undefined);
  if (answered.length === 0) return [];
  const lines = ['', '## Answers', ''];
  for (const round of answered) {
    lines.push(
      'Questions asked:',
      ...round.questions.map((q) => `- ${q}`),
      '',
      `Answer${round.answeredBy ? ` (from ${round.answeredBy})` : ''}:`,
      round.answer!.trim(),
      '',
    );
  }
  return lines;
}

export function analystPrompt(task: TaskSpec, base: string, rounds: QuestionRound[], bodyRef?: BodyRef): string {
  return [
    taskSection(task, base, bodyRef),
    ...answersSection(rounds),
    '',
    '## Your role: analyst',
    '',
    'Read the repository and plan the change. Do not edit source files.',
    '- Write your analysis and plan to `.switchyard/analysis.md`.',
    '- If something blocks you that only a person can decide, write each question as a list item to',
    '  `.switchyard/questions.md` and stop; the task waits for an answer. Ask only blocking questions.',
    '- Write a one-paragraph summary to `.switchyard/summary.md`.',
  ].join('\n');
}

export interface FailureReport {
  source: 'testing' | 'deploy-staging';
  test?: TestSummary;
  staging?: StagingSummary;
}

export function failureReportText(report: FailureReport): string {
  if (report.test) {
    const t = report.test;
    const counts = t.counts ? ` (${t.counts.passed} passed, ${t.counts.failed} failed, ${t.counts.framework})` : '';
    return [
      `Tests ${t.status} on commit ${t.commit}: \`${t.command.join(' ')}\` exited ${t.exitCode ?? 'by signal'}${counts}.`,
      '',
      'Output (tail):',
      '```',
      preview(t.output, PREVIEW_CHARS).trimEnd(),
      '```',
    ].join('\n');
  }
  const s = report.staging!;
  const where = s.host ? ` (${s.host}, over ssh)` : '';
  return [
    `Staging check on ${s.target}${where} ${s.status} for commit ${s.commit} (exit ${s.exitCode ?? 'by signal'}).`,
    ...(s.reason ? ['', s.reason] : []),
    '',
    'Output (tail):',
    '```',
    preview(s.output, PREVIEW_CHARS).trimEnd(),
    '```',
  ].join('\n');
}

export function developerPrompt(
  task: TaskSpec,
  base: string,
  opts: {
    analysis: string;
    rounds: QuestionRound[];
    attempt: number;
    failure?: FailureReport;
    resumeNote?: string;
    bodyRef?: BodyRef;
  },
): string {
  const lines = [taskSection(task, base, opts.bodyRef), ...answersSection(opts.rounds)];
  if (opts.analysis.trim()) lines.push('', '## Analysis', '', opts.analysis.trim());
  if (opts.failure) {
    lines.push('', '## Previous attempt failed', '', failureReportText(opts.failure));
  }
  if (opts.resumeNote) lines.push('', '## Note from the operator', '', opts.resumeNote.trim());
  lines.push(
    '',
    `## Your role: developer (attempt ${opts.attempt})`,
    '',
    'Make the change in this working tree. Switchyard commits and pushes everything you change',
    '(except `.switchyard/`); do not commit yourself. Write what you did to `.switchyard/summary.md`.',
  );
  return lines.join('\n');
}
