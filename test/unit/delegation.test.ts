/**
 * The pure parts of delegation: the platform URL's grammar, the config block and delegated providers,
 * reading questions out of a platform's answer, pricing a job, what the stage plan passes a delegated
 * stage, and which failed submits may fall back to local.
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../activities/config-schema.js';
import { splitQuestionsSection, parseQuestions } from '../../activities/agents/prompt-files.js';
import { jobCost, platformRepoUrl, PLATFORM_ANSWER_NOTE } from '../../activities/delegation.js';
import { parseConfig } from '../../worker/config.js';
import { platformUrlProblem } from '../../workflows/grammar.js';
import { platformUnreachable } from '../../workflows/failures.js';
import { noteRanOn, stageDelegation } from '../../workflows/stage-plan.js';
import type { TaskInput, TaskStatus } from '../../workflows/api/index.js';

const delegatedConfig = (delegation: string, extra = '') =>
  [
    'providers:',
    '  local:',
    '    kind: command',
    '    command: ["agent"]',
    '  gpu:',
    '    kind: delegated',
    '    target: gpu',
    extra,
    delegation,
  ].join('\n');

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, '/cfg/switchyard.config.yaml');
  } catch (err) {
    return (err as { issues: string[] }).issues;
  }
  return [];
}

describe('platformUrlProblem', () => {
  it.each(['https://jobs.example.com', 'http://127.0.0.1:8080/api/v1', 'https://jobs.example.com/'])(
    'accepts %s',
    (url) => expect(platformUrlProblem(url)).toBeUndefined(),
  );

  it.each([
    ['https://user:pw@jobs.example.com', /must not carry credentials/],
    ['https://tok@jobs.example.com', /must not carry credentials/],
    ['https://jobs.example.com/?token=x', /without a query or fragment/],
    ['https://jobs.example.com/#x', /without a query or fragment/],
    ['ftp://jobs.example.com', /not an http:\/\/ or https:\/\/ URL/],
    ['-https://x', /not an http/],
    ['jobs.example.com', /not an http/],
    ['https://jobs.example.com/$(id)', undefined],
    ['https://jobs.example.com/a b', /whitespace or control characters/],
    ['https://jobs.example.com/\nx', /whitespace or control characters/],
  ])('%s', (url, why) => {
    // A URL only ever goes to fetch, never to a shell: $() in a path is odd but harmless.
    if (why === undefined) expect(platformUrlProblem(url)).toBeUndefined();
    else expect(platformUrlProblem(url)).toMatch(why);
  });
});

describe('the delegation block and delegated providers', () => {
  it('takes the defaults of the contract', () => {
    const config = parseConfig(
      delegatedConfig('delegation:\n  url: https://jobs.example.com\n  tokenEnv: JOBS_TOKEN'),
      '/cfg/switchyard.config.yaml',
    );
    expect(config.delegation).toEqual({
      url: 'https://jobs.example.com',
      tokenEnv: 'JOBS_TOKEN',
      pollIntervalSec: 5,
      timeoutSec: 3600,
      requestTimeoutSec: 30,
      fallbackToLocal: false,
    });
    expect(config.providers.gpu).toEqual({ kind: 'delegated', target: 'gpu' });
  });

  it('names each bad field with its line', () => {
    const issues = problems(
      delegatedConfig(
        [
          'delegation:',
          '  url: https://me:secret@jobs.example.com',
          '  tokenEnv: $JOBS_TOKEN',
          '  pollIntervalSec: 0',
          '  fallbackToLocal: "yes"',
          '  token: abc',
        ].join('\n'),
      ),
    );
    expect(issues).toEqual([
      'delegation.url: must not carry credentials; keep them in a worker variable (delegation.tokenEnv, or urlEnv for a webhook) (line 10)',
      'delegation.tokenEnv: an environment variable name; got "$JOBS_TOKEN" (line 11)',
      'delegation.pollIntervalSec: must be more than 0 seconds; got 0 (line 12)',
      'delegation.fallbackToLocal: expected true or false, got "yes" (line 13)',
      'delegation.token: unknown key; did you mean "tokenEnv"? (line 14)',
    ]);
  });

  it('refuses hostile targets and unknown routing.auto providers; a fallback must be local', () => {
    const hostile = problems(
      [
        'providers:',
        '  gpu:',
        '    kind: delegated',
        '    target: "-x;touch PWNED"',
        '  cc:',
        '    kind: claude-code',
        '    fallback: gpu',
        'routing:',
        '  auto: { high: ghost }',
      ].join('\n'),
    );
    expect(hostile).toEqual([
      'providers.gpu.target: letters, digits, ".", "_" or "-"; got "-x;touch PWNED" (line 4)',
      'providers.cc.fallback: "gpu" is delegated; a fallback stands in on this worker, so it must be a local provider (line 7)',
      'routing.auto.high: no provider named "ghost" (providers: gpu, cc) (line 9)',
    ]);
  });

  it('a delegated provider needs no delegation block to be valid config (delegation is then off)', () => {
    expect(problems(delegatedConfig(''))).toEqual([]);
    expect(configSchema.safeParse({ providers: { gpu: { kind: 'delegated' } } }).success).toBe(false);
  });
});

describe("a platform's answer", () => {
  it('takes the questions from its ## Questions section, the rest is the analysis', () => {
    const text = 'Plan: change greet().\n\n## Questions\n- Which greeting?\n- Keep the comma?\n\n## Risks\nNone.';
    const { analysis, questions } = splitQuestionsSection(text);
    expect(analysis).toBe('Plan: change greet().\n\n## Risks\nNone.');
    expect(parseQuestions(questions)).toEqual(['Which greeting?', 'Keep the comma?']);
  });

  it('finds "### Blocking questions" and ends the section at a higher heading only', () => {
    const text = '# Analysis\nx\n### Blocking questions\n1. A?\n#### detail\nmore\n## Next\ny';
    const r = splitQuestionsSection(text);
    expect(r.questions).toBe('1. A?\n#### detail\nmore');
    expect(r.analysis).toBe('# Analysis\nx\n## Next\ny');
  });

  it('no section, or one that says none, means no questions', () => {
    expect(splitQuestionsSection('All clear.')).toEqual({ analysis: 'All clear.', questions: '' });
    expect(parseQuestions(splitQuestionsSection('ok\n## Questions\nNone.').questions)).toEqual([]);
    // A heading that merely mentions questions later in its words is not the section.
    expect(splitQuestionsSection('## Answers to questions\nx').questions).toBe('');
  });

  it('tells the model how to answer', () => {
    expect(PLATFORM_ANSWER_NOTE.analyst).toContain('"## Questions"');
    expect(PLATFORM_ANSWER_NOTE.developer).toContain('unified diff');
  });
});

describe('jobs: cost, key and repo', () => {
  const job = { id: 'j', status: 'completed' as const };
  const provider = { kind: 'delegated' as const, target: 'gpu', prices: { inputPerMTok: 3, outputPerMTok: 15 } };

  it("uses the platform's cost, else prices its tokens, else 0", () => {
    expect(jobCost({ ...job, costUsd: 0.7, usage: { inputTokens: 1e6 } }, provider)).toBe(0.7);
    expect(jobCost({ ...job, usage: { inputTokens: 1000, outputTokens: 500 } }, provider)).toBeCloseTo(0.0105, 9);
    expect(jobCost({ ...job, usage: { inputTokens: 1000 } }, { kind: 'delegated', target: 'gpu' })).toBe(0);
    expect(jobCost(job, provider)).toBe(0);
  });

  it('never sends repo credentials', () => {
    expect(platformRepoUrl('https://x-access-token:ghp_abc@github.com/o/r.git')).toBe('https://github.com/o/r.git');
    expect(platformRepoUrl('ssh://git@host/r.git')).toBe('ssh://host/r.git');
    expect(platformRepoUrl('/srv/repos/app')).toBe('/srv/repos/app');
  });
});

describe('the stage plan and fallbacks', () => {
  const input = { base: 'develop', providerMode: 'delegated', localFallback: 'codex' } as TaskInput;

  const run = (i: TaskInput) => ({ input: i, workflowId: 'task-t1', firstRunId: 'r0' });

  it('a delegated task gives its agent stages the base, the job key and the local fallback; a local task nothing', () => {
    expect(stageDelegation(run(input), 'analysis', 2)).toEqual({
      delegation: { base: 'develop', jobKey: 'task-t1/r0/analysis-2', localFallback: 'codex' },
    });
    expect(stageDelegation(run({ ...input, localFallback: undefined }), 'development', 1)).toEqual({
      delegation: { base: 'develop', jobKey: 'task-t1/r0/development-1' },
    });
    expect(stageDelegation(run({ ...input, providerMode: 'local' }), 'analysis', 1)).toEqual({});
    expect(stageDelegation(run({ base: 'main' } as TaskInput), 'analysis', 1)).toEqual({});
  });

  it('a stage run elsewhere shows who ran it and why; the next stage on the platform shows the route again', () => {
    const routed = { ...input, provider: 'gpu', providerReason: 'delegated to "gpu".' } as TaskInput;
    const s = { provider: 'gpu', providerMode: 'delegated', providerReason: 'delegated to "gpu".' } as TaskStatus;
    noteRanOn(s, routed, { provider: 'codex', mode: 'local', reason: 'platform down' });
    expect(s).toMatchObject({ provider: 'codex', providerMode: 'local', providerReason: 'platform down' });
    noteRanOn(s, routed, undefined);
    expect(s).toMatchObject({ provider: 'gpu', providerMode: 'delegated', providerReason: 'delegated to "gpu".' });
    // A local task's status is left as it was.
    const local = { provider: 'fake', providerReason: 'default' } as TaskStatus;
    noteRanOn(local, { provider: 'fake', providerReason: 'default' } as TaskInput, undefined);
    expect(local).toEqual({ provider: 'fake', providerReason: 'default' });
  });

  it('only an unreachable platform may fall back to local, never a refusal or a failed job', () => {
    expect(platformUnreachable({ type: 'ProviderUnavailable', message: '503' })).toBe(true);
    for (const type of ['DelegationRejected', 'DelegatedJobFailed', 'ConfigInvalid', undefined]) {
      expect(platformUnreachable({ type, message: 'x' })).toBe(false);
    }
  });
});
