/**
 * Agent stages on the job platform (docs/architecture.md §8). The submit activity POSTs one job per stage
 * attempt (the idempotency key makes a retried submit find the same job); the await activity polls it,
 * heartbeating its id and status, and every retry resumes the same job. A finished job's answer is put
 * where a local agent leaves its files, so the stage's result is built exactly as for a local run.
 */
import { writeFile } from 'node:fs/promises';
import type { Config, DelegatedProviderConfig, DelegationConfig } from './config-schema.js';
import { ErrorType, type AgentRunInput, type DelegatedJobRef, type Usage } from '../workflows/api/index.js';
import { headText, tailText } from '../workflows/preview.js';
import { costFromUsage } from './agents/adapter.js';
import { writeAgentFilesFromText } from './agents/prompt-files.js';
import { createRedactor } from './agents/redact.js';
import { failure } from './errors.js';
import { applyPatch } from './git.js';
import { ApplicationFailure } from '@temporalio/common';
import { activityContext, cancellationError, heartbeat, setStickyHeartbeat } from './process.js';
import { cancelJob, createJob, getJob, type PlatformConnection, type PlatformJob } from './platform-client.js';

const MIN_TOKEN_LENGTH = 12;

export interface Platform {
  delegation: DelegationConfig;
  provider: DelegatedProviderConfig;
  connection: PlatformConnection;
  redact: (text: string) => string;
}

/** The platform settings and token for a delegated provider, from the config the worker has now. */
export function platformFor(config: Config, providerName: string): Platform {
  const delegation = config.delegation;
  if (!delegation) {
    throw failure(
      ErrorType.ConfigInvalid,
      `provider "${providerName}" is delegated but the worker's config has no delegation: block (url, tokenEnv)`,
    );
  }
  const provider = config.providers[providerName];
  if (provider?.kind !== 'delegated') {
    throw failure(
      ErrorType.ConfigInvalid,
      `provider "${providerName}" is ${provider ? `of kind ${provider.kind}` : 'not in the config'}, not delegated`,
    );
  }
  const token = process.env[delegation.tokenEnv];
  if (!token) {
    throw failure(
      ErrorType.ConfigInvalid,
      `the worker variable ${delegation.tokenEnv} (delegation.tokenEnv) is not set; it holds the job platform's token`,
    );
  }
  // Shorter values are not masked (they would mask ordinary words), so a token that short could leak.
  if (token.length < MIN_TOKEN_LENGTH) {
    throw failure(
      ErrorType.ConfigInvalid,
      `the token in ${delegation.tokenEnv} (delegation.tokenEnv) is shorter than ${MIN_TOKEN_LENGTH} characters`,
    );
  }
  const ctx = activityContext();
  return {
    delegation,
    provider,
    redact: createRedactor([token]),
    connection: {
      url: delegation.url.replace(/\/+$/, ''),
      token,
      requestTimeoutMs: delegation.requestTimeoutSec * 1000,
      signal: ctx?.cancellationSignal,
    },
  };
}

/** Said to the platform's model after the stage's own prompt: it answers in text, not in files. */
export const PLATFORM_ANSWER_NOTE = {
  analyst:
    "\n\n---\nYou are running on a job platform without the worktree's files channel: answer with your analysis as " +
    'text. Put blocking questions, if any, as a list under a "## Questions" heading; leave that heading out when ' +
    'there are none.\n',
  developer:
    '\n\n---\nYou are running on a job platform: return your change as `result.patch`, a unified diff (as ' +
    '`git diff` prints it) against the given commit, and a short summary as `result.text`.\n',
} as const;

/** A repo URL as the platform may see it: never with credentials in it. */
export function platformRepoUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

export interface SubmitArgs {
  input: AgentRunInput;
  /** The prompt with the stored task body in place. */
  prompt: string;
  repoUrl: string;
  /** The task's base branch. */
  base: string;
  /** The commit the stage starts from (the base's tip now, or the previous attempt's commit). */
  commit: string;
  /** One per stage attempt of one task run (workflows/stage-plan.ts): a retried submit finds its job. */
  idempotencyKey: string;
}

/**
 * POSTs the job. The request is not cut by a cancel (a job may already exist on the other side): it
 * finishes, and a cancelled stage then deletes the job it made.
 */
export async function submitJob(platform: Platform, providerName: string, args: SubmitArgs): Promise<DelegatedJobRef> {
  const { input } = args;
  const stage = input.role === 'analyst' ? 'analysis' : 'development';
  heartbeat({ phase: 'submitting', target: platform.provider.target });
  const created = await createJob(
    { ...platform.connection, signal: undefined },
    {
      provider: platform.provider.target,
      role: input.role,
      prompt: args.prompt + PLATFORM_ANSWER_NOTE[input.role],
      repo: platformRepoUrl(args.repoUrl),
      base: args.base,
      commit: args.commit,
      metadata: { taskId: input.taskId, stage, attempt: input.attempt },
      idempotencyKey: args.idempotencyKey,
    },
  );
  const signal = platform.connection.signal;
  if (signal?.aborted) {
    await cancelJob(platform.connection, created.id);
    throw cancellationError(signal);
  }
  return {
    jobId: created.id,
    provider: providerName,
    target: platform.provider.target,
    status: created.status as DelegatedJobRef['status'],
    commit: args.commit,
    submittedAt: Date.now(),
    pollIntervalSec: platform.delegation.pollIntervalSec,
    timeoutSec: platform.delegation.timeoutSec,
  };
}

/**
 * Polls until the job ends. A poll the platform does not answer throws (retryable) and the next attempt
 * resumes here. A job still queued or running at its deadline is cancelled and the stage fails; one that
 * finished is taken whenever it is read. (A cancelled stage deletes its job itself: workflows/stages/delegated.ts.)
 */
export async function awaitJob(platform: Platform, ref: DelegatedJobRef): Promise<PlatformJob> {
  const ctx = activityContext();
  const where = `job ${ref.jobId} on ${ref.target}`;
  setStickyHeartbeat({ jobId: ref.jobId, target: ref.target, provider: ref.provider, submittedAt: ref.submittedAt });
  const pastDeadline = () => Date.now() > ref.submittedAt + ref.timeoutSec * 1000;
  const giveUp = async (lastWord: string) => {
    const cancelProblem = await cancelJob(platform.connection, ref.jobId);
    return failure(
      ErrorType.DelegatedJobFailed,
      `${where} did not finish within ${ref.timeoutSec} s of its submission (delegation.timeoutSec; ${lastWord}); ` +
        (cancelProblem ? `cancelling it failed: ${platform.redact(cancelProblem)}` : 'it was cancelled'),
    );
  };
  for (;;) {
    let job: PlatformJob;
    try {
      job = await getJob(platform.connection, ref.jobId);
    } catch (err) {
      if (!pastDeadline() || !(err instanceof ApplicationFailure) || err.type !== ErrorType.ProviderUnavailable) {
        throw err;
      }
      throw await giveUp(`the platform's last word: ${err.message}`);
    }
    heartbeat({ phase: 'awaiting job', status: job.status });
    if (job.status === 'completed') return job;
    if (job.status === 'failed') {
      throw failure(
        ErrorType.DelegatedJobFailed,
        `${where} failed: ${platform.redact(headText(job.error?.trim() || 'the platform gave no reason', 1000))}`,
        { details: [{ costUsd: jobCost(job, platform.provider), jobId: job.id }] },
      );
    }
    if (pastDeadline()) throw await giveUp(`last seen ${job.status}`);
    if (ctx) await ctx.sleep(ref.pollIntervalSec * 1000);
    else await new Promise((r) => setTimeout(r, ref.pollIntervalSec * 1000));
  }
}

/** What the job cost: the platform's figure, else its tokens at the provider's prices. */
export function jobCost(job: PlatformJob, provider: DelegatedProviderConfig): number {
  if (job.costUsd !== undefined) return job.costUsd;
  const u = job.usage;
  if (!u || !provider.prices) return 0;
  return costFromUsage({ inputTokens: u.inputTokens ?? 0, outputTokens: u.outputTokens ?? 0 }, provider.prices);
}

export function jobUsage(job: PlatformJob): Usage {
  return { inputTokens: job.usage?.inputTokens, outputTokens: job.usage?.outputTokens };
}

export interface JobAnswer {
  /** Set when the answer cannot be used (a patch that does not apply): the stage's outcome is agent-failed. */
  failure?: string;
  outputTail: string;
}

/**
 * Writes a completed job's answer into the worktree: the analysis and its questions, or the summary and
 * the patch applied three-way. The transcript file gets the whole answer (stored redacted by the caller).
 */
export async function placeAnswer(
  job: PlatformJob,
  role: 'analyst' | 'developer',
  worktreeDir: string,
  transcriptPath: string,
): Promise<JobAnswer> {
  const text = job.result?.text ?? '';
  const patch = job.result?.patch;
  await writeFile(
    transcriptPath,
    JSON.stringify(
      {
        id: job.id,
        status: job.status,
        provider: job.provider,
        result: job.result,
        usage: job.usage,
        costUsd: job.costUsd,
      },
      null,
      2,
    ),
  );
  await writeAgentFilesFromText(worktreeDir, role, text);
  const outputTail = tailText(text, 2000);
  if (role === 'developer' && patch?.trim()) {
    heartbeat({ phase: 'applying the patch' });
    const applied = await applyPatch(worktreeDir, patch);
    if (!applied.ok) {
      return {
        outputTail,
        failure: `${ErrorType.DelegatedJobFailed}: the patch of job ${job.id} does not apply: ${applied.message}`,
      };
    }
  }
  return { outputTail };
}
