/**
 * What every agent CLI adapter provides: the argv/env to start the CLI, and a parser that turns
 * its output lines into live progress and a classified outcome (docs/architecture.md §5). Adapters are pure:
 * no Temporal context, no store, no clock of their own (finish() is given `now`).
 */
import type { AgentCliKind, AgentCliProviderConfig, PricesConfig } from '../config-schema.js';
import type { AgentRole, ErrorTypeName } from '../../workflows/api/index.js';

export interface InvocationInput {
  provider: AgentCliProviderConfig;
  prompt: string;
  worktreeDir: string;
  role: AgentRole;
  /** Continue this CLI session (from a previous attempt's heartbeat) where the CLI supports it. */
  resumeSessionId?: string;
  /** Remaining budget for the task, for CLIs that can cap spend (claude --max-budget-usd). */
  maxBudgetUsd?: number;
  /** True when the worker runs as root (bypass modes need IS_SANDBOX=1 for Claude). */
  isRoot: boolean;
}

export interface Invocation {
  argv: string[];
  /**
   * Only what the adapter itself needs set (IS_SANDBOX, SWITCHYARD_ROLE); the caller merges it
   * over the base environment, the provider's pass-through variables and the account's env.
   */
  env: Record<string, string>;
  /** Write this to the CLI's stdin (long prompts, prompts starting with "-"); else stdin is empty. */
  stdin?: string;
  /** Whether the argv continues `resumeSessionId`. */
  resumed: boolean;
}

export interface AgentProgress {
  sessionId?: string;
  turns: number;
  lastTool?: string;
  costSoFar?: number;
  model?: string;
}

/** inputTokens excludes cache reads and writes (each CLI's counts are normalised to this). */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
  cacheWriteTokens?: number;
}

export type AgentRunResult =
  | {
      ok: true;
      finalText: string;
      sessionId?: string;
      usage?: TokenUsage;
      reportedCostUsd?: number;
      model?: string;
      turns: number;
    }
  | {
      ok: false;
      errorType: ErrorTypeName;
      /** Readable, names the provider's words. */
      message: string;
      /** RateLimited: when the quota resets (epoch ms), if known. */
      resetAt?: number;
      /** Transient: a delay the provider asked for (retry-after, "Please retry in 44.09s"). */
      retryAfterMs?: number;
      /** true for a quota/usage limit of THIS account (cool it down); false for a transient 429. */
      accountLimited?: boolean;
      /** The CLI could not find `resumeSessionId`: the next attempt must start a fresh session. */
      resumeFailed?: boolean;
      sessionId?: string;
      usage?: TokenUsage;
      reportedCostUsd?: number;
      model?: string;
      turns: number;
    };

export type AgentFailure = Extract<AgentRunResult, { ok: false }>;

export interface ExitInfo {
  exitCode: number | null;
  signal?: string | null;
  timedOut: boolean;
  /** The spawn error code (ENOENT, EACCES, …) when the CLI could not be started at all. */
  spawnError?: string;
  /** The caller ended the run because the parser's stopReason() asked for it (the CLI would not end). */
  stopped?: string;
  now: number;
}

export interface AgentParser {
  /**
   * Every line of stdout ('stdout') and stderr ('stderr'), in order. Unknown events/fields are
   * ignored. Works when both streams arrive interleaved as 'stdout' (runProcess does that).
   */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  progress(): AgentProgress;
  /**
   * Set once the run should be ended by us although the CLI keeps going (Codex waits for a
   * network forever): the caller kills the process group and calls finish() with `stopped`.
   */
  stopReason?(): string | undefined;
  /** Decide the outcome: structure first (result lines, events), then exit code, then text. */
  finish(exit: ExitInfo): AgentRunResult;
}

export interface AgentAdapter {
  kind: AgentCliKind;
  defaultBinary: string;
  /** For messages: "Claude Code", "Codex", … */
  displayName: string;
  /** Whether invocation() can continue a previous session (resumeSessionId). */
  supportsResume: boolean;
  /** The variable that selects an account directory, when the CLI has one. */
  accountDirEnv?: string;
  /** The smallest budget the CLI can cap a run at: with less left, the run is not started. */
  minBudgetUsd?: number;
  invocation(input: InvocationInput): Invocation;
  parser(): AgentParser;
}

/**
 * USD for `usage` at per-million-token prices, for CLIs that report no cost. Cache reads use the
 * cached price when configured, else the input price; cache writes use the input price.
 */
export function costFromUsage(usage: TokenUsage, prices: PricesConfig): number {
  const cached = usage.cachedInputTokens ?? 0;
  const usd =
    ((usage.inputTokens + (usage.cacheWriteTokens ?? 0)) * prices.inputPerMTok +
      cached * (prices.cachedInputPerMTok ?? prices.inputPerMTok) +
      usage.outputTokens * prices.outputPerMTok) /
    1_000_000;
  return Math.round(usd * 1e6) / 1e6;
}
