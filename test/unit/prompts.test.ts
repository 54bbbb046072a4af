import { describe, expect, it } from 'vitest';
import type { TaskSpec, TestSummary } from '../../workflows/api/index.js';
import { analystPrompt, BODY_INLINE_CHARS, bodyNeedsStore, developerPrompt } from '../../workflows/prompts.js';
import { preview } from '../../workflows/preview.js';

const task: TaskSpec = {
  id: 'fix-it',
  repo: 'webapp',
  title: 'Fix it',
  allowDelegation: false,
  needsClaudeCode: false,
  body: 'Make the login redirect work.',
};

describe('prompts', () => {
  it('a long body is named by its marker instead of copied; a short one is inline', () => {
    const long = { ...task, body: 'x'.repeat(BODY_INLINE_CHARS + 1) };
    expect(bodyNeedsStore(task)).toBe(false);
    expect(bodyNeedsStore(long)).toBe(true);
    const ref = { artifactId: 7, marker: '[[switchyard:task-body:abc]]' };
    for (const p of [
      analystPrompt(long, 'main', [], ref),
      developerPrompt(long, 'main', { analysis: '', rounds: [], attempt: 1, bodyRef: ref }),
    ]) {
      expect(p).toContain(ref.marker);
      expect(p).not.toContain('xxxx');
    }
    expect(analystPrompt(task, 'main', [])).toContain('Make the login redirect work.');
  });

  it('the analyst prompt after an answer has the questions and the answer text', () => {
    const first = analystPrompt(task, 'main', [{ questions: ['Which page?'] }]);
    expect(first).not.toContain('## Answers');
    const p = analystPrompt(task, 'main', [{ questions: ['Which page?'], answer: 'The dashboard', answeredBy: 'ana' }]);
    expect(p).toContain('## Answers');
    expect(p).toContain('- Which page?');
    expect(p).toContain('The dashboard');
    expect(p).toContain('Make the login redirect work.');
  });

  it('the developer prompt on a retry carries the failure report with the failing output tail', () => {
    const test: TestSummary = {
      status: 'FAIL',
      exitCode: 1,
      durationMs: 10,
      counts: { framework: 'node:test', passed: 3, failed: 1 },
      output: `${'x'.repeat(10_000)}\nnot ok 4 - strips trailing dashes`,
      outputBytes: 10_040,
      truncated: false,
      command: ['node', '--test'],
      commit: 'abc123',
    };
    const p = developerPrompt(task, 'main', {
      analysis: 'Plan: fix slug',
      rounds: [],
      attempt: 2,
      failure: { source: 'testing', test },
    });
    expect(p).toContain('## Previous attempt failed');
    expect(p).toContain('Tests FAIL on commit abc123');
    expect(p).toContain('3 passed, 1 failed');
    expect(p).toContain('not ok 4 - strips trailing dashes');
    expect(p.length).toBeLessThan(6000);
    expect(p).toContain('attempt 2');
  });

  it('preview keeps head and tail under the limit', () => {
    const text = `HEAD${'.'.repeat(50_000)}TAIL`;
    const p = preview(text, 1000);
    expect(p.startsWith('HEAD')).toBe(true);
    expect(p.endsWith('TAIL')).toBe(true);
    expect(p).toMatch(/characters cut/);
    expect(preview('short', 1000)).toBe('short');
  });
});
