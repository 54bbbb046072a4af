/** The bare baseline's activities: each clones, runs its one process and returns; no store, no checks. */
import { cancellationSignal } from '@temporalio/activity';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMIT_SHA_RE } from '../../workflows/grammar.js';
import type { BareTaskInput } from './workflows.js';

export interface BareDeps {
  agent: string;
  marks: string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'bare',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'bare',
  GIT_COMMITTER_EMAIL: 'b@b',
};

export function createBareActivities(deps: BareDeps) {
  const run = (cmd: string, args: string[], cwd: string, input?: string, env: Record<string, string> = {}) =>
    execa(cmd, args, { cwd, input, env: { ...GIT_ENV, ...env }, cancelSignal: cancellationSignal(), cleanup: true });

  async function inClone<T>(input: BareTaskInput, ref: string | undefined, fn: (dir: string) => Promise<T>) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-bare-'));
    try {
      await run('git', ['clone', '--quiet', '--', input.repoDir, 'w'], dir);
      const w = join(dir, 'w');
      if (ref) {
        // A commit id from our own rev-parse; checked anyway, since checkout takes no "--" before it.
        if (!COMMIT_SHA_RE.test(ref)) throw new Error(`not a commit id: ${JSON.stringify(ref)}`);
        await run('git', ['checkout', '--quiet', '--detach', ref], w);
      }
      return await fn(w);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function agent(input: BareTaskInput, dir: string, role: string, attempt: number, prompt: string) {
    const promptFile = join(dir, '..', 'prompt.md');
    await writeFile(promptFile, prompt);
    await run('node', [deps.agent], dir, prompt, {
      SWITCHYARD_ROLE: role,
      SWITCHYARD_TASK_ID: input.taskId,
      SWITCHYARD_ATTEMPT: String(attempt),
      SWITCHYARD_PROMPT_FILE: promptFile,
      BENCH_MARKS: deps.marks,
    });
  }

  return {
    async analyse(input: BareTaskInput, attempt: number, answer?: string): Promise<boolean> {
      const prompt = answer ? `${input.prompt}\n\n## Answers\n\nAnswer:\n${answer}\n` : input.prompt;
      return inClone(input, undefined, async (dir) => {
        await agent(input, dir, 'analyst', attempt, prompt);
        return existsSync(join(dir, '.switchyard', 'questions.md'));
      });
    },
    async develop(input: BareTaskInput): Promise<string> {
      return inClone(input, undefined, async (dir) => {
        await agent(input, dir, 'developer', 1, input.prompt);
        await run('git', ['add', '--all', '--', '.', ':!.switchyard'], dir);
        await run('git', ['commit', '--quiet', '-m', `bare ${input.taskId}`], dir);
        const branch = `bare/${input.taskId}`;
        await run('git', ['push', '--quiet', '--force', '--', 'origin', `HEAD:refs/heads/${branch}`], dir);
        return (await run('git', ['rev-parse', 'HEAD'], dir)).stdout.trim();
      });
    },
    async test(input: BareTaskInput, sha: string): Promise<void> {
      await inClone(input, sha, (dir) => run('node', ['--test'], dir));
    },
    async stage(input: BareTaskInput, sha: string): Promise<void> {
      await inClone(input, sha, (dir) => run('node', ['-e', '0'], dir));
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
