/**
 * The bundled example end to end without Temporal: prepareExample builds a real git repo and
 * config, and the scripted agent (run as the configured `command` provider) asks its question,
 * plans from the answer and really fixes the sample repo so its test suite goes from red to green.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareExample, type PreparedExample } from '../../client/example.js';
import { parseTaskFile } from '../../client/task-file.js';
import { resolveTaskInput } from '../../client/resolve.js';
import { loadConfig, type Config } from '../../worker/config.js';
import type { CommandProviderConfig } from '../../activities/config-schema.js';
import { analystPrompt, developerPrompt } from '../../workflows/prompts.js';
import type { AgentRole, QuestionRound, TaskSpec } from '../../workflows/api/index.js';

const QUESTION = 'Should non-ASCII letters be transliterated (é → e) or dropped?';

const tmp = mkdtempSync(join(tmpdir(), 'switchyard-example-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

async function nodeTest(cwd: string): Promise<{ exitCode: number | undefined; output: string }> {
  const r = await execa('node', ['--test'], { cwd, reject: false, all: true });
  return { exitCode: r.exitCode, output: r.all ?? '' };
}

let n = 0;
/** A fresh checkout of the example repo, as a stage's worktree would be. */
function checkout(repoPath: string): string {
  const dir = join(tmp, `work-${++n}`);
  git(tmp, 'clone', '--quiet', repoPath, dir);
  return dir;
}

async function runAgent(
  config: Config,
  cwd: string,
  role: AgentRole,
  prompt: string,
  env: Record<string, string> = {},
) {
  const [program, ...args] = (config.providers.scripted as CommandProviderConfig).command;
  // Like the command provider: prompt on stdin and in $SWITCHYARD_PROMPT_FILE.
  mkdirSync(join(cwd, '.switchyard'), { recursive: true });
  const promptFile = join(cwd, '.switchyard', 'prompt.md');
  writeFileSync(promptFile, prompt);
  const r = await execa(program, args, {
    cwd,
    input: prompt,
    reject: false,
    env: {
      SWITCHYARD_ROLE: role,
      SWITCHYARD_TASK_ID: 'fix-slugify',
      SWITCHYARD_ATTEMPT: '1',
      SWITCHYARD_PROMPT_FILE: promptFile,
      SCRIPTED_AGENT_DELAY_MS: '0',
      ...env,
    },
  });
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');

describe('bundled example', () => {
  let example: PreparedExample;
  let config: Config;
  let task: TaskSpec;
  const dataDir = join(tmp, 'data');

  beforeAll(async () => {
    example = await prepareExample(dataDir);
    config = loadConfig(example.configPath).config;
    task = await parseTaskFile(example.taskPath);
  });

  it('materializes a git repo on main with one commit, and a config that points at it', () => {
    expect(example.repoPath).toBe(join(dataDir, 'example', 'sample-repo'));
    expect(example.configPath).toBe(join(dataDir, 'example', 'switchyard.config.yaml'));
    expect(git(example.repoPath, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(example.repoPath, 'rev-list', '--count', 'main')).toBe('1');
    expect(git(example.repoPath, 'status', '--porcelain')).toBe('');
    expect(git(example.repoPath, 'ls-files').split('\n')).toEqual(
      expect.arrayContaining(['package.json', 'src/slugify.js', 'test/slugify.test.js']),
    );

    expect(config.dataDir).toBe(dataDir);
    expect(config.repos['sample-repo']).toMatchObject({ url: example.repoPath, testCommand: ['node', '--test'] });
    expect((config.providers.scripted as CommandProviderConfig).command[0]).toBe('node');
    expect(existsSync((config.providers.scripted as CommandProviderConfig).command[1])).toBe(true);
    expect(config.routing?.default).toBe('scripted');
  });

  it('resolves the bundled task against the example config', () => {
    const input = resolveTaskInput(task, config);
    expect(input).toMatchObject({ provider: 'scripted', base: 'main', serial: true });
    expect(input.task.id).toBe('fix-slugify');
  });

  it('is idempotent: a second call keeps the repo and its history', async () => {
    const head = git(example.repoPath, 'rev-parse', 'main');
    writeFileSync(join(example.repoPath, 'NOTES.md'), 'kept\n');
    const again = await prepareExample(dataDir);
    expect(again).toEqual(example);
    expect(git(example.repoPath, 'rev-parse', 'main')).toBe(head);
    expect(read(example.repoPath, 'NOTES.md')).toBe('kept\n');
    rmSync(join(example.repoPath, 'NOTES.md'));
  });

  it('rebuilds a repo left half-made (no commit on main)', async () => {
    const other = join(tmp, 'data-broken');
    mkdirSync(join(other, 'example', 'sample-repo', '.git'), { recursive: true });
    const made = await prepareExample(other);
    expect(git(made.repoPath, 'rev-list', '--count', 'main')).toBe('1');
  });

  it('runs the scripted agent through question, answer, analysis and a real fix', async () => {
    const before = await nodeTest(checkout(example.repoPath));
    expect(before.exitCode).not.toBe(0);
    expect(before.output).toMatch(/drops trailing separators/);

    // Analyst, first round: one blocking question, no analysis yet.
    const a1 = checkout(example.repoPath);
    const asked = await runAgent(config, a1, 'analyst', analystPrompt(task, 'main', []));
    expect(asked.exitCode).toBe(0);
    expect(asked.stdout).toMatch(/SCRIPTED demo agent \(no AI\)/);
    expect(read(a1, '.switchyard/questions.md').trim()).toBe(`- ${QUESTION}`);
    expect(existsSync(join(a1, '.switchyard/analysis.md'))).toBe(false);
    expect(asked.stdout.trim().split('\n').at(-1)).toMatch(
      /^SWITCHYARD_USAGE \{"costUsd":[\d.]+,"inputTokens":\d+,"outputTokens":\d+\}$/,
    );

    // Analyst, second round with the answer: an analysis that follows it, no questions.
    const rounds: QuestionRound[] = [
      { questions: [QUESTION], answer: 'Transliterate them, please.', answeredBy: 'ana' },
    ];
    const a2 = checkout(example.repoPath);
    const planned = await runAgent(config, a2, 'analyst', analystPrompt(task, 'main', rounds));
    expect(planned.exitCode).toBe(0);
    const analysis = read(a2, '.switchyard/analysis.md');
    expect(analysis).toMatch(/Decision on accented letters: \*\*transliterate\*\*/);
    expect(existsSync(join(a2, '.switchyard/questions.md'))).toBe(false);

    // Developer: edits the source, adds a test, leaves a summary; the suite now passes.
    const dev = checkout(example.repoPath);
    const developed = await runAgent(
      config,
      dev,
      'developer',
      developerPrompt(task, 'main', { analysis, rounds, attempt: 1 }),
    );
    expect(developed.exitCode).toBe(0);
    expect(git(dev, 'status', '--porcelain', '--', 'src', 'test')).toMatch(/src\/slugify\.js/);
    expect(read(dev, 'test/slugify.test.js')).toContain("assert.equal(slugify('Café crème'), 'cafe-creme')");
    expect(read(dev, '.switchyard/summary.md')).toMatch(/transliterated/);
    const after = await nodeTest(dev);
    expect(after.output).toMatch(/# fail 0/);
    expect(after.exitCode).toBe(0);
  });

  it('honours an answer to drop accented letters', async () => {
    const rounds: QuestionRound[] = [{ questions: [QUESTION], answer: 'Drop them.' }];
    const dev = checkout(example.repoPath);
    const r = await runAgent(
      config,
      dev,
      'developer',
      developerPrompt(task, 'main', { analysis: '', rounds, attempt: 1 }),
    );
    expect(r.exitCode).toBe(0);
    expect(read(dev, 'test/slugify.test.js')).toContain("'caf-crme'");
    expect((await nodeTest(dev)).exitCode).toBe(0);
  });

  it('with SCRIPTED_AGENT_FAIL_FIRST_ATTEMPT, fixes fully only after a failure report', async () => {
    const dev = checkout(example.repoPath);
    const rounds: QuestionRound[] = [{ questions: [QUESTION], answer: 'transliterate' }];
    const env = { SCRIPTED_AGENT_FAIL_FIRST_ATTEMPT: '1' };
    await runAgent(config, dev, 'developer', developerPrompt(task, 'main', { analysis: '', rounds, attempt: 1 }), env);
    const first = await nodeTest(dev);
    expect(first.exitCode).not.toBe(0);

    const retryPrompt = developerPrompt(task, 'main', {
      analysis: '',
      rounds,
      attempt: 2,
      failure: {
        source: 'testing',
        test: {
          status: 'FAIL',
          exitCode: first.exitCode ?? 1,
          durationMs: 1,
          output: first.output,
          outputBytes: first.output.length,
          truncated: false,
          command: ['node', '--test'],
          commit: 'abc123',
        },
      },
    });
    const retried = await runAgent(config, dev, 'developer', retryPrompt, { ...env, SWITCHYARD_ATTEMPT: '2' });
    expect(retried.stdout).toMatch(/retry after a failed attempt/);
    expect((await nodeTest(dev)).exitCode).toBe(0);
  });

  it('refuses an unknown role and a repo it does not know', async () => {
    const dev = checkout(example.repoPath);
    const badRole = await runAgent(config, dev, 'reviewer' as AgentRole, 'prompt');
    expect(badRole.exitCode).toBe(2);
    expect(badRole.stderr).toMatch(/unknown SWITCHYARD_ROLE "reviewer"/);

    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    const elsewhere = await runAgent(config, empty, 'developer', 'prompt');
    expect(elsewhere.exitCode).toBe(1);
    expect(elsewhere.stderr).toMatch(/only knows the bundled sample repo/);
  });
});
