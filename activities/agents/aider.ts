/**
 * Aider `aider --message …` (docs/agent-clis.md §4). No JSON: everything is text on stdout, and
 * it exits 0 even when the API failed, so the outcome comes from the text: an API error that no
 * later `Tokens:` line followed means the run gave up. Cost is aider's own session total.
 */
import { ErrorType } from '../../workflows/api/index.js';
import type * as agent from './adapter.js';
import {
  classifyText,
  classifyUsageError,
  clip,
  failureFrom,
  plainFailure,
  processFailure,
  promptNeedsStdin,
  TextTail,
} from './classify.js';

const NAME = 'Aider';
const BINARY = 'aider';

function invocation(input: agent.InvocationInput): agent.Invocation {
  const { provider } = input;
  const viaStdin = promptNeedsStdin(input.prompt);
  const argv = [provider.binary ?? BINARY];
  if (viaStdin) argv.push('--message-file', '/dev/stdin');
  else argv.push('--message', input.prompt);
  argv.push(
    '--yes-always',
    '--no-auto-commits',
    '--no-stream',
    '--no-pretty',
    '--no-check-update',
    '--analytics-disable',
  );
  if (provider.model) argv.push('--model', provider.model);
  argv.push(...provider.extraArgs);
  return { argv, env: { SWITCHYARD_ROLE: input.role }, resumed: false, ...(viaStdin ? { stdin: input.prompt } : {}) };
}

const COUNT = '(\\d+(?:\\.\\d+)?[kKmM]?)';
const TOKENS_RE = new RegExp(
  `^Tokens: ${COUNT} sent(?:, ${COUNT} cache write)?(?:, ${COUNT} cache hit)?, ${COUNT} received\\.(?:\\s*Cost: \\$(\\d+(?:\\.\\d+)?) message, \\$(\\d+(?:\\.\\d+)?) session\\.)?`,
);
const COST_RE = /^Cost: \$(\d+(?:\.\d+)?) message, \$(\d+(?:\.\d+)?) session\./;
// What aider prints for a failed API call: litellm's exception, then its own description.
const API_ERROR_RE =
  /^litellm\.\w+|^(?:The API provider|OpenRouter or the upstream API provider)\b|has hit a token limit|^Model .* has hit a token limit/;
const RETRY_RE = /^Retrying in \d+(?:\.\d+)? seconds/;
const EDIT_RE = /^Applied edit to (.+)$/;

/** "2.3k" → 2300, "1.2M" → 1200000. */
export function parseTokenCount(s: string): number {
  const n = parseFloat(s);
  const suffix = s.slice(-1).toLowerCase();
  return Math.round(suffix === 'k' ? n * 1_000 : suffix === 'm' ? n * 1_000_000 : n);
}

class AiderParser implements agent.AgentParser {
  private calls = 0;
  private usage?: agent.TokenUsage;
  private sessionCost?: number;
  private lastTool?: string;
  /** API error lines since the last successful call. */
  private pendingErrors: string[] = [];
  private retries = 0;
  private readonly text = new TextTail(80);

  onLine(line: string, _stream: 'stdout' | 'stderr'): void {
    const t = line.trim();
    if (!t) return;
    const tokens = TOKENS_RE.exec(t);
    if (tokens) {
      this.onTokens(tokens);
      return;
    }
    const cost = COST_RE.exec(t);
    if (cost) {
      this.sessionCost = Number(cost[2]);
      return;
    }
    if (RETRY_RE.test(t)) {
      this.retries++;
      return;
    }
    if (API_ERROR_RE.test(t)) {
      if (this.pendingErrors.length < 40) this.pendingErrors.push(t);
      return;
    }
    const edit = EDIT_RE.exec(t);
    if (edit) this.lastTool = `edit: ${edit[1]}`;
    this.text.push(t);
  }

  private onTokens(m: RegExpExecArray): void {
    this.calls++;
    this.pendingErrors = [];
    const u = (this.usage ??= { inputTokens: 0, outputTokens: 0 });
    u.inputTokens += parseTokenCount(m[1]);
    if (m[2]) u.cacheWriteTokens = (u.cacheWriteTokens ?? 0) + parseTokenCount(m[2]);
    if (m[3]) u.cachedInputTokens = (u.cachedInputTokens ?? 0) + parseTokenCount(m[3]);
    u.outputTokens += parseTokenCount(m[4]);
    if (m[6]) this.sessionCost = Number(m[6]);
  }

  progress(): agent.AgentProgress {
    return { turns: this.calls, lastTool: this.lastTool, costSoFar: this.sessionCost };
  }

  finish(exit: agent.ExitInfo): agent.AgentRunResult {
    const opts = { now: exit.now };
    const extras = { usage: this.usage, reportedCostUsd: this.sessionCost, turns: this.calls };
    const early = processFailure(NAME, exit, extras);
    if (early) return early;

    if (this.pendingErrors.length) {
      const errors = this.pendingErrors.join('\n');
      const shown = this.pendingErrors.find((l) => !l.startsWith('litellm.')) ?? this.pendingErrors[0];
      const c = classifyText(errors, opts);
      if (c?.errorType === ErrorType.RateLimited)
        // Aider already retried for about a minute before giving up: cool this account down.
        return failureFrom(
          NAME,
          { ...c, reason: `${c.reason}, retried until aider gave up`, accountLimited: true },
          shown,
          extras,
        );
      if (/has hit a token limit/.test(errors))
        return failureFrom(
          NAME,
          { errorType: ErrorType.ProviderAuth, reason: "the prompt exceeds the model's context window" },
          shown,
          extras,
        );
      if (c) return failureFrom(NAME, c, shown, extras);
      return plainFailure(
        NAME,
        ErrorType.AgentFailed,
        `the API call failed${this.retries ? ` after ${this.retries} retries` : ''}: ${clip(shown)}`,
        extras,
      );
    }
    if (exit.exitCode !== 0) {
      const text = this.text.text();
      const c = classifyUsageError(text) ?? classifyText(text, opts);
      const tail = this.text.tail();
      if (c) return failureFrom(NAME, c, tail, extras);
      return plainFailure(
        NAME,
        ErrorType.AgentFailed,
        `exited with code ${exit.exitCode}${tail ? `: ${clip(tail)}` : ''}`,
        extras,
      );
    }
    return { ok: true, finalText: this.text.lines().slice(-40).join('\n'), ...extras };
  }
}

export const aiderAdapter: agent.AgentAdapter = {
  kind: 'aider',
  defaultBinary: BINARY,
  displayName: NAME,
  supportsResume: false,
  invocation,
  parser: () => new AiderParser(),
};
