/**
 * The activities registered by the worker. Each resolves the config when it starts (the worker
 * reloads the file), works in its own worktree and removes it whatever happens.
 */
import type { Config, LocalProviderConfig, ProviderConfig } from './config-schema.js';
import {
  ErrorType,
  noticeWorkflowId,
  taskWorkflowId,
  type AgentRunInput,
  type ArtifactRef,
  type RecordEventsInput,
  type AnalystResult,
  type DelegatedAnalysisInput,
  type DelegatedDevelopmentInput,
  type DelegatedJobRef,
  type DeveloperInput,
  type DeveloperResult,
  type NoticeInput,
  type NotifyActivityInput,
  type TaskEvent,
  type WebhookDeliveryInput,
  type StagingRunInput,
  type StagingSummary,
  type TestRunInput,
  type TestSummary,
} from '../workflows/api/index.js';
import { runCliAgent, type CliAgentOutcome } from './agents/cli-agent.js';
import { runCommandAgent, type CommandAgentOutcome } from './agents/command.js';
import { createRedactor, redactKeys } from './agents/redact.js';
import { readAgentFiles } from './agents/prompt-files.js';
import { failure } from './errors.js';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { branchState, commitTrailers, foreignBranchMessage, isTaskBranch } from './branch-guard.js';
import {
  changedFiles,
  commitAll,
  resolveCommit,
  commitDiff,
  prepareWorktree,
  pushBranch,
  removeWorktree,
  resolveRepo,
  type ResolvedRepo,
  type Worktree,
} from './git.js';
import { formatNotification } from './notify.js';
import { countAgentRun } from './metrics.js';
import { postWebhook, webhookBody, webhooksFor, webUiLink } from './webhooks.js';
import { activityContext, heartbeatPhase } from './process.js';
import { activityAttempt, activityKey, createRecorder, ensureSpoolDir, storeRetry, type Recorder } from './recorder.js';
import type { Store } from './store/index.js';
import { runStagingCheck } from './staging.js';
import { runTests } from './test-runner.js';
import {
  awaitJob,
  jobCost,
  jobUsage,
  placeAnswer,
  platformFor,
  PLATFORM_ANSWER_NOTE,
  submitJob,
} from './delegation.js';
import { cancelJob } from './platform-client.js';
import { describeFailure, failureCost } from '../workflows/failures.js';
import { headText } from '../workflows/preview.js';

export interface ActivityDeps {
  /** Current config (the worker reloads the file); called once per activity. */
  config: () => Config;
  /** Absolute; caches under `${dataDir}/cache/...`, worktrees under `${dataDir}/worktrees/...`. */
  dataDir: string;
  log?: (msg: string) => void;
  /** Injected by the worker (Temporal client). */
  isWorkflowRunning?: (workflowId: string) => Promise<boolean>;
  /** Artifacts, usage ledger and events (docs/architecture.md §6). */
  store: Store;
  /** Injected by the worker (Temporal client): starts a notice's webhook deliveries; a started id is fine. */
  startNotice?: (workflowId: string, input: NoticeInput) => Promise<void>;
}

const STAGE_OF_ROLE = { analyst: 'analysis', developer: 'development' } as const;

export type Activities = ReturnType<typeof createActivities>;

export function providerConfig(config: Config, name: string): ProviderConfig {
  const provider = config.providers[name];
  if (!provider) {
    const known = Object.keys(config.providers);
    throw failure(
      ErrorType.ConfigInvalid,
      `no provider named "${name}" in config.providers (known: ${known.join(', ') || 'none'})`,
    );
  }
  return provider;
}

/** A provider this worker runs itself; a delegated one is the job platform's (activities/delegation.ts). */
export function localProviderConfig(config: Config, name: string): LocalProviderConfig {
  const provider = providerConfig(config, name);
  if (provider.kind === 'delegated') {
    throw failure(
      ErrorType.ConfigInvalid,
      `provider "${name}" is now of kind delegated in the config, but this task was routed to run it locally`,
    );
  }
  return provider;
}

export function createActivities(deps: ActivityDeps) {
  const log = deps.log ?? ((msg: string) => console.log(msg));

  /**
   * Each event keyed by its place in the run (a notice and a later recordEvents may both carry it),
   * or, from an older history without places, by the activity that files it; so it is filed once.
   */
  async function fileTaskEvents(key: string, taskId: string, events: TaskEvent[]): Promise<void> {
    const run = activityContext()?.info.workflowExecution;
    for (const [i, e] of events.entries()) {
      const eventKey =
        run && typeof e.index === 'number' ? `${run.workflowId}/${run.runId}/transition/${e.index}` : `${key}/${i}`;
      await storeRetry(() =>
        deps.store.recordEvent({
          key: eventKey,
          taskId,
          kind: e.kind,
          actor: e.actor,
          payload: { from: e.from, to: e.to, outcome: e.outcome, ...(e.details ?? {}) },
          at: new Date(e.at),
        }),
      );
    }
  }

  async function recorder(scope: { taskId: string; stage: string; attempt: number }): Promise<Recorder> {
    return createRecorder(deps.store, await ensureSpoolDir(deps.dataDir), scope);
  }

  /**
   * Worktree at `ref`, the agent run in it (prompt and transcript stored, cost in the ledger), the
   * worktree removed afterwards; `after` sees it before removal.
   */
  async function withAgentRun<T>(
    input: AgentRunInput,
    agent: AgentRunner | undefined,
    after: (dir: string, outcome: AgentOutcome, repo: ResolvedRepo, rec: Recorder) => Promise<T>,
    /** Runs in the fresh worktree before the agent; a result it returns stands instead of a paid run. */
    before?: (wt: Worktree, repo: ResolvedRepo, earlierCostUsd: number) => Promise<T | undefined>,
  ): Promise<T> {
    const config = deps.config();
    const runner = agent ?? localAgent(config, input.provider);
    const repo = resolveRepo(config, input.repo);
    const rec = await recorder({ taskId: input.taskId, stage: STAGE_OF_ROLE[input.role], attempt: input.attempt });
    // Every attempt that ran the agent has its own ledger row; the result carries their sum, so the
    // task's total counts a run that was paid and then retried.
    heartbeatPhase('worktree');
    // The ledger and git are independent: neither waits for the other before the agent can start.
    const [ledger, prepared] = await Promise.allSettled([
      rec.earlierCost(),
      prepareWorktree(repo.url, input.ref, {
        dataDir: deps.dataDir,
        log,
        repoLabel: repo.name,
        label: `${input.taskId}-${input.role}-${input.attempt}`,
        // A developer checks the task branch as the remote has it now (branch-guard.ts).
        fresh: true,
      }),
    ]);
    if (prepared.status === 'rejected') throw prepared.reason;
    const wt = prepared.value;
    if (ledger.status === 'rejected') {
      await removeWorktree(wt);
      throw ledger.reason;
    }
    const earlier = ledger.value;
    const transcript = rec.spoolPath('transcript');
    try {
      // Whatever fails from here on, the failure says what the paid attempts so far cost.
      let paid = earlier;
      let fullPrompt: string;
      try {
        const settled = await before?.(wt, repo, earlier);
        if (settled !== undefined) return settled;
        fullPrompt = runner.promptStored ? '' : await withStoredBody(input);
      } catch (err) {
        throw withCost(err, paid);
      }
      // Prompts quote earlier output (test logs, answers): stored redacted like everything else.
      const prompt = runner.promptStored
        ? undefined
        : await rec.artifact('prompt', runner.redact(fullPrompt), 'text/markdown; charset=utf-8');
      const common: AgentCommon = {
        input,
        worktreeDir: wt.dir,
        prompt: fullPrompt,
        fullOutputPath: transcript,
      };
      let outcome: AgentOutcome;
      try {
        outcome = await runner.run(common);
      } catch (err) {
        // A failed run's transcript is what a person needs to see why: keep it (redacted), and what
        // it cost goes in the ledger (the stage adds it to the task's total from the failure).
        await rec.artifactFromFile('transcript', transcript, undefined, runner.redact).catch(() => undefined);
        const spent = failureCost(describeFailure(err));
        if (!(err instanceof CancelledFailure)) countAgentRun(input.provider, describeFailure(err).type ?? 'error');
        if (spent > 0)
          await rec.usage({ costUsd: spent, provider: input.provider, jobId: runner.jobId }).catch(() => undefined);
        throw withCost(err, spent + earlier);
      }
      countAgentRun(outcome.provider ?? input.provider, outcome.failure ? 'agent-failed' : 'ok');
      heartbeatPhase('collect');
      if (prompt) outcome.artifacts.push(prompt);
      outcome.artifacts.push(await rec.artifactFromFile('transcript', transcript, undefined, outcome.redact));
      await rec.usage({
        ...outcome.usage,
        costUsd: outcome.costUsd,
        provider: outcome.provider ?? input.provider,
        account: outcome.account,
        model: outcome.model,
        jobId: runner.jobId,
      });
      outcome.costUsd += earlier;
      paid = outcome.costUsd;
      try {
        return await after(wt.dir, outcome, repo, rec);
      } catch (err) {
        throw withCost(err, paid);
      }
    } finally {
      await removeWorktree(wt);
    }
  }

  /** The configured agent CLI or command, run in the worktree. */
  function localAgent(config: Config, providerName: string): AgentRunner {
    const provider = localProviderConfig(config, providerName);
    return {
      redact: redactorFor(provider, config),
      async run({ input, ...common }) {
        const run = { ...common, providerName, role: input.role, taskId: input.taskId, attempt: input.attempt, log };
        return provider.kind === 'command'
          ? runCommandAgent({ ...run, provider })
          : runCliAgent({
              ...run,
              provider,
              config,
              store: deps.store,
              budgetLeftUsd: input.budgetLeftUsd,
              allowFallback: input.allowFallback,
            });
      },
    };
  }

  /** The prompt with the stored task body in place of its marker (only this task's body, only that marker). */
  async function withStoredBody(input: AgentRunInput): Promise<string> {
    const ref = input.bodyRef;
    if (!ref) return input.prompt;
    const stored = await storeRetry(() => deps.store.getArtifact(ref.artifactId));
    if (!stored || stored.taskId !== input.taskId || stored.kind !== 'task-body') {
      throw failure(
        ErrorType.ConfigInvalid,
        `the stored body of task ${input.taskId} (artifact ${ref.artifactId}) is missing`,
      );
    }
    const body = stored.content.toString('utf8').trim();
    const at = input.prompt.indexOf(ref.marker);
    if (at === -1) return input.prompt;
    return input.prompt.slice(0, at) + body + input.prompt.slice(at + ref.marker.length);
  }

  /** The analyst's files (or the platform's answer placed as files) become the stage's result. */
  async function analystResult(
    input: AgentRunInput,
    dir: string,
    outcome: AgentOutcome,
    rec: Recorder,
  ): Promise<AnalystResult> {
    const files = redactFiles(await readAgentFiles(dir), outcome);
    await storeAgentFiles(rec, files, outcome.artifacts);
    return {
      ...resultBase(outcome, input.provider),
      ok: !outcome.failure,
      analysis: files.analysis,
      questions: files.questions,
      summary: files.summary,
    };
  }

  /** Whoever started this activity, it pushes to the task's own branch and nowhere else. */
  function refuseForeignBranch(input: DeveloperInput): void {
    if (!isTaskBranch(input.taskId, input.branch)) {
      throw failure(
        ErrorType.ConfigInvalid,
        `branch "${input.branch}" is not task ${input.taskId}'s own (switchyard/${input.taskId}[.run-<n>]); nothing was pushed`,
      );
    }
  }

  /** Before a developer runs: a branch someone else moved is refused; this attempt's own push is its result. */
  function checkBranch(input: DeveloperInput) {
    return async (wt: Worktree, repo: ResolvedRepo, earlierCostUsd: number): Promise<DeveloperResult | undefined> => {
      const state = await branchState(wt, input.branch, input.expectedTip, input.trailer);
      if (state.kind === 'ours') return undefined;
      if (state.kind === 'foreign') {
        throw failure(ErrorType.ConfigInvalid, foreignBranchMessage(input.branch, repo.name, state));
      }
      // The worker died after an earlier attempt pushed: that commit is the result, paid once.
      log(`${input.branch} of ${repo.name} already has ${state.commit.slice(0, 12)} from this attempt; not run again`);
      return {
        provider: input.provider,
        exitCode: 0,
        durationMs: 0,
        summary: 'pushed by an earlier attempt of this activity (the worker stopped before reporting it)',
        outputTail: '',
        costUsd: earlierCostUsd,
        artifacts: [],
        outcome: 'committed',
        branch: input.branch,
        commit: state.commit,
        changedFiles: await changedFiles(wt, state.commit),
      };
    };
  }

  /** What the developer changed (or the platform's patch), committed and pushed to the task's branch. */
  async function commitAndPush(
    input: DeveloperInput,
    dir: string,
    outcome: AgentOutcome,
    repo: ResolvedRepo,
    rec: Recorder,
  ): Promise<DeveloperResult> {
    const files = redactFiles(await readAgentFiles(dir), outcome);
    await storeAgentFiles(rec, files, outcome.artifacts);
    const base = { ...resultBase(outcome, input.provider), summary: files.summary, branch: input.branch };
    if (outcome.failure) return { ...base, outcome: 'agent-failed', changedFiles: [] };
    const firstLine = files.summary
      .split('\n')
      .find((l) => l.trim())
      ?.trim();
    const message =
      `switchyard(${input.taskId}): development attempt ${input.attempt}\n${firstLine ? `\n${firstLine}\n` : ''}` +
      `\n${commitTrailers(input.taskId, input.trailer)}`;
    heartbeatPhase('commit');
    const commit = await commitAll(dir, message);
    if (!commit) return { ...base, outcome: 'no-changes', changedFiles: [] };
    outcome.artifacts.push(
      await rec.artifact('diff', outcome.redact(await commitDiff(dir)), 'text/x-diff; charset=utf-8'),
    );
    heartbeatPhase('push');
    await pushBranch(dir, repo.url, input.branch, { repoLabel: repo.name, expectedTip: input.expectedTip });
    log(
      `pushed ${commit.commit.slice(0, 12)} to ${input.branch} of ${repo.name} (${commit.changedFiles.length} files)`,
    );
    return { ...base, outcome: 'committed', commit: commit.commit, changedFiles: commit.changedFiles };
  }

  /**
   * A delegated stage attempt after its submit: the job awaited, then its answer placed in a fresh
   * worktree as a local agent's work would be, and `finish` builds the result from there.
   */
  async function withFinishedJob<T extends { costUsd: number }>(
    input: AgentRunInput & { job: DelegatedJobRef },
    finish: (dir: string, outcome: AgentOutcome, repo: ResolvedRepo, rec: Recorder) => Promise<T>,
    before?: (wt: Worktree, repo: ResolvedRepo, earlierCostUsd: number) => Promise<T | undefined>,
  ): Promise<T> {
    const platform = platformFor(deps.config(), input.provider);
    const rec = await recorder({ taskId: input.taskId, stage: STAGE_OF_ROLE[input.role], attempt: input.attempt });
    const paid = { provider: input.provider, model: input.job.target, jobId: input.job.jobId };
    let job;
    try {
      job = await awaitJob(platform, input.job);
    } catch (err) {
      // A failed job may still have cost something: the ledger and the task's total count it once.
      const spent = failureCost(describeFailure(err));
      if (spent > 0) await rec.usage({ ...paid, costUsd: spent });
      throw err;
    }
    const costUsd = jobCost(job, platform.provider);
    // In the ledger before anything else can fail (the same row again below: keyed by the job).
    await rec.usage({ ...paid, ...jobUsage(job), costUsd });
    const agent: AgentRunner = {
      redact: platform.redact,
      jobId: job.id,
      promptStored: true,
      async run({ worktreeDir, fullOutputPath }) {
        const answer = await placeAnswer(job, input.role, worktreeDir, fullOutputPath);
        return {
          exitCode: answer.failure ? 1 : 0,
          durationMs: Date.now() - input.job.submittedAt,
          outputTail: platform.redact(answer.outputTail),
          usage: jobUsage(job),
          costUsd,
          failure: answer.failure && platform.redact(answer.failure),
          artifacts: [],
          redact: platform.redact,
          provider: input.provider,
          model: input.job.target,
          finalText: platform.redact(job.result?.text ?? ''),
        };
      },
    };
    // Whatever happens to the answer here (a foreign branch, a push that fails, an earlier attempt's
    // push taken as the result), the job was paid once, and the stage's cost says so.
    const settled =
      before &&
      (async (wt: Worktree, repo: ResolvedRepo, earlier: number) => {
        const r = await before(wt, repo, earlier);
        return r && { ...r, costUsd };
      });
    try {
      // At the commit the job was given, whatever the base is now.
      return await withAgentRun({ ...input, ref: input.job.commit }, agent, finish, settled);
    } catch (err) {
      throw withCost(err, costUsd);
    }
  }

  return {
    async runAnalyst(input: AgentRunInput): Promise<AnalystResult> {
      return withAgentRun({ ...input, role: 'analyst' }, undefined, (dir, outcome, _repo, rec) =>
        analystResult(input, dir, outcome, rec),
      );
    },

    async runDeveloper(input: DeveloperInput): Promise<DeveloperResult> {
      refuseForeignBranch(input);
      return withAgentRun(
        { ...input, role: 'developer' },
        undefined,
        (dir, outcome, repo, rec) => commitAndPush(input, dir, outcome, repo, rec),
        checkBranch(input),
      );
    },

    async submitDelegatedJob(input: AgentRunInput): Promise<DelegatedJobRef> {
      const config = deps.config();
      const platform = platformFor(config, input.provider);
      if (input.budgetLeftUsd !== undefined && input.budgetLeftUsd <= 0) {
        throw failure(
          ErrorType.AgentIncomplete,
          "budget exhausted: nothing of the task's budget is left; no job was submitted (resume with --budget)",
          {
            nonRetryable: true,
            details: [{ costUsd: 0 }],
          },
        );
      }
      if (!input.jobKey) throw failure(ErrorType.ConfigInvalid, 'a delegated stage came without its job key');
      const repo = resolveRepo(config, input.repo);
      const prompt = await withStoredBody(input);
      const stage = STAGE_OF_ROLE[input.role];
      // Everything that may wait (the store, git) comes before the POST, so a job is only made by a submit
      // that can report it.
      const rec = await recorder({ taskId: input.taskId, stage, attempt: input.attempt });
      await rec.artifact(
        'prompt',
        platform.redact(redactKeys(prompt + PLATFORM_ANSWER_NOTE[input.role])),
        'text/markdown; charset=utf-8',
      );
      // The exact commit: the answer is applied where the platform's model read the code.
      const commit = await resolveCommit(repo.url, input.ref, { dataDir: deps.dataDir, log, repoLabel: repo.name });
      const ref = await submitJob(platform, input.provider, {
        input,
        prompt,
        repoUrl: repo.url,
        base: input.base ?? repo.base,
        commit,
        idempotencyKey: input.jobKey,
      });
      // One try: the job id is in the stage's result and the Web UI already; an unreachable store must not
      // hold back a job that exists.
      await deps.store
        .recordEvent({
          key: `${activityKey()}/submitted`,
          taskId: input.taskId,
          kind: 'delegation:submitted',
          payload: { jobId: ref.jobId, provider: ref.provider, target: ref.target, stage, attempt: input.attempt },
        })
        .catch((err: unknown) => log(`task ${input.taskId}: the submitted event was not stored: ${String(err)}`));
      log(`task ${input.taskId}: ${stage} submitted to the job platform as ${ref.jobId} (${ref.target})`);
      return ref;
    },

    async cancelDelegatedJob(input: { taskId: string; provider: string; jobId: string }): Promise<void> {
      const platform = platformFor(deps.config(), input.provider);
      const problem = await cancelJob(platform.connection, input.jobId);
      log(
        `task ${input.taskId}: job ${input.jobId} ${problem ? `could not be cancelled: ${platform.redact(problem)}` : 'cancelled on the job platform'}`,
      );
    },

    async awaitDelegatedAnalysis(input: DelegatedAnalysisInput): Promise<AnalystResult> {
      return withFinishedJob({ ...input, role: 'analyst' }, (dir, outcome, _repo, rec) =>
        analystResult(input, dir, outcome, rec),
      );
    },

    async awaitDelegatedDevelopment(input: DelegatedDevelopmentInput): Promise<DeveloperResult> {
      refuseForeignBranch(input);
      return withFinishedJob(
        { ...input, role: 'developer' },
        (dir, outcome, repo, rec) => commitAndPush(input, dir, outcome, repo, rec),
        checkBranch(input),
      );
    },

    async runTests(input: TestRunInput): Promise<TestSummary> {
      const rec = await recorder({ taskId: input.taskId, stage: 'testing', attempt: input.attempt });
      return runTests(input, { config: deps.config(), dataDir: deps.dataDir, log, recorder: rec });
    },

    async runStagingCheck(input: StagingRunInput): Promise<StagingSummary> {
      const rec = await recorder({ taskId: input.taskId, stage: 'deploy-staging', attempt: input.attempt });
      return runStagingCheck(input, { config: deps.config(), dataDir: deps.dataDir, log, recorder: rec });
    },

    async notify({ events, ...input }: NotifyActivityInput): Promise<void> {
      log(formatNotification(input));
      const key = activityKey();
      if (events) await fileTaskEvents(`${key}/events`, input.taskId, events);
      await storeRetry(() =>
        deps.store.recordEvent({
          key: `${key}/notify`,
          taskId: input.taskId,
          kind: `notify:${input.kind}`,
          payload: { message: input.message },
        }),
      );
      const config = deps.config();
      const webhooks = webhooksFor(config, input.kind);
      if (webhooks.length === 0 || !deps.startNotice) return;
      const info = activityContext()?.info;
      const link = webUiLink(
        config.notifications?.webUi,
        info?.workflowNamespace ?? 'default',
        info?.workflowExecution?.workflowId ?? taskWorkflowId(input.taskId),
      );
      // Named after this activity: a retried notify finds its delivery started instead of starting another.
      // Bounded and never thrown: webhooks must not hold the task up (the notice is in the store and the log).
      const started = deps.startNotice(noticeWorkflowId(input.taskId, key), {
        notice: input,
        webhooks,
        ...(link ? { link } : {}),
      });
      const problem = await Promise.race([
        started.then(
          () => undefined,
          (err: unknown) => (err instanceof Error ? err.message : String(err)),
        ),
        new Promise<string>((r) => setTimeout(() => r('no answer from Temporal within 10 s'), 10_000).unref()),
      ]);
      if (problem) {
        log(`notify ${input.taskId}: the webhook deliveries were not started: ${problem}`);
        await deps.store
          .recordEvent({
            key: `${key}/webhooks`,
            taskId: input.taskId,
            kind: 'webhook:not-started',
            payload: { error: problem, webhooks },
          })
          .catch(() => undefined);
      }
    },

    async deliverWebhook(input: WebhookDeliveryInput): Promise<void> {
      const hook = deps.config().notifications?.webhooks.find((w) => w.name === input.webhook);
      if (!hook) {
        throw failure(ErrorType.ConfigInvalid, `webhook ${input.webhook} is no longer in the config; not delivered`);
      }
      const ctx = activityContext();
      const attempt = activityAttempt();
      const at = new Date().toISOString();
      const body = webhookBody(input.notice, { link: input.link, at });
      const record = (payload: Record<string, unknown>) =>
        deps.store
          .recordEvent({
            key: `${activityKey()}/attempt-${attempt}`,
            taskId: input.notice.taskId,
            kind: `webhook:${hook.name}`,
            payload: { notice: input.notice.kind, attempt, ...payload },
          })
          // The delivery matters more than its record: an unreachable store is only logged.
          .catch((err: unknown) => log(`webhook ${hook.name}: the attempt was not recorded: ${String(err)}`));
      try {
        const delivered = await postWebhook(hook, body, { signal: ctx?.cancellationSignal });
        await record({ status: delivered.status, durationMs: delivered.durationMs });
      } catch (err) {
        await record({ error: err instanceof Error ? err.message : String(err) });
        throw err;
      }
    },

    async recordEvents(input: RecordEventsInput): Promise<void> {
      await fileTaskEvents(activityKey(), input.taskId, input.events);
    },

    async storeTaskBody(input: { taskId: string; body: string }): Promise<ArtifactRef> {
      const rec = await recorder({ taskId: input.taskId, stage: 'analysis', attempt: 1 });
      return rec.artifact('task-body', redactKeys(input.body), 'text/markdown; charset=utf-8');
    },

    async isWorkflowRunning(workflowId: string): Promise<boolean> {
      return deps.isWorkflowRunning ? deps.isWorkflowRunning(workflowId) : true;
    },
  };
}

async function storeAgentFiles(
  rec: Recorder,
  files: { analysis: string; questions: string[]; summary: string },
  into: ArtifactRef[],
): Promise<void> {
  const md = 'text/markdown; charset=utf-8';
  if (files.analysis.trim()) into.push(await rec.artifact('analysis', files.analysis, md));
  if (files.questions.length)
    into.push(await rec.artifact('questions', files.questions.map((q) => `- ${q}`).join('\n'), md));
  if (files.summary.trim()) into.push(await rec.artifact('summary', files.summary, md));
}

type AgentOutcome = CommandAgentOutcome &
  Partial<Pick<CliAgentOutcome, 'provider' | 'account' | 'model' | 'finalText'>>;

/** What withAgentRun hands the agent: the run's input, the fresh worktree, the prompt, the transcript spool. */
interface AgentCommon {
  input: AgentRunInput;
  worktreeDir: string;
  prompt: string;
  fullOutputPath: string;
}

/** Who does the work in the worktree: a local CLI or command, or a finished job's answer being placed. */
interface AgentRunner {
  /** Masks this run's secrets in what is stored when it throws before saying. */
  redact: (text: string) => string;
  run(common: AgentCommon): Promise<AgentOutcome>;
  /** The platform's job, for the ledger. */
  jobId?: string;
  /** The prompt was stored (and sent) before: a platform job's submit did both. */
  promptStored?: boolean;
}

/** What an agent activity returns: no functions, nothing unredacted. */
function resultBase(outcome: AgentOutcome, requested: string) {
  const { redact: _redact, account: _account, model: _model, finalText: _finalText, ...rest } = outcome;
  return { ...rest, provider: outcome.provider ?? requested };
}

/** The agent's own files; a CLI's final message stands in for a missing summary. */
function redactFiles(
  files: { analysis: string; questions: string[]; summary: string },
  outcome: AgentOutcome,
): { analysis: string; questions: string[]; summary: string } {
  const r = outcome.redact;
  return {
    analysis: r(files.analysis),
    questions: files.questions.map(r),
    summary: r(files.summary.trim() ? files.summary : headText(outcome.finalText ?? '', 8000)),
  };
}

/**
 * The failure with `costUsd` in its details replaced (earlier attempts' spend added), so the stage
 * adds every paid run to the task's total whatever failed after it. A plain error becomes a
 * retryable ApplicationFailure of the same name (cancellation passes untouched).
 */
function withCost(err: unknown, costUsd: number): unknown {
  if (costUsd <= 0 || err instanceof CancelledFailure) return err;
  if (!(err instanceof ApplicationFailure)) {
    if (!(err instanceof Error)) return err;
    return ApplicationFailure.create({ type: err.name, message: err.message, details: [{ costUsd }], cause: err });
  }
  const [first, ...rest] = err.details ?? [];
  const details = [{ ...(first && typeof first === 'object' ? first : {}), costUsd }, ...rest];
  return ApplicationFailure.create({
    type: err.type ?? undefined,
    message: err.message,
    nonRetryable: err.nonRetryable ?? undefined,
    details,
    nextRetryDelay: err.nextRetryDelay ?? undefined,
    cause: err.cause instanceof Error ? err.cause : undefined,
  });
}

/**
 * For a run that threw before it could say what to redact: the secrets the provider (and its
 * fallback, which may have been the one running) pass through.
 */
function redactorFor(provider: LocalProviderConfig, config?: Config): (text: string) => string {
  const fallback = provider.kind !== 'command' && provider.fallback ? config?.providers[provider.fallback] : undefined;
  const local = [provider, ...(fallback && fallback.kind !== 'delegated' ? [fallback] : [])];
  const names = local.flatMap((p) => [
    ...p.env,
    ...(p.kind === 'command' ? [] : p.accounts.flatMap((a) => Object.values(a.env))),
  ]);
  const values = names.map((n) => process.env[n.replace(/^\$/, '')]).filter((v): v is string => !!v);
  return createRedactor(values);
}
