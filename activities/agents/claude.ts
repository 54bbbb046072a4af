/**
 * Claude Code in print mode with stream-json output (docs/agent-clis.md §1). The `result`
 * line decides the outcome, `is_error` before `subtype`; quota comes from `rate_limit_event`
 * (rejected), then the synthetic assistant error, then the text.
 */
import { ErrorType } from '../../workflows/api/index.js';
import type * as agent from './adapter.js';
import {
  classifyHttpStatus,
  classifyQuotaText,
  classifyText,
  classifyUsageError,
  clip,
  failureFrom,
  isObject,
  isResumeFailure,
  num,
  plainFailure,
  processFailure,
  promptNeedsStdin,
  str,
  type Classification,
  type Json,
} from './classify.js';
import { JsonlParser, type EventHandlers } from './jsonl.js';
import { parseResetTime } from './reset-time.js';

const NAME = 'Claude Code';
const BINARY = 'claude';

function invocation(input: agent.InvocationInput): agent.Invocation {
  const { provider } = input;
  const viaStdin = promptNeedsStdin(input.prompt);
  const argv = [provider.binary ?? BINARY, '-p'];
  if (!viaStdin) argv.push(input.prompt);
  argv.push('--output-format', 'stream-json', '--verbose');
  if (provider.model) argv.push('--model', provider.model);
  if (provider.maxTurns) argv.push('--max-turns', String(provider.maxTurns));
  argv.push('--permission-mode', 'bypassPermissions');
  const resumed = Boolean(input.resumeSessionId);
  if (input.resumeSessionId) argv.push(`--resume=${input.resumeSessionId}`);
  // Always a cap when the task has a budget: without the flag the CLI would spend without limit.
  if (input.maxBudgetUsd !== undefined) argv.push('--max-budget-usd', formatUsd(input.maxBudgetUsd));
  argv.push(...provider.extraArgs);
  const env: Record<string, string> = { SWITCHYARD_ROLE: input.role };
  // Bypass mode refuses to run as root unless told it is in a sandbox (our worktree is one).
  if (input.isRoot) env.IS_SANDBOX = '1';
  return { argv, env, resumed, ...(viaStdin ? { stdin: input.prompt } : {}) };
}

/**
 * The CLI refuses `--max-budget-usd 0` ("must be a number greater than 0"), and we pass four
 * decimals: a run needs at least this much left (the activity refuses to start it otherwise).
 */
export const CLAUDE_MIN_BUDGET_USD = 0.0001;

/** Rounded down to what is left, never below the CLI's minimum. */
function formatUsd(n: number): string {
  return String(Math.max(CLAUDE_MIN_BUDGET_USD, Math.floor(n * 10_000 + 1e-9) / 10_000));
}

const VERBOSE_RE = /--output-format=stream-json requires --verbose/;
const ROOT_GUARD_RE = /cannot be used with root\/sudo privileges/;

class ClaudeParser extends JsonlParser {
  private sessionId?: string;
  private model?: string;
  private readonly messageIds = new Set<string>();
  private assistantTurns = 0;
  private lastTool?: string;
  private result?: Json;
  private rejected?: Json;
  private syntheticError?: { error: string; text: string };
  private lastRetry?: { status?: number; error?: string };
  // --output-format json with --verbose: every event in one array.
  protected override readonly arrays = true;

  // user/tool_result, stream_event and anything newer: nothing to decide from.
  protected readonly events: EventHandlers = {
    system: (ev) => {
      if (ev.subtype === 'init') this.model = str(ev.model) ?? this.model;
      else if (ev.subtype === 'api_retry')
        this.lastRetry = { status: num(ev.error_status), error: str(ev.error) ?? this.lastRetry?.error };
    },
    assistant: (ev) => this.onAssistant(ev),
    rate_limit_event: (ev) => {
      const info = isObject(ev.rate_limit_info) ? ev.rate_limit_info : undefined;
      if (info?.status === 'rejected') this.rejected = info;
    },
    result: (ev) => {
      this.result = ev;
    },
  };

  protected override onAnyEvent(ev: Json): void {
    const sid = str(ev.session_id);
    if (sid) this.sessionId = sid;
  }

  private onAssistant(ev: Json): void {
    const msg = isObject(ev.message) ? ev.message : {};
    const content = Array.isArray(msg.content) ? msg.content : [];
    const text = content
      .filter(isObject)
      .map((b) => (b.type === 'text' ? (str(b.text) ?? '') : ''))
      .join('\n')
      .trim();
    const error = str(ev.error);
    if (error || msg.model === '<synthetic>') {
      if (error) this.syntheticError = { error, text };
      return;
    }
    const id = str(msg.id);
    if (id) this.messageIds.add(id);
    else this.assistantTurns++;
    if (str(msg.model)) this.model = str(msg.model);
    for (const b of content) {
      if (isObject(b) && b.type === 'tool_use' && str(b.name)) this.lastTool = str(b.name);
    }
  }

  progress(): agent.AgentProgress {
    return {
      sessionId: this.sessionId,
      turns: this.turns(),
      lastTool: this.lastTool,
      costSoFar: this.result ? num(this.result.total_cost_usd) : undefined,
      model: this.model,
    };
  }

  private turns(): number {
    return num(this.result?.num_turns) ?? this.messageIds.size + this.assistantTurns;
  }

  finish(exit: agent.ExitInfo): agent.AgentRunResult {
    const opts = { now: exit.now };
    const r = this.result;
    const usage = r ? usageOf(r) : undefined;
    const extras = {
      sessionId: this.sessionId,
      usage,
      reportedCostUsd: r ? num(r.total_cost_usd) : undefined,
      model: r ? (mainModel(r) ?? this.model) : this.model,
      turns: this.turns(),
    };
    if (exit.spawnError) return processFailure(NAME, exit, extras)!;

    if (!r) return this.finishWithoutResult(exit, extras);

    const subtype = str(r.subtype);
    const resultText = str(r.result) ?? '';
    const errors = Array.isArray(r.errors) ? r.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : [];
    if (subtype === 'error_max_turns')
      return plainFailure(NAME, ErrorType.AgentIncomplete, `stopped at the turn limit (--max-turns)`, extras);
    if (subtype === 'error_max_budget_usd')
      return plainFailure(NAME, ErrorType.AgentIncomplete, `stopped at the budget cap (--max-budget-usd)`, extras);

    if (r.is_error !== true && subtype === 'success') {
      // Old versions ended a usage-limit run as a plain "success" whose text is the limit notice.
      const quota = resultText.length < 300 ? classifyQuotaText(resultText, opts) : undefined;
      if (!quota) return { ok: true, finalText: resultText, ...extras };
      return failureFrom(NAME, quota, resultText, extras);
    }

    const errorText = [...new Set([resultText, ...errors, this.syntheticError?.text ?? ''])].filter(Boolean).join('\n');
    const c = this.classifyFailure(errorText, num(r.api_error_status), opts, str(r.api_error));
    if (c) return failureFrom(NAME, c.classification, c.words, extras);
    if (isResumeFailure(errorText))
      return {
        ...plainFailure(NAME, ErrorType.ProviderUnavailable, `cannot resume the session: ${clip(errorText)}`, extras),
        resumeFailed: true,
      };
    return plainFailure(
      NAME,
      ErrorType.AgentFailed,
      `the run ended with an error (${subtype ?? 'no subtype'}): ${clip(errorText) || 'no error text'}`,
      extras,
    );
  }

  /** Failure classification in the order of trust of docs/agent-clis.md §1. */
  private classifyFailure(
    errorText: string,
    apiStatus: number | undefined,
    opts: { now: number },
    apiError?: string,
  ): { classification: Classification; words: string } | undefined {
    if (this.rejected) {
      const resetsAt = num(this.rejected.resetsAt);
      const type = str(this.rejected.rateLimitType);
      return {
        classification: {
          errorType: ErrorType.RateLimited,
          reason: `usage limit reached${type ? ` (${type})` : ''}`,
          accountLimited: true,
          resetAt:
            resetsAt !== undefined
              ? resetsAt > 1e12
                ? resetsAt
                : resetsAt * 1000
              : parseResetTime(errorText, opts.now),
        },
        words: errorText,
      };
    }
    const quota = classifyQuotaText(errorText, opts);
    if (quota) return { classification: quota, words: errorText };
    const synthetic = this.syntheticError && syntheticClass(this.syntheticError, opts);
    if (synthetic) return { classification: synthetic, words: errorText };
    const byApiError = apiError !== undefined ? apiErrorClass(apiError, errorText, opts) : undefined;
    if (byApiError) return { classification: byApiError, words: errorText };
    const status = apiStatus ?? this.lastRetry?.status;
    // A status names the class; the text may still be more specific (retry-after, billing).
    const byText = classifyText(errorText, opts);
    if (byText && byText.errorType !== ErrorType.RateLimited) return { classification: byText, words: errorText };
    const byStatus = status !== undefined ? classifyHttpStatus(status, opts) : undefined;
    if (byStatus) return { classification: byStatus, words: errorText || this.lastRetry?.error || `HTTP ${status}` };
    return byText ? { classification: byText, words: errorText } : undefined;
  }

  private finishWithoutResult(
    exit: agent.ExitInfo,
    extras: { sessionId?: string; usage?: agent.TokenUsage; reportedCostUsd?: number; model?: string; turns: number },
  ): agent.AgentRunResult {
    const opts = { now: exit.now };
    const text = this.text.text();
    if (ROOT_GUARD_RE.test(text))
      return plainFailure(
        NAME,
        ErrorType.ToolMissing,
        `refuses bypass mode as root without IS_SANDBOX=1 ("${this.text.lines().find((l) => ROOT_GUARD_RE.test(l))}"); run the worker as a non-root user or let the adapter set IS_SANDBOX=1`,
        extras,
      );
    if (VERBOSE_RE.test(text))
      // The adapter always passes --verbose, so the binary or extraArgs in config dropped it.
      return plainFailure(
        NAME,
        ErrorType.ConfigInvalid,
        `the CLI did not get --verbose with stream-json ("${this.text.lines().find((l) => VERBOSE_RE.test(l))}"); check the provider's binary (a wrapper must pass every argument on) and extraArgs`,
        extras,
      );
    const early = processFailure(NAME, exit, extras);
    if (early) return early;
    if (this.rejected || this.syntheticError) {
      const c = this.classifyFailure(this.syntheticError?.text ?? text, undefined, opts);
      if (c) return failureFrom(NAME, c.classification, c.words, extras);
    }
    if (isResumeFailure(text))
      return {
        ...plainFailure(NAME, ErrorType.ProviderUnavailable, `cannot resume the session: ${this.text.tail()}`, extras),
        resumeFailed: true,
      };
    const usageError = exit.exitCode !== 0 ? classifyUsageError(text) : undefined;
    if (usageError) return failureFrom(NAME, usageError, undefined, extras);
    const c = classifyText(text, opts);
    if (c) return failureFrom(NAME, c, this.text.tail(), extras);
    return plainFailure(
      NAME,
      ErrorType.AgentFailed,
      `exited with code ${exit.exitCode} without a result line${text ? `: ${this.text.tail()}` : ''}`,
      extras,
    );
  }
}

function syntheticClass(e: { error: string; text: string }, opts: { now: number }): Classification | undefined {
  switch (e.error) {
    case 'rate_limit':
      return {
        errorType: ErrorType.RateLimited,
        reason: 'usage limit reached',
        accountLimited: true,
        resetAt: parseResetTime(e.text, opts.now),
      };
    case 'authentication_failed':
      return { errorType: ErrorType.ProviderAuth, reason: 'authentication failed' };
    case 'billing_error':
      return { errorType: ErrorType.ProviderAuth, reason: 'billing: no credit or quota left' };
    case 'invalid_request':
      return { errorType: ErrorType.ProviderAuth, reason: 'the provider rejected the request' };
    case 'server_error':
      return { errorType: ErrorType.ProviderUnavailable, reason: 'provider error', accountLimited: false };
    default:
      return undefined;
  }
}

/** The result line's `api_error` (newer versions name why the API call failed; most values are not ours to judge). */
function apiErrorClass(code: string, text: string, opts: { now: number }): Classification | undefined {
  switch (code) {
    case 'connection_failed':
    case 'stream_idle_timeout':
    case 'no_response':
    case 'computer_slept':
      return {
        errorType: ErrorType.ProviderUnavailable,
        reason: `cannot reach the provider (${code})`,
        accountLimited: false,
      };
    case 'usage_limit_reached':
      return {
        errorType: ErrorType.RateLimited,
        reason: 'usage limit reached',
        accountLimited: true,
        resetAt: parseResetTime(text, opts.now),
      };
    case 'provider_credentials':
    case 'stored_login_refused':
    case 'api_key_auth_disabled':
    case 'org_disabled_credential':
    case 'invalid_credential_header':
    case 'gateway_signin_required':
    case 'gateway_session_expired':
      return { errorType: ErrorType.ProviderAuth, reason: `authentication failed (${code})` };
    case 'model_requires_usage_credits':
    case 'long_context_credits_required':
      return { errorType: ErrorType.ProviderAuth, reason: `billing: no credit for this request (${code})` };
    default:
      return undefined;
  }
}

/** Totals: per-model usage when present (it includes side models), else `usage`. */
function usageOf(r: Json): agent.TokenUsage | undefined {
  if (isObject(r.modelUsage) && Object.keys(r.modelUsage).length) {
    const u: agent.TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0 };
    for (const m of Object.values(r.modelUsage)) {
      if (!isObject(m)) continue;
      u.inputTokens += num(m.inputTokens) ?? 0;
      u.outputTokens += num(m.outputTokens) ?? 0;
      u.cachedInputTokens! += num(m.cacheReadInputTokens) ?? 0;
      u.cacheWriteTokens! += num(m.cacheCreationInputTokens) ?? 0;
    }
    return u;
  }
  if (isObject(r.usage)) {
    return {
      inputTokens: num(r.usage.input_tokens) ?? 0,
      outputTokens: num(r.usage.output_tokens) ?? 0,
      cachedInputTokens: num(r.usage.cache_read_input_tokens) ?? 0,
      cacheWriteTokens: num(r.usage.cache_creation_input_tokens) ?? 0,
    };
  }
  return undefined;
}

/** The model that cost the most (the main one; side calls use a small model). */
function mainModel(r: Json): string | undefined {
  if (!isObject(r.modelUsage)) return undefined;
  let best: string | undefined;
  let bestCost = -1;
  for (const [name, m] of Object.entries(r.modelUsage)) {
    const cost = isObject(m) ? (num(m.costUSD) ?? 0) : 0;
    if (cost > bestCost) [best, bestCost] = [name, cost];
  }
  return best;
}

export const claudeAdapter: agent.AgentAdapter = {
  kind: 'claude-code',
  defaultBinary: BINARY,
  displayName: NAME,
  supportsResume: true,
  accountDirEnv: 'CLAUDE_CONFIG_DIR',
  minBudgetUsd: CLAUDE_MIN_BUDGET_USD,
  invocation,
  parser: () => new ClaudeParser(),
};
