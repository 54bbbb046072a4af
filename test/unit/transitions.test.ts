import { describe, expect, it } from 'vitest';
import { STAGES } from '../../workflows/api/index.js';
import {
  afterResume,
  budgetExceeded,
  decide,
  findRule,
  TRANSITIONS,
  type DecisionContext,
} from '../../workflows/transitions.js';

const ctx = (over: Partial<DecisionContext> = {}): DecisionContext => ({
  devAttempts: 1,
  maxDevAttempts: 3,
  hasStaging: false,
  costUsd: 0,
  ...over,
});

describe('transition table', () => {
  it('has exactly one rule per (stage, outcome) and only known stages', () => {
    const keys = TRANSITIONS.map((r) => `${r.from}/${r.outcome}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of TRANSITIONS) expect(STAGES).toContain(r.from);
  });

  it('throws on an outcome a stage cannot have', () => {
    expect(() => findRule('analysis', 'passed')).toThrow(/no transition from analysis on outcome passed/);
  });
});

describe('decide', () => {
  it('analysis ready → development; needs-input → wait; agent failure → hold at analysis', () => {
    expect(decide('analysis', 'ready', ctx())).toMatchObject({ kind: 'stage', stage: 'development' });
    expect(decide('analysis', 'needs-input', ctx())).toMatchObject({ kind: 'needs-input' });
    expect(decide('analysis', 'agent-failed', ctx(), 'exit 2')).toEqual({
      kind: 'hold',
      heldStage: 'analysis',
      reason: 'the analyst agent failed: exit 2',
    });
  });

  it('development committed → testing; no changes or failure → hold', () => {
    expect(decide('development', 'committed', ctx())).toMatchObject({ kind: 'stage', stage: 'testing' });
    expect(decide('development', 'no-changes', ctx())).toMatchObject({ kind: 'hold', heldStage: 'development' });
    expect(decide('development', 'agent-failed', ctx())).toMatchObject({ kind: 'hold', heldStage: 'development' });
  });

  it('testing passed → deploy-staging only when the task has a staging target', () => {
    expect(decide('testing', 'passed', ctx({ hasStaging: true }))).toMatchObject({
      kind: 'stage',
      stage: 'deploy-staging',
    });
    expect(decide('testing', 'passed', ctx({ hasStaging: false }))).toMatchObject({ kind: 'done' });
  });

  it('testing failed → development while attempts remain, else hold at development', () => {
    expect(decide('testing', 'failed', ctx({ devAttempts: 2, maxDevAttempts: 3 }))).toMatchObject({
      kind: 'stage',
      stage: 'development',
    });
    const held = decide('testing', 'failed', ctx({ devAttempts: 3, maxDevAttempts: 3 }));
    expect(held).toMatchObject({ kind: 'hold', heldStage: 'development' });
    expect(held.kind === 'hold' && held.reason).toMatch(/all 3 development attempts are used/);
  });

  it('a tool error holds at testing and is never treated as a test failure', () => {
    const d = decide('testing', 'tool-error', ctx({ devAttempts: 1 }), 'ToolMissing: npx not found');
    expect(d).toMatchObject({ kind: 'hold', heldStage: 'testing' });
    expect(d.kind === 'hold' && d.reason).toMatch(/environment problem.*ToolMissing: npx not found/);
  });

  it('deploy-staging: passed → done, failed → development, env problem → hold', () => {
    expect(decide('deploy-staging', 'passed', ctx())).toMatchObject({ kind: 'done' });
    expect(decide('deploy-staging', 'failed', ctx())).toMatchObject({ kind: 'stage', stage: 'development' });
    expect(decide('deploy-staging', 'failed', ctx({ devAttempts: 3 }))).toMatchObject({ kind: 'hold' });
    expect(decide('deploy-staging', 'env-problem', ctx())).toMatchObject({ kind: 'hold', heldStage: 'deploy-staging' });
  });

  it('a budget crossed holds before the next stage, but never blocks done', () => {
    const over = ctx({ costUsd: 5.5, budgetUsd: 5 });
    const d = decide('development', 'committed', over);
    expect(d).toMatchObject({ kind: 'hold', heldStage: 'testing' });
    expect(d.kind === 'hold' && d.reason).toMatch(/budget exceeded: \$5\.5000 spent of \$5\.00/);
    expect(decide('testing', 'passed', over)).toMatchObject({ kind: 'done' });
    expect(decide('development', 'committed', ctx({ costUsd: 5, budgetUsd: 5 }))).toMatchObject({ kind: 'stage' });
  });
});

describe('afterResume', () => {
  it('returns to the held stage', () => {
    expect(afterResume('testing', { devAttempts: 1, maxDevAttempts: 3 })).toEqual({
      stage: 'testing',
      maxDevAttempts: 3,
    });
  });

  it('grants one more development attempt when they ran out, unless the person raised the limit', () => {
    expect(afterResume('development', { devAttempts: 3, maxDevAttempts: 3 })).toEqual({
      stage: 'development',
      maxDevAttempts: 4,
    });
    expect(afterResume('development', { devAttempts: 3, maxDevAttempts: 3 }, 6)).toEqual({
      stage: 'development',
      maxDevAttempts: 6,
    });
  });
});

describe('decide: the reasons shown in status', () => {
  it('every rule’s why is what the decision says', () => {
    const c = ctx({ devAttempts: 1, hasStaging: true });
    expect(decide('analysis', 'ready', c)).toEqual({ kind: 'stage', stage: 'development', why: 'analysis complete' });
    expect(decide('analysis', 'needs-input', c)).toEqual({
      kind: 'needs-input',
      why: 'the analyst has blocking questions',
    });
    expect(decide('development', 'committed', c)).toEqual({
      kind: 'stage',
      stage: 'testing',
      why: 'change committed and pushed',
    });
    expect(decide('development', 'no-changes', c)).toMatchObject({ reason: 'the developer agent changed nothing' });
    expect(decide('development', 'agent-failed', c)).toMatchObject({ reason: 'the developer agent failed' });
    expect(decide('testing', 'passed', c)).toEqual({ kind: 'stage', stage: 'deploy-staging', why: 'tests passed' });
    expect(decide('testing', 'passed', ctx())).toEqual({ kind: 'done', why: 'tests passed; no staging target' });
    expect(decide('testing', 'failed', c)).toEqual({
      kind: 'stage',
      stage: 'development',
      why: 'tests failed; development attempt 2',
    });
    expect(decide('deploy-staging', 'passed', c)).toEqual({ kind: 'done', why: 'staging check passed' });
    expect(decide('deploy-staging', 'failed', c)).toMatchObject({ why: 'staging check failed; development attempt 2' });
    expect(decide('deploy-staging', 'env-problem', c)).toMatchObject({
      reason: 'the staging environment has a problem',
    });
  });

  it('without a budget nothing is ever over it, whatever was spent', () => {
    expect(budgetExceeded({ costUsd: 1000 })).toBe(false);
    expect(budgetExceeded({ costUsd: 1000, budgetUsd: 1 })).toBe(true);
    expect(decide('analysis', 'ready', ctx({ costUsd: 1000 }))).toMatchObject({ kind: 'stage' });
  });
});

describe('afterResume (edges)', () => {
  it('only a development hold with attempts used up gets one more', () => {
    expect(afterResume('testing', { devAttempts: 3, maxDevAttempts: 3 })).toEqual({
      stage: 'testing',
      maxDevAttempts: 3,
    });
    expect(afterResume('development', { devAttempts: 1, maxDevAttempts: 3 })).toEqual({
      stage: 'development',
      maxDevAttempts: 3,
    });
  });
});
