/**
 * The agent's file channel: `.switchyard/` in the worktree (excluded from commits). We write the
 * prompt there; the agent leaves analysis.md, questions.md and summary.md.
 */
import { open, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { joinCapped } from '../output-cap.js';
import { SWITCHYARD_DIR } from '../git.js';

export const AGENT_FILE_CAP_BYTES = 8 * 1024;
const QUESTIONS_READ_BYTES = 64 * 1024;
const MAX_QUESTIONS = 30;
const MAX_QUESTION_CHARS = 2_000;

export const agentFilePaths = (worktreeDir: string) => {
  const dir = join(worktreeDir, SWITCHYARD_DIR);
  return {
    dir,
    prompt: join(dir, 'prompt.md'),
    analysis: join(dir, 'analysis.md'),
    questions: join(dir, 'questions.md'),
    summary: join(dir, 'summary.md'),
  };
};

/**
 * Writes the prompt file and clears any output files (a repo could track stale ones), so what
 * we read afterwards is what this run wrote. Returns the prompt file's absolute path.
 */
export async function writePromptFile(worktreeDir: string, prompt: string): Promise<string> {
  const p = agentFilePaths(worktreeDir);
  await mkdir(p.dir, { recursive: true });
  await Promise.all([p.analysis, p.questions, p.summary].map((f) => rm(f, { force: true })));
  await writeFile(p.prompt, prompt);
  return p.prompt;
}

export interface AgentFiles {
  analysis: string;
  questions: string[];
  summary: string;
}

export async function readAgentFiles(worktreeDir: string, capBytes = AGENT_FILE_CAP_BYTES): Promise<AgentFiles> {
  const p = agentFilePaths(worktreeDir);
  const [analysis, questions, summary] = await Promise.all([
    readCapped(p.analysis, capBytes),
    readHead(p.questions, QUESTIONS_READ_BYTES),
    readCapped(p.summary, capBytes),
  ]);
  return { analysis: analysis.trim(), questions: parseQuestions(questions), summary: summary.trim() };
}

/** A file's text under a head+tail cap without reading more than that from disk; '' when absent. */
export async function readCapped(path: string, capBytes: number): Promise<string> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return '';
  try {
    const { size } = await fh.stat();
    if (size <= capBytes) return (await fh.readFile()).toString('utf8');
    const headBytes = Math.floor(capBytes / 4);
    const head = Buffer.alloc(headBytes);
    const tail = Buffer.alloc(capBytes - headBytes);
    await fh.read(head, 0, head.length, 0);
    await fh.read(tail, 0, tail.length, size - tail.length);
    return joinCapped(head, tail, size - capBytes);
  } finally {
    await fh.close();
  }
}

async function readHead(path: string, maxBytes: number): Promise<string> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return '';
  try {
    const buf = Buffer.alloc(maxBytes);
    const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

const LIST_ITEM = /^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s/;
// Agents sometimes answer "no questions" in prose instead of leaving the file empty.
const NO_QUESTIONS = /^(?:none|n\/a|no(?: blocking| open| further)? questions?)[.!]?$/i;

/**
 * Blocking questions from questions.md: its list items when it has any (intro text and headings
 * ignored), else its paragraphs. Whitespace only, or "None", means no questions.
 */
export function parseQuestions(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const items: string[] = [];
  if (lines.some((l) => LIST_ITEM.test(l))) {
    let inItem = false;
    for (const line of lines) {
      const m = LIST_ITEM.exec(line);
      if (m) {
        items.push(m[1].trim());
        inItem = true;
      } else if (inItem && /^\s+\S/.test(line) && !HEADING.test(line)) {
        // Indented continuation of the previous item.
        items[items.length - 1] += ` ${line.trim()}`;
      } else {
        inItem = false;
      }
    }
  } else {
    let para: string[] = [];
    const flush = (): void => {
      if (para.length) items.push(para.join(' '));
      para = [];
    };
    for (const line of lines) {
      if (!line.trim() || HEADING.test(line)) flush();
      else para.push(line.trim());
    }
    flush();
  }
  return items
    .map((q) => q.trim())
    .filter((q) => q && !NO_QUESTIONS.test(q))
    .slice(0, MAX_QUESTIONS)
    .map((q) => (q.length > MAX_QUESTION_CHARS ? `${q.slice(0, MAX_QUESTION_CHARS)}…` : q));
}

/**
 * A job platform answers in text, not files: its `## Questions` section (any heading level, "Blocking
 * questions" too) holds the blocking questions, up to the next heading of the same or a higher level;
 * the rest is the analysis.
 */
export function splitQuestionsSection(text: string): { analysis: string; questions: string } {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\s{0,3}#{1,6}\s+(?:blocking\s+|open\s+)?questions\b/i.test(l));
  if (start === -1) return { analysis: text.trim(), questions: '' };
  const level = /^\s*(#+)/.exec(lines[start])![1].length;
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const m = /^\s{0,3}(#{1,6})\s/.exec(lines[i]);
    if (m && m[1].length <= level) {
      end = i;
      break;
    }
  }
  return {
    analysis: [...lines.slice(0, start), ...lines.slice(end)].join('\n').trim(),
    questions: lines
      .slice(start + 1, end)
      .join('\n')
      .trim(),
  };
}

/** Puts a platform's answer where a local agent leaves its files, so one reader serves both. */
export async function writeAgentFilesFromText(
  worktreeDir: string,
  role: 'analyst' | 'developer',
  text: string,
): Promise<void> {
  const p = agentFilePaths(worktreeDir);
  await mkdir(p.dir, { recursive: true });
  if (role === 'developer') {
    await writeFile(p.summary, text);
    return;
  }
  const { analysis, questions } = splitQuestionsSection(text);
  await writeFile(p.analysis, analysis);
  await writeFile(p.questions, questions);
}
