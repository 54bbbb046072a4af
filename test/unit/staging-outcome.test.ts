import { describe, expect, it } from 'vitest';
import { STAGING_CLASSES } from '../../workflows/api/index.js';
import { stagingHoldReason, stagingOutcome } from '../../workflows/staging-outcome.js';
import { decide } from '../../workflows/transitions.js';

const ctx = { devAttempts: 1, maxDevAttempts: 3, hasStaging: true, costUsd: 0 };

describe('stagingOutcome', () => {
  it.each([
    ['passed', 'passed'],
    ['failed', 'failed'],
    ['timeout', 'env-problem'],
    ['env-permanent', 'env-problem'],
    ['transient', 'env-problem'],
  ] as const)('%s → %s', (outcomeClass, outcome) => {
    expect(stagingOutcome({ outcomeClass, status: outcomeClass === 'passed' ? 'PASS' : 'FAIL' })).toBe(outcome);
  });

  it('covers every class', () => {
    expect(STAGING_CLASSES).toEqual(['passed', 'failed', 'timeout', 'env-permanent', 'transient']);
  });

  it('a timeout never sends the task back to development: it holds at deploy-staging', () => {
    const d = decide('deploy-staging', stagingOutcome({ outcomeClass: 'timeout', status: 'FAIL' }), ctx, 'timed out');
    expect(d).toEqual({
      kind: 'hold',
      heldStage: 'deploy-staging',
      reason: 'the staging environment has a problem: timed out',
    });
  });

  it('a hold names the class after the run’s own reason', () => {
    expect(
      stagingHoldReason({
        outcomeClass: 'env-permanent',
        reason: 'staging target web (deploy@h:22): environment problem: Host key verification failed.',
      }),
    ).toBe('staging target web (deploy@h:22): environment problem: Host key verification failed. [env-permanent]');
  });

  it('reads a report from before the classes by its status', () => {
    expect(stagingOutcome({ status: 'PASS' } as never)).toBe('passed');
    expect(stagingOutcome({ status: 'FAIL' } as never)).toBe('failed');
  });
});
