/**
 * Inbox intake (`switchyard inbox <dir>`): task files dropped into a folder are validated and submitted
 * once, and come back with the outcome. The folders are the journal, so a watcher killed at any point and
 * started again neither submits a file twice nor loses one:
 *
 *   <dir>/x.md            new: checked; a bad file → rejected/x.md with the problems appended
 *   <dir>/submitted/x.md  moved here (a rename) before the submit; on start, a file here whose task
 *                         Temporal does not know is submitted, one it knows is followed
 *   <dir>/done|failed/x.md  written (with a footer: state, provider, cost, branch, commit, link) when
 *                         the task ends, and only then removed from submitted/
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { taskWorkflowId, type TaskInput, type TaskState } from '../workflows/api/index.js';
import { TaskAlreadyRunningError, TaskNotFoundError } from './errors.js';
import { formatUsd, shortSha } from './output.js';
import type { SwitchyardClient } from './switchyard-client.js';
import { TaskFileError } from './task-file.js';

export const INBOX_FOLDERS = ['submitted', 'rejected', 'done', 'failed'] as const;
const ENDED: readonly TaskState[] = ['done', 'failed', 'cancelled'];

export interface InboxDeps {
  client: Pick<SwitchyardClient, 'submit' | 'status'>;
  /** Parses and resolves a task file as `submit` does; throws TaskFileError (or a UsageError) when it is bad. */
  prepare(file: string): Promise<TaskInput>;
  log(line: string): void;
  /** The Temporal Web UI's base URL and namespace, for the link in the footer. */
  webUi?: string;
  namespace?: string;
}

export class Inbox {
  constructor(
    readonly dir: string,
    private readonly deps: InboxDeps,
  ) {}

  private folder(name: (typeof INBOX_FOLDERS)[number]): string {
    return path.join(this.dir, name);
  }

  async init(): Promise<void> {
    await Promise.all(INBOX_FOLDERS.map((f) => mkdir(this.folder(f), { recursive: true })));
  }

  /** One pass: new files first, then everything submitted (a crash's leftovers included). */
  async scan(): Promise<void> {
    for (const name of await mdFiles(this.dir)) await this.take(name);
    for (const name of await mdFiles(this.folder('submitted'))) await this.follow(name);
  }

  /** A new file: rejected with its problems, or moved to submitted/ and submitted. */
  private async take(name: string): Promise<void> {
    const file = path.join(this.dir, name);
    let input: TaskInput;
    try {
      input = await this.deps.prepare(file);
    } catch (err) {
      return this.reject(name, problemsOf(err));
    }
    const id = input.task.id;
    const known = await this.statusOf(id);
    if (known) {
      return this.reject(name, [
        `task id ${id} already exists (${known.state}): give the file a new id, or run it again with \`switchyard submit --rerun\``,
      ]);
    }
    const target = path.join(this.folder('submitted'), name);
    if (existsSync(target)) return this.reject(name, [`a file named ${name} is already submitted and not finished`]);
    await rename(file, target);
    await this.submit(name, target);
  }

  private async submit(name: string, file: string): Promise<void> {
    let input: TaskInput;
    try {
      input = await this.deps.prepare(file);
    } catch (err) {
      // Changed (or the config changed) between the check and the crash that left it here.
      await this.reject(name, problemsOf(err), file);
      return;
    }
    try {
      const started = await this.deps.client.submit(input);
      this.deps.log(`submitted ${name} as task ${started.taskId} (${started.workflowId})`);
    } catch (err) {
      if (err instanceof TaskAlreadyRunningError) return;
      throw err;
    }
  }

  /** A submitted file: submitted now if Temporal never saw it, written out with its outcome once it ended. */
  private async follow(name: string): Promise<void> {
    const file = path.join(this.folder('submitted'), name);
    const id = await this.idOf(file);
    if (!id) return this.reject(name, ['the file has no readable task id any more'], file);
    const status = await this.statusOf(id);
    if (!status) {
      this.deps.log(`${name}: task ${id} was never started (the watcher stopped in between); submitting it now`);
      return this.submit(name, file);
    }
    if (!ENDED.includes(status.state as TaskState)) return;
    const to = status.state === 'done' ? 'done' : 'failed';
    const text = await readFile(file, 'utf8');
    await writeAtomically(path.join(this.folder(to), name), `${text.replace(/\s*$/, '\n')}${this.footer(id, status)}`);
    await rm(file, { force: true });
    this.deps.log(`${name}: task ${id} ${status.state}; written to ${to}/`);
  }

  private footer(id: string, s: Awaited<ReturnType<InboxDeps['client']['status']>>): string {
    const link = this.deps.webUi
      ? `${this.deps.webUi.replace(/\/+$/, '')}/namespaces/${this.deps.namespace ?? 'default'}/workflows/${taskWorkflowId(id)}`
      : undefined;
    const facts = [
      `state: ${s.state}`,
      `provider: ${s.provider || '-'}`,
      `cost: ${formatUsd(s.costUsd)}`,
      `branch: ${s.branch ? `\`${s.branch}\`` : '-'}`,
      `commit: ${s.commit ? `\`${shortSha(s.commit)}\`` : '-'}`,
      ...(s.state !== 'done' && (s.holdReason || s.detail) ? [`reason: ${s.holdReason ?? s.detail}`] : []),
      ...(link ? [`Web UI: ${link}`] : []),
    ];
    return `\n---\n\n<!-- switchyard: the outcome of task ${id} -->\n${facts.map((f) => `- ${f}`).join('\n')}\n`;
  }

  private async reject(name: string, problems: string[], from = path.join(this.dir, name)): Promise<void> {
    const text = await readFile(from, 'utf8').catch(() => '');
    const note = `\n---\n\n<!-- switchyard: rejected -->\nNot submitted:\n${problems.map((p) => `- ${p}`).join('\n')}\n`;
    await writeAtomically(path.join(this.folder('rejected'), name), `${text.replace(/\s*$/, '\n')}${note}`);
    await rm(from, { force: true });
    this.deps.log(`rejected ${name}: ${problems.join('; ')}`);
  }

  private async statusOf(id: string) {
    try {
      return await this.deps.client.status(id);
    } catch (err) {
      if (err instanceof TaskNotFoundError) return undefined;
      throw err;
    }
  }

  private async idOf(file: string): Promise<string | undefined> {
    try {
      return (await this.deps.prepare(file)).task.id;
    } catch {
      const m = /^id:\s*["']?([a-z0-9][a-z0-9-]*)["']?\s*$/m.exec(await readFile(file, 'utf8').catch(() => ''));
      return m?.[1];
    }
  }
}

async function mdFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // Dot files are editors' and our own temporary files.
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.md') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Written next to its place and renamed: a reader never sees half a file, a crash leaves none. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}

function problemsOf(err: unknown): string[] {
  if (err instanceof TaskFileError) return err.issues;
  return [err instanceof Error ? err.message : String(err)];
}
