/**
 * An agent stage on the job platform: submit the job (one per stage attempt, however often the submit is
 * retried), tell the task its id, then await it. When the platform cannot be reached to submit and the
 * task may fall back, the stage runs on the local provider instead and says why.
 */
import { CancellationScope, isCancellation, setCurrentDetails } from '@temporalio/workflow';
import type { DelegatedJobRef, RanOn, Stage, StageDelegation } from '../api/index.js';
import { describeFailure, failureText, platformUnreachable } from '../failures.js';
import { tellTask } from './usage-limit.js';

export interface DelegatedRun<R> {
  submit(): Promise<DelegatedJobRef>;
  await(job: DelegatedJobRef): Promise<R>;
  /** Best effort: tells the platform to stop the job. */
  cancel(job: DelegatedJobRef): Promise<void>;
  /** The same stage on a local provider. */
  local(provider: string): Promise<R>;
}

export async function onThePlatform<R>(
  stage: Stage,
  delegation: StageDelegation,
  run: DelegatedRun<R>,
): Promise<{ result: R; ranOn?: RanOn }> {
  let job: DelegatedJobRef;
  try {
    job = await run.submit();
  } catch (err) {
    if (isCancellation(err)) throw err;
    const info = describeFailure(err);
    const fallback = delegation.localFallback;
    if (!fallback || !platformUnreachable(info)) throw err;
    const reason =
      `the job platform could not be reached (${failureText(info)}), so ${stage} ran on the local provider ` +
      `"${fallback}" (delegation.fallbackToLocal).`;
    setCurrentDetails(reason);
    await tellTask(stage, reason);
    return { result: await run.local(fallback), ranOn: { provider: fallback, mode: 'local', reason } };
  }
  try {
    setCurrentDetails(`Job **${job.jobId}** on the job platform (\`${job.target}\`, provider ${job.provider}).`);
    await tellTask(stage, `delegated job ${job.jobId} on ${job.target}: ${job.status}`);
    return { result: await run.await(job) };
  } catch (err) {
    // Cancelled however it happened (while awaiting, between retries, before the await began): the job
    // exists, and a stopped task must not leave it running and billing.
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => run.cancel(job)).catch(() => undefined);
    throw err;
  }
}
