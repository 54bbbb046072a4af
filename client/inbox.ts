/**
 * Inbox intake (`switchyard inbox <dir>`): task files dropped into a folder are validated and submitted
 * once, and come back with the outcome. The folders are the journal, so a watcher killed at any point and
 * started again neither submits a file twice nor loses one:
 *
 *   <dir>/x.md            new: checked; a bad file → rejected/x.md with the problems appended
 *   <dir>/submitted/x.md  moved here (a rename) before the submit; on start, a file here whose task
 *                         Temporal does not know is submitted, one it knows is followed
 *   <dir>/done|failed/x.md  written (with a footer: state, provider, cost, branch, commit, link) when
 *                         the task ends, and only then removed from submitted/; `x.<task id>.md` when an
 *                         earlier task's result already has the name
 *
 * A file is taken once it has not changed for 1.5 s (one still being copied in waits); a file whose submit
 * went through is marked (`submitted/.x.md.started`), so a task Temporal has since forgotten is reported,
 * not run again.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { taskWorkflowId, type TaskInput, type TaskState } from '../workflows/api/index.js';
import { InvalidTaskInputError, TaskAlreadyRunningError, TaskExistsError, TaskNotFoundError } from './errors.js';
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
    // A file still being written (it changed in the last second or two) waits for the next pass.
    for (const name of await mdFiles(this.dir, STABLE_MS)) await this.each(name, () => this.take(name));
    for (const name of await mdFiles(this.folder('submitted'))) await this.each(name, () => this.follow(name));
  }

  /** One file's trouble (Temporal refusing it, a disk error) is logged and never stops the others. */
  private async each(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.deps.log(
        `${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (tried again next pass)`,
      );
    }
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
      await writeFile(startedMark(file), started.workflowId);
      this.deps.log(`submitted ${name} as task ${started.taskId} (${started.workflowId})`);
    } catch (err) {
      if (err instanceof TaskAlreadyRunningError) return;
      if (err instanceof TaskExistsError || err instanceof InvalidTaskInputError) {
        return this.reject(name, [err.message.split('\n')[0]], file);
      }
      throw err;
    }
  }

  /** A submitted file: submitted now if Temporal never saw it, written out with its outcome once it ended. */
  private async follow(name: string): Promise<void> {
    const file = path.join(this.folder('submitted'), name);
    const id = await this.idOf(file);
    if (!id) return this.reject(name, ['the file has no readable task id any more'], file);
    const status = await this.statusOf(id);
    const marked = existsSync(startedMark(file));
    if (!status && marked) {
      // Submitted, and its record is gone (the namespace's retention passed while nobody watched).
      const text = await readFile(file, 'utf8');
      const note = `\n---\n\n<!-- switchyard: the outcome of task ${id} -->\n- state: unknown: Temporal no longer has the task (retention passed before the outcome was read)\n`;
      await writeAtomically(await this.place('failed', name, id), `${text.replace(/\s*$/, '\n')}${note}`);
      await this.forget(file);
      this.deps.log(`${name}: task ${id} is no longer known to Temporal; written to failed/`);
      return;
    }
    if (!status) {
      this.deps.log(`${name}: task ${id} was never started (the watcher stopped in between); submitting it now`);
      return this.submit(name, file);
    }
    if (!marked) await writeFile(startedMark(file), taskWorkflowId(id));
    if (!ENDED.includes(status.state as TaskState)) return;
    const to = status.state === 'done' ? 'done' : 'failed';
    const text = await readFile(file, 'utf8');
    await writeAtomically(await this.place(to, name, id), `${text.replace(/\s*$/, '\n')}${this.footer(id, status)}`);
    await this.forget(file);
    this.deps.log(`${name}: task ${id} ${status.state}; written to ${to}/`);
  }

  /** Where a result goes: its own name, unless another task's result holds it (then `<name>.<task id>.md`). */
  private async place(folder: 'done' | 'failed' | 'rejected', name: string, id?: string): Promise<string> {
    const target = path.join(this.folder(folder), name);
    if (!existsSync(target)) return target;
    const held = /<!-- switchyard: the outcome of task ([a-z0-9-]+) -->/.exec(await readFile(target, 'utf8'))?.[1];
    // The same task's result again (a crash between writing it and clearing submitted/): the same place.
    if (id && held === id) return target;
    const stem = name.replace(/\.md$/, '');
    for (let n = 1; ; n++) {
      const other = path.join(this.folder(folder), `${stem}.${id ?? 'rejected'}${n > 1 ? `-${n}` : ''}.md`);
      if (!existsSync(other)) return other;
    }
  }

  private async forget(file: string): Promise<void> {
    await rm(file, { force: true });
    await rm(startedMark(file), { force: true });
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
    await writeAtomically(await this.place('rejected', name), `${text.replace(/\s*$/, '\n')}${note}`);
    await this.forget(from);
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

const STABLE_MS = 1500;

/** `submitted/.x.md.started`: the submit went through (so a task Temporal forgot is not submitted again). */
const startedMark = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.started`);

async function mdFiles(dir: string, stableMs = 0): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // Dot files are editors' and our own temporary files.
  const names = entries
    .filter((e) => e.isFile() && e.name.endsWith('.md') && !e.name.startsWith('.'))
    .map((e) => e.name);
  const now = Date.now();
  const settled = await Promise.all(
    names.map(async (n) =>
      stableMs === 0 || now - (await stat(path.join(dir, n))).mtimeMs >= stableMs ? n : undefined,
    ),
  );
  return settled.filter((n): n is string => n !== undefined).sort();
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
