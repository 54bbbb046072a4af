import type { StagingOutcome, StagingSummary } from './api/index.js';

/** What a hold says: the run's own reason (target, host, first useful line) and its class. */
export function stagingHoldReason(report: Pick<StagingSummary, 'outcomeClass' | 'reason'>): string {
  return `${report.reason} [${report.outcomeClass}]`;
}

/** passed → done, failed → development again; every other class is a question for a person. */
export function stagingOutcome(report: Pick<StagingSummary, 'outcomeClass' | 'status'>): StagingOutcome {
  // Histories from before the classes carry only the status.
  const c = report.outcomeClass ?? (report.status === 'PASS' ? 'passed' : 'failed');
  if (c === 'passed') return 'passed';
  if (c === 'failed') return 'failed';
  return 'env-problem';
}
