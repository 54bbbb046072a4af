/**
 * Google Gemini CLI `gemini -p … -o stream-json` (docs/agent-clis.md §3). The final
 * `result {status}` decides; without it the exit code does (41 auth, 42/44/52/55 setup, 53 turn
 * limit, 429 → 173), and any other failure is classified by its message. No cost is reported.
 */
import { ErrorType } from '../../workflows/api/index.js';
import type * as agent from './adapter.js';
import {
  classifyQuotaText,
  classifyText,
  classifyUsageError,
  clip,
  failureFrom,
  isObject,
  num,
  plainFailure,
  processFailure,
  promptNeedsStdin,
  str,
  type Json,
} from './classify.js';
import { JsonlParser, type EventHandlers } from './jsonl.js';

const NAME = 'Gemini CLI';
const BINARY = 'gemini';
/** With the prompt on stdin, -p is appended to it. */
export const GEMINI_STDIN_PROMPT_SUFFIX = 'Follow the instructions above.';

function invocation(input: agent.InvocationInput): agent.Invocation {
  const { provider } = input;
  const viaStdin = promptNeedsStdin(input.prompt);
  const argv = [
    provider.binary ?? BINARY,
    '-p',
    viaStdin ? GEMINI_STDIN_PROMPT_SUFFIX : input.prompt,
    '-o',
    'stream-json',
    '--approval-mode=yolo',
  ];
  if (provider.model) argv.push('-m', provider.model);
  argv.push(...provider.extraArgs);
  // Headless runs refuse an untrusted folder (exit 55) and our worktrees are always new. The variable
  // is what `--skip-trust` sets; versions without trust checks ignore it, where the flag would be an error.
  const env = { SWITCHYARD_ROLE: input.role, GEMINI_CLI_TRUST_WORKSPACE: 'true' };
  return { argv, env, resumed: false, ...(viaStdin ? { stdin: input.prompt } : {}) };
}

/** Exit codes with a fixed meaning (gemini-cli's ExitCodes). */
const EXIT_CODES: Record<number, { type: (typeof ErrorType)[keyof typeof ErrorType]; what: string }> = {
  41: { type: ErrorType.ProviderAuth, what: 'authentication failed (exit 41)' },
  42: { type: ErrorType.ConfigInvalid, what: 'rejected its input or arguments (exit 42)' },
  44: { type: ErrorType.ConfigInvalid, what: 'sandbox error (exit 44)' },
  52: { type: ErrorType.ConfigInvalid, what: 'configuration error (exit 52)' },
  53: { type: ErrorType.AgentIncomplete, what: 'stopped at the turn limit (exit 53)' },
  54: { type: ErrorType.AgentFailed, what: 'a tool failed (exit 54)' },
  55: {
    type: ErrorType.ConfigInvalid,
    what: 'refused the worktree as untrusted (exit 55) although the adapter sets GEMINI_CLI_TRUST_WORKSPACE=true; check that GEMINI_RESTRICTED_MODE is not set and that the provider binary (a wrapper) passes the environment on',
  },
  130: { type: ErrorType.AgentFailed, what: 'was cancelled (exit 130)' },
};

class GeminiParser extends JsonlParser {
  private sessionId?: string;
  private model?: string;
  private turns = 0;
  private lastTool?: string;
  private current = '';
  private lastText = '';
  private inAssistant = false;
  private result?: Json;

  // tool_result and anything newer: nothing to decide from.
  protected readonly events: EventHandlers = {
    init: (ev) => {
      this.sessionId = str(ev.session_id) ?? this.sessionId;
      this.model = str(ev.model) ?? this.model;
    },
    message: (ev) => {
      if (ev.role !== 'assistant') return;
      if (!this.inAssistant) {
        this.turns++;
        this.inAssistant = true;
        this.current = '';
      }
      this.current = ev.delta === true ? this.current + (str(ev.content) ?? '') : (str(ev.content) ?? '');
      if (this.current.trim()) this.lastText = this.current;
    },
    tool_use: (ev) => {
      this.lastTool = str(ev.tool_name) ?? this.lastTool;
      this.inAssistant = false;
    },
    // Warnings ("Loop detected, stopping execution") are not fatal.
    error: (ev) => {
      if (ev.severity !== 'warning') this.noteError(str(ev.message));
    },
    result: (ev) => {
      this.result = ev;
    },
  };

  progress(): agent.AgentProgress {
    return { sessionId: this.sessionId, turns: this.turns, lastTool: this.lastTool, model: this.model };
  }

  private usage(): agent.TokenUsage | undefined {
    const s = this.result && isObject(this.result.stats) ? this.result.stats : undefined;
    if (!s) return undefined;
    const cached = num(s.cached) ?? 0;
    // `input` is the uncached share when present; `input_tokens` includes the cache.
    const input = num(s.input) ?? Math.max(0, (num(s.input_tokens) ?? 0) - cached);
    return { inputTokens: input, outputTokens: num(s.output_tokens) ?? 0, cachedInputTokens: cached };
  }

  finish(exit: agent.ExitInfo): agent.AgentRunResult {
    const opts = { now: exit.now };
    const extras = { sessionId: this.sessionId, usage: this.usage(), model: this.model, turns: this.turns };
    if (exit.spawnError) return processFailure(NAME, exit, extras)!;
    const r = this.result;
    if (r?.status === 'success') return { ok: true, finalText: this.lastText.trim(), ...extras };
    if (!r) {
      const early = processFailure(NAME, exit, extras);
      if (early) return early;
    }

    const resultError = r && isObject(r.error) ? (str(r.error.message) ?? JSON.stringify(r.error)) : undefined;
    const words = [resultError, ...this.errors].filter(Boolean).join('\n');
    const text = [words, ...this.text.lines()].filter(Boolean).join('\n');
    const shown = resultError ?? this.errors[this.errors.length - 1] ?? this.text.tail();

    const quota = classifyQuotaText(text, opts);
    if (quota) return failureFrom(NAME, quota, shown, extras);
    const fixed = exit.exitCode !== null ? EXIT_CODES[exit.exitCode] : undefined;
    if (fixed) return plainFailure(NAME, fixed.type, `${fixed.what}${shown ? `: ${clip(shown)}` : ''}`, extras);
    const usageError = exit.exitCode !== 0 ? classifyUsageError(text) : undefined;
    if (usageError) return failureFrom(NAME, usageError, undefined, extras);
    const c = classifyText(text, opts);
    if (c) return failureFrom(NAME, c, shown, extras);
    if (exit.exitCode === 173)
      return failureFrom(
        NAME,
        { errorType: ErrorType.RateLimited, reason: 'rate limited (429, exit 173)', accountLimited: false },
        shown,
        extras,
      );
    if (exit.exitCode === 0 && !r)
      return plainFailure(NAME, ErrorType.AgentFailed, 'exited 0 without a result event', extras);
    return plainFailure(
      NAME,
      ErrorType.AgentFailed,
      `failed (exit ${exit.exitCode}${r ? `, result ${str(r.status) ?? '?'}` : ''})${shown ? `: ${clip(shown)}` : ''}`,
      extras,
    );
  }
}

export const geminiAdapter: agent.AgentAdapter = {
  kind: 'gemini',
  defaultBinary: BINARY,
  displayName: NAME,
  supportsResume: false,
  accountDirEnv: 'GEMINI_CLI_HOME',
  invocation,
  parser: () => new GeminiParser(),
};
