/**
 * Runs a real agent CLI (Claude Code, Codex, Gemini CLI, Aider) through its adapter: picks an
 * account that is not cooling down, resumes the previous attempt's session when it can, heartbeats
 * live progress, and turns every way a run can end into a result or a typed failure (docs/architecture.md §5).
 */
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { AgentCliProviderConfig, Config } from '../config-schema.js';
import { ErrorType, type AgentRole, type ArtifactRef, type Usage } from '../../workflows/api/index.js';
import { headText, tailText } from '../../workflows/preview.js';
import { accountEnv, agentRunEnv, passThroughEnv } from '../env.js';
import { failure, ProcessStartError } from '../errors.js';
import { activityContext, cancellationError, heartbeat, runProcess, setStickyHeartbeat } from '../process.js';
import type { Store } from '../store/index.js';
import { storeRetry } from '../recorder.js';
import { chooseAccount, cooldownsOf, cooldownUntil } from './accounts.js';
import { costFromUsage, type AgentProgress, type AgentRunResult, type TokenUsage } from './adapter.js';
import { ADAPTERS } from './registry.js';
import { OUTPUT_TAIL_BYTES, type CommandAgentOutcome } from './command.js';
import { writePromptFile } from './prompt-files.js';
import { createRedactor } from './redact.js';

/** A little over the worker's maxHeartbeatThrottleInterval (worker/worker.ts). */
const HEARTBEAT_FLUSH_MS = 2200;

export interface CliAgentRun {
  providerName: string;
  provider: AgentCliProviderConfig;
  config: Config;
  store: Store;
  worktreeDir: string;
  prompt: string;
  role: AgentRole;
  taskId: string;
  attempt: number;
  budgetLeftUsd?: number;
  allowFallback?: boolean;
  log: (msg: string) => void;
  fullOutputPath?: string;
}

/** What an attempt leaves in its heartbeat, so the next attempt can resume the CLI session. */
export interface AgentHeartbeat extends AgentProgress {
  phase: 'agent';
  provider: string;
  account: string;
  host: string;
}

export interface CliAgentOutcome extends CommandAgentOutcome {
  /** The provider that really ran (differs from the requested one after a fallback). */
  provider: string;
  account: string;
  model?: string;
  finalText: string;
  /** Redacts secrets this run could have printed; apply to everything stored or returned. */
  redact: (text: string) => string;
}

export async function runCliAgent(run: CliAgentRun): Promise<CliAgentOutcome> {
  refuseWithoutBudget(run);
  const now = Date.now();
  const choice = chooseAccount(
    run.provider.accounts,
    await storeRetry(() => cooldownsOf(run.store, run.providerName)),
    now,
  );
  if (choice.kind === 'all-cooling') {
    const fallback = run.provider.fallback;
    const fallbackProvider = fallback ? run.config.providers[fallback] : undefined;
    if (
      fallback &&
      run.allowFallback &&
      fallbackProvider &&
      fallbackProvider.kind !== 'command' &&
      fallbackProvider.kind !== 'delegated'
    ) {
      run.log(`provider ${run.providerName}: every account is cooling down; falling back to ${fallback}`);
      return runCliAgent({ ...run, providerName: fallback, provider: fallbackProvider, allowFallback: false });
    }
    const until = new Date(choice.resetAt).toISOString();
    // Not retried by Temporal: the stage workflow waits (a visible, durable timer) and runs again.
    throw failure(
      ErrorType.RateLimited,
      `every account of provider ${run.providerName} is at its usage limit until ${until} (${choice.accounts
        .map((a) => `${a.name}: ${a.lastError ?? 'limited'}`)
        .join('; ')})`,
      { nonRetryable: true, details: [{ resetAt: choice.resetAt, provider: run.providerName }] },
    );
  }
  const account = choice.account;
  const adapter = ADAPTERS[run.provider.kind];
  const fromAccount = accountEnv(account);
  if (fromAccount.missing.length) {
    throw failure(
      ErrorType.ConfigInvalid,
      `account ${account.name} of provider ${run.providerName} needs ${fromAccount.missing.join(', ')} in the worker's environment`,
    );
  }
  const { env, passed } = passThroughEnv(run.provider.env);
  const redact = createRedactor([...passed, ...fromAccount.secrets]);

  const previous = activityContext()?.info.heartbeatDetails as Partial<AgentHeartbeat> | undefined;
  const resumeSessionId =
    previous?.sessionId &&
    previous.host === hostname() &&
    previous.account === account.name &&
    previous.provider === run.providerName
      ? previous.sessionId
      : undefined;
  const invocation = adapter.invocation({
    provider: run.provider,
    prompt: run.prompt,
    worktreeDir: run.worktreeDir,
    role: run.role,
    resumeSessionId,
    maxBudgetUsd: run.budgetLeftUsd,
    isRoot: process.getuid?.() === 0,
  });
  const promptFile = await writePromptFile(run.worktreeDir, run.prompt);
  Object.assign(env, fromAccount.env, invocation.env, agentRunEnv(run, promptFile));
  if (resumeSessionId) run.log(`provider ${run.providerName}: resuming session ${resumeSessionId}`);

  const parser = adapter.parser();
  const ctx = activityContext();
  const lastHeartbeat = (): AgentHeartbeat => {
    const p = parser.progress();
    return {
      phase: 'agent',
      provider: run.providerName,
      account: account.name,
      host: hostname(),
      sessionId: p.sessionId,
      turns: p.turns,
      lastTool: p.lastTool ? headText(redact(p.lastTool), 200) : undefined,
      costSoFar: p.costSoFar,
      model: p.model,
    };
  };
  // The session stays in every later heartbeat of this attempt (commit, push, cleanup), so a retry finds it.
  const beat = () => {
    const details = lastHeartbeat();
    setStickyHeartbeat({
      provider: details.provider,
      account: details.account,
      host: details.host,
      sessionId: details.sessionId,
    });
    heartbeat({ ...details });
  };

  let res;
  let spawnError: string | undefined;
  // Ends the run when the parser says the CLI will not end by itself; cancellation still wins.
  const stop = new AbortController();
  let stopped: string | undefined;
  const onLine = (line: string): void => {
    parser.onLine(line, 'stdout');
    if (stopped !== undefined) return;
    stopped = parser.stopReason?.();
    if (stopped === undefined) return;
    run.log(`provider ${run.providerName}: ending the run: ${stopped}`);
    stop.abort();
  };
  try {
    res = await runProcess(invocation.argv, {
      cwd: run.worktreeDir,
      env,
      input: invocation.stdin ?? '',
      timeoutMs: run.provider.timeoutSec * 1000,
      signal: ctx ? AbortSignal.any([ctx.cancellationSignal, stop.signal]) : stop.signal,
      onLine,
      heartbeat: beat,
      fullOutputPath: run.fullOutputPath,
    });
  } catch (err) {
    if (!(err instanceof ProcessStartError)) throw err;
    spawnError = err.code;
  }
  if (ctx?.cancellationSignal.aborted) throw cancellationError(ctx.cancellationSignal);
  const result: AgentRunResult = parser.finish({
    exitCode: res?.exitCode ?? null,
    signal: res?.signal ?? null,
    timedOut: res?.timedOut ?? false,
    spawnError,
    stopped,
    now: Date.now(),
  });
  beat();
  const usage = toUsage(result.usage);
  const costUsd = costOf(result.reportedCostUsd, result.usage, run.provider);
  const base = {
    provider: run.providerName,
    account: account.name,
    exitCode: res?.exitCode ?? null,
    durationMs: res?.durationMs ?? 0,
    // Redact before cutting: a cut through a key would hide it from the patterns.
    outputTail: tailText(redact(res?.output ?? ''), OUTPUT_TAIL_BYTES),
    usage: { ...usage, costUsd },
    costUsd,
    artifacts: [] as ArtifactRef[],
    redact,
  };
  if (result.ok) {
    // A finished session is not resumed by a retry of the steps after it (commit, push): those run
    // in a fresh worktree, where the session's edits are not.
    setStickyHeartbeat({ sessionId: undefined });
    return { ...base, model: result.model, finalText: redact(result.finalText) };
  }
  const message = redact(`${run.providerName} (${account.name}): ${result.message}`);
  // A session that cannot be resumed must not be tried again: the next attempt starts fresh.
  if (result.resumeFailed) {
    setStickyHeartbeat({ sessionId: undefined });
    heartbeat({ ...lastHeartbeat(), sessionId: undefined });
  }
  const accountLimited = result.errorType === ErrorType.RateLimited && result.accountLimited !== false;
  if (accountLimited) {
    // Cool the account first, so other tasks stop picking it at once.
    const until = cooldownUntil(result.resetAt, Date.now());
    await storeRetry(() =>
      run.store.setCooldown(run.providerName, account.name, new Date(until), headText(message, 500)),
    );
    run.log(
      `provider ${run.providerName}: account ${account.name} cooling down until ${new Date(until).toISOString()}`,
    );
  }
  // The next attempt reads the session from the last heartbeat, which the worker sends at most
  // every 2 s: let it go out before failing (a short run may not have sent one with the session).
  if (ctx && (result.errorType === ErrorType.ProviderUnavailable || result.errorType === ErrorType.RateLimited))
    await delay(HEARTBEAT_FLUSH_MS, undefined, { signal: ctx.cancellationSignal }).catch(() => {
      throw ctx.cancellationSignal.reason;
    });
  switch (result.errorType) {
    case ErrorType.RateLimited:
      if (accountLimited) {
        const next = chooseAccount(
          run.provider.accounts,
          await storeRetry(() => cooldownsOf(run.store, run.providerName)),
          Date.now(),
        );
        if (next.kind === 'all-cooling' && !(run.allowFallback && run.provider.fallback)) {
          // Nothing to switch to: the stage waits for the earliest reset (not Temporal's retries).
          throw failure(ErrorType.RateLimited, message, {
            nonRetryable: true,
            details: [{ resetAt: next.resetAt, provider: run.providerName, costUsd }],
          });
        }
        // Retried at once: the next attempt takes another account (or the fallback provider).
        throw failure(ErrorType.RateLimited, message, { nextRetryDelayMs: 1000, details: [{ costUsd }] });
      }
      throw failure(ErrorType.ProviderUnavailable, message, {
        nextRetryDelayMs: result.retryAfterMs,
        details: [{ costUsd }],
      });
    case ErrorType.ProviderUnavailable:
      // Never cools the account: an overloaded provider is not this account's quota.
      throw failure(ErrorType.ProviderUnavailable, message, {
        nextRetryDelayMs: result.retryAfterMs,
        details: [{ costUsd }],
      });
    case ErrorType.AgentFailed:
      return { ...base, finalText: '', failure: message };
    default:
      throw failure(result.errorType, message, { details: [{ costUsd }] });
  }
}

/**
 * A task with a budget runs only while enough of it is left for the CLI's own cap (Claude refuses
 * `--max-budget-usd 0`) and never with nothing left: the stage fails and the task holds for budget.
 */
function refuseWithoutBudget(run: CliAgentRun): void {
  const left = run.budgetLeftUsd;
  if (left === undefined) return;
  const minimum = ADAPTERS[run.provider.kind].minBudgetUsd ?? 0;
  if (left > 0 && left >= minimum) return;
  throw failure(
    ErrorType.AgentIncomplete,
    `budget exhausted: $${+left.toFixed(6)} of the task's budget is left${minimum > 0 ? `, less than the $${minimum} a ${run.providerName} run needs` : ''}; the agent was not started (resume with --budget)`,
    { nonRetryable: true, details: [{ costUsd: 0 }] },
  );
}

function toUsage(u: TokenUsage | undefined): Usage {
  return u ? { inputTokens: u.inputTokens, outputTokens: u.outputTokens } : {};
}

/** Claude reports its cost; the others are priced from tokens with the config's table. */
export function costOf(
  reported: number | undefined,
  usage: TokenUsage | undefined,
  provider: AgentCliProviderConfig,
): number {
  if (reported !== undefined && Number.isFinite(reported)) return reported;
  // The adapters' token counts are normalised (inputTokens excludes cache reads and writes): one rule prices them.
  return usage && provider.prices ? costFromUsage(usage, provider.prices) : 0;
}
