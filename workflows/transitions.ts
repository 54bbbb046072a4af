/**
 * The pipeline's transition table as data, and the pure functions that read it.
 * taskWorkflow asks `decide` what follows a stage; nothing here touches Temporal.
 */
import type { Stage, TaskState } from './api/index.js';

export type Outcome =
  | 'ready'
  | 'needs-input'
  | 'agent-failed'
  | 'committed'
  | 'no-changes'
  | 'passed'
  | 'failed'
  | 'tool-error'
  | 'env-problem';

/**
 * `retry-development`: back to development with the report while attempts remain, else hold.
 * `staging-or-done`: deploy-staging when the task has a staging target, else done.
 */
export type Target = Stage | 'needs-input' | 'hold' | 'done' | 'retry-development' | 'staging-or-done';

export interface TransitionRule {
  from: Stage;
  outcome: Outcome;
  to: Target;
  why: string;
}

export const TRANSITIONS: readonly TransitionRule[] = [
  { from: 'analysis', outcome: 'ready', to: 'development', why: 'analysis complete' },
  { from: 'analysis', outcome: 'needs-input', to: 'needs-input', why: 'the analyst has blocking questions' },
  { from: 'analysis', outcome: 'agent-failed', to: 'hold', why: 'the analyst agent failed' },
  { from: 'development', outcome: 'committed', to: 'testing', why: 'change committed and pushed' },
  { from: 'development', outcome: 'no-changes', to: 'hold', why: 'the developer agent changed nothing' },
  { from: 'development', outcome: 'agent-failed', to: 'hold', why: 'the developer agent failed' },
  { from: 'testing', outcome: 'passed', to: 'staging-or-done', why: 'tests passed' },
  { from: 'testing', outcome: 'failed', to: 'retry-development', why: 'tests failed' },
  {
    from: 'testing',
    outcome: 'tool-error',
    to: 'hold',
    why: 'the test command could not run (an environment problem, not a code failure)',
  },
  { from: 'deploy-staging', outcome: 'passed', to: 'done', why: 'staging check passed' },
  { from: 'deploy-staging', outcome: 'failed', to: 'retry-development', why: 'staging check failed' },
  { from: 'deploy-staging', outcome: 'env-problem', to: 'hold', why: 'the staging environment has a problem' },
];

export interface DecisionContext {
  /** Development attempts made so far. */
  devAttempts: number;
  maxDevAttempts: number;
  hasStaging: boolean;
  costUsd: number;
  budgetUsd?: number;
}

export type Decision =
  | { kind: 'stage'; stage: Stage; why: string }
  | { kind: 'needs-input'; why: string }
  | { kind: 'hold'; heldStage: Stage; reason: string }
  | { kind: 'done'; why: string };

export function findRule(from: Stage, outcome: Outcome): TransitionRule {
  const rule = TRANSITIONS.find((r) => r.from === from && r.outcome === outcome);
  if (!rule) throw new TypeError(`no transition from ${from} on outcome ${outcome}`);
  return rule;
}

export function budgetExceeded(ctx: Pick<DecisionContext, 'costUsd' | 'budgetUsd'>): boolean {
  return ctx.budgetUsd !== undefined && ctx.costUsd > ctx.budgetUsd;
}

/** What follows `from` ending with `outcome`. `detail` is the stage's own failure text, if any. */
export function decide(from: Stage, outcome: Outcome, ctx: DecisionContext, detail?: string): Decision {
  const rule = findRule(from, outcome);
  const withDetail = (why: string) => (detail ? `${why}: ${detail}` : why);
  let decision: Decision;
  switch (rule.to) {
    case 'needs-input':
      decision = { kind: 'needs-input', why: rule.why };
      break;
    case 'hold':
      return { kind: 'hold', heldStage: from, reason: withDetail(rule.why) };
    case 'done':
      decision = { kind: 'done', why: rule.why };
      break;
    case 'staging-or-done':
      decision = ctx.hasStaging
        ? { kind: 'stage', stage: 'deploy-staging', why: rule.why }
        : { kind: 'done', why: `${rule.why}; no staging target` };
      break;
    case 'retry-development':
      if (ctx.devAttempts >= ctx.maxDevAttempts) {
        return {
          kind: 'hold',
          heldStage: 'development',
          reason: `${rule.why} and all ${ctx.maxDevAttempts} development attempts are used`,
        };
      }
      decision = {
        kind: 'stage',
        stage: 'development',
        why: `${rule.why}; development attempt ${ctx.devAttempts + 1}`,
      };
      break;
    default:
      decision = { kind: 'stage', stage: rule.to, why: rule.why };
  }
  // Spending stops at the next stage boundary; finishing costs nothing more.
  if (decision.kind === 'stage' && budgetExceeded(ctx)) {
    return {
      kind: 'hold',
      heldStage: decision.stage,
      reason: `budget exceeded: $${ctx.costUsd.toFixed(4)} spent of $${ctx.budgetUsd!.toFixed(2)} (resume with --budget)`,
    };
  }
  return decision;
}

/**
 * Where a `resume retry` goes. A hold because development attempts ran out grants one more attempt
 * unless the person raised the limit themselves.
 */
export function afterResume(
  heldStage: Stage,
  ctx: Pick<DecisionContext, 'devAttempts' | 'maxDevAttempts'>,
  requestedMaxDevAttempts?: number,
): { stage: Stage; maxDevAttempts: number } {
  let maxDevAttempts = requestedMaxDevAttempts ?? ctx.maxDevAttempts;
  if (heldStage === 'development' && ctx.devAttempts >= maxDevAttempts) maxDevAttempts = ctx.devAttempts + 1;
  return { stage: heldStage, maxDevAttempts };
}

/** Which signals fit which state; the client checks the same rule before sending. */
export const SIGNAL_STATES: Record<'answer' | 'resume' | 'pause' | 'unpause', readonly TaskState[]> = {
  answer: ['needs-input'],
  resume: ['hold'],
  pause: ['queued', 'running', 'needs-input'],
  unpause: ['queued', 'running', 'needs-input', 'hold'],
};

export function signalFits(signal: keyof typeof SIGNAL_STATES, s: { state: TaskState; paused: boolean }): boolean {
  if (!SIGNAL_STATES[signal].includes(s.state)) return false;
  if (signal === 'pause') return !s.paused;
  if (signal === 'unpause') return s.paused;
  return true;
}
