/**
 * Shared classification of what agent CLIs and provider APIs say when a run fails, into the
 * taxonomy of docs/architecture.md §5, plus the small helpers every adapter's parser uses. The order of the
 * rules matters: specific wording before HTTP statuses before generic words (docs/agent-clis.md).
 */
import { ErrorType, type ErrorTypeName } from '../../workflows/api/index.js';
import { headText } from '../../workflows/preview.js';
import { stripAnsi } from '../output-cap.js';
import type { AgentFailure, ExitInfo, TokenUsage } from './adapter.js';
import { nextMidnight, parseDurationText, parseResetTime } from './reset-time.js';

export interface Classification {
  errorType: ErrorTypeName;
  /** A few words: "usage limit", "overloaded", "authentication failed", … */
  reason: string;
  accountLimited?: boolean;
  resetAt?: number;
  retryAfterMs?: number;
}

export interface ClassifyOptions {
  now: number;
  /** Zone for reset times that name none (default: the worker's). */
  timeZone?: string;
}

type Rule = (text: string, opts: ClassifyOptions) => Classification | undefined;

const when =
  (re: RegExp, make: (text: string, m: RegExpExecArray, opts: ClassifyOptions) => Classification): Rule =>
  (text, opts) => {
    const m = re.exec(text);
    return m ? make(text, m, opts) : undefined;
  };

const transient = (reason: string, extra: Partial<Classification> = {}): Classification => ({
  errorType: ErrorType.ProviderUnavailable,
  reason,
  accountLimited: false,
  ...extra,
});
const permanent = (reason: string): Classification => ({ errorType: ErrorType.ProviderAuth, reason });
const usageLimit = (text: string, opts: ClassifyOptions, reason = 'usage limit reached'): Classification => ({
  errorType: ErrorType.RateLimited,
  reason,
  accountLimited: true,
  resetAt: parseResetTime(text, opts.now, { timeZone: opts.timeZone }),
});

const APOS = "['’]";

/** 429s that are explicitly not this account's quota: back off and retry. */
const NOT_YOUR_LIMIT: Rule = when(/not your usage limit/i, () =>
  transient('the provider is limiting requests (not your usage limit)'),
);

/** The account's usage limit or quota is exhausted: cool the account down until the reset. */
const USAGE_LIMIT_RULES: Rule[] = [
  when(/usage limit reached|usage limit has been reached|usage_limit_reached/i, (t, _m, o) => usageLimit(t, o)),
  when(new RegExp(`You${APOS}ve hit your (?:\\w+ )?limit`, 'i'), (t, _m, o) => usageLimit(t, o)),
  when(/\b(?:5-hour|five[- ]hour|session|weekly|daily|opus|sonnet)\s+limit reached/i, (t, _m, o) => usageLimit(t, o)),
  when(new RegExp(`You${APOS}re out of (?:extra )?usage`, 'i'), (t, _m, o) => usageLimit(t, o)),
  when(/exhausted your daily quota/i, (t, _m, o) => {
    const c = usageLimit(t, o, 'daily quota exhausted');
    // Google's per-day quotas reset at midnight Pacific time.
    c.resetAt ??= nextMidnight('America/Los_Angeles', o.now);
    return c;
  }),
  when(/exhausted your capacity/i, (t, _m, o) => usageLimit(t, o, 'capacity exhausted')),
];

/** The provider named a short delay: a per-minute limit or a transient error. */
const RETRY_IN: Rule[] = [
  when(/\bretry (?:in|after) (\d+(?:\.\d+)?\s*(?:ms|s|secs?|seconds?)(?![a-z]))/i, (_t, m) =>
    transient('rate limited for a moment', { retryAfterMs: parseDurationText(m[1]) }),
  ),
  when(/"retryDelay"\s*:\s*"(\d+(?:\.\d+)?s)"/, (_t, m) =>
    transient('rate limited for a moment', { retryAfterMs: parseDurationText(m[1]) }),
  ),
];

const BILLING: Rule = when(
  /Quota exceeded\. Check your plan and billing|insufficient_quota|exceeded your current quota, please check your plan and billing|Credit balance is too low|billing_error|purchase more credits to continue|payment required/i,
  () => permanent('billing: no credit or quota left on this plan'),
);

const TRANSIENT: Rule = when(
  /Repeated 529|\bOverloaded\b|overloaded_error|Internal server error|\bapi_error\b|Request timed out|Unable to connect to API|Connection error|Can['’]t reach the API server|No internet route|\bconnection_failed\b|experiencing high demand|stream disconnected before completion|servers are down or overloaded|timed out without returning a response|Connection failed|ECONNRESET|ETIMEDOUT|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|socket hang up|fetch failed|Service Unavailable|Bad Gateway|Gateway Time-?out|\bUNAVAILABLE\b|DEADLINE_EXCEEDED|is at capacity|server_error|InternalServerError|ServiceUnavailableError|APIConnectionError/i,
  (_t, m) => transient(`provider unavailable (${m[0]})`),
);

const AUTH: Rule = when(
  /Invalid API key|Not logged in|Please run \/login|OAuth token (?:has )?(?:expired|been revoked)|authentication_error|authentication_failed|not able to authenticate|refresh token has expired|log out and sign in again|\bUnauthorized\b|permission_error|PERMISSION_DENIED|UNAUTHENTICATED|API key not valid|invalid x-api-key|AuthenticationError|Missing (?:API key|environment variable)/i,
  (_t, m) => permanent(`authentication failed (${m[0]})`),
);

const MODEL: Rule = when(
  /issue with the selected model|model\b.{0,80}?\b(?:not found|does not exist|is not supported|not supported|is not available|unknown)|not_found_error|ModelNotFound|NotFoundError|Unknown model|LLM Provider NOT provided/i,
  (_t, m) => permanent(`the model is not available (${m[0]})`),
);

const REQUEST: Rule = when(
  /Prompt is too long|invalid_request_error|\binvalid_request\b|ContextWindowExceeded|context window|context_length_exceeded|BadRequestError/i,
  (_t, m) => permanent(`the provider rejected the request (${m[0]})`),
);

const GENERIC_RATE_LIMIT: Rule = when(
  /rate[_ ]limit(?:ed|_error|_exceeded)?|Too Many Requests|RESOURCE_EXHAUSTED|RateLimitError/i,
  () => ({ errorType: ErrorType.RateLimited, reason: 'rate limited', accountLimited: false }),
);

const STATUS_RE =
  /\b(?:API Error:?|status(?: code)?:?|got status:?|unexpected status|last status:?|HTTP(?:\/[\d.]+)?|error code:?)\s*(\d{3})\b|"(?:code|status_code|error_status|api_error_status)"\s*:\s*(\d{3})\b/i;

const HTTP_STATUS: Rule = (text, opts) => {
  const m = STATUS_RE.exec(text);
  return m ? classifyHttpStatus(Number(m[1] ?? m[2]), opts) : undefined;
};

/** Quota wording only (including the not-your-limit 429): what can override a "success". */
export function classifyQuotaText(text: string, opts: ClassifyOptions): Classification | undefined {
  for (const rule of [NOT_YOUR_LIMIT, ...USAGE_LIMIT_RULES]) {
    const c = rule(text, opts);
    if (c) return c;
  }
  return undefined;
}

/** Classify the error text a CLI or provider printed; undefined when nothing is recognised. */
export function classifyText(text: string, opts: ClassifyOptions): Classification | undefined {
  if (!text) return undefined;
  const rules: Rule[] = [
    NOT_YOUR_LIMIT,
    ...USAGE_LIMIT_RULES,
    ...RETRY_IN,
    BILLING,
    AUTH,
    MODEL,
    REQUEST,
    HTTP_STATUS,
    TRANSIENT,
    GENERIC_RATE_LIMIT,
  ];
  for (const rule of rules) {
    const c = rule(text, opts);
    if (c) return c;
  }
  return undefined;
}

/** An HTTP status of a failed provider call. 429 here is a plain rate limit, not a usage limit. */
export function classifyHttpStatus(status: number, _opts?: ClassifyOptions): Classification | undefined {
  if (status === 429) return { errorType: ErrorType.RateLimited, reason: 'rate limited (429)', accountLimited: false };
  if ([408, 409, 425, 500, 502, 503, 504, 520, 522, 524, 529].includes(status))
    return transient(status === 529 ? 'overloaded (529)' : `provider error (${status})`);
  if (status === 401 || status === 403) return permanent(`authentication failed (${status})`);
  if (status === 402) return permanent('billing (402)');
  if (status === 404) return permanent('not found, probably the model (404)');
  if (status >= 400 && status < 500) return permanent(`the provider rejected the request (${status})`);
  if (status >= 500 && status < 600) return transient(`provider error (${status})`);
  return undefined;
}

/** The CLI rejected its own command line: the binary or extraArgs in config do not fit it. */
export function classifyUsageError(text: string): Classification | undefined {
  const m =
    /error: unknown option '[^']*'|error: unexpected argument '[^']*'|Unknown arguments?: [^\n]*|unrecognized arguments: [^\n]*|error: too many arguments[^\n]*|error: option '[^']*' argument '[^']*' is invalid[^\n]*/i.exec(
      text,
    );
  return m
    ? { errorType: ErrorType.ConfigInvalid, reason: `the CLI rejected its arguments (${m[0].trim()})` }
    : undefined;
}

const RESUME_FAILED_RE =
  /No conversation found with session ID|no (?:saved )?(?:session|conversation|rollout|thread)[^\n]{0,40}\bfound|(?:session|thread)[^\n]{0,40}\bnot found/i;

/** The CLI could not find the session it was asked to resume. */
export function isResumeFailure(text: string): boolean {
  return RESUME_FAILED_RE.test(text);
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the adapters

/** Longer prompts go through stdin: one argv string may not exceed 128 KiB on Linux. */
export const ARGV_PROMPT_MAX = 100_000;

/** Whether a prompt must travel on stdin: too long for argv, or it would parse as an option. */
export function promptNeedsStdin(prompt: string): boolean {
  return Buffer.byteLength(prompt) > ARGV_PROMPT_MAX || prompt.startsWith('-');
}

/** The JSON value of a line that looks like JSON (object or array); undefined otherwise. */
export function parseJsonLine(line: string): unknown {
  const t = line.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The last lines of free text (not JSON events), bounded in lines and characters. */
export class TextTail {
  private readonly kept: string[] = [];
  private chars = 0;

  constructor(
    private readonly maxLines = 60,
    private readonly maxChars = 16_000,
  ) {}

  push(line: string): void {
    // Colour codes would hide words from the rules (\bOverloaded\b after "\x1b[31m") and end up in messages.
    const t = stripAnsi(line).trim();
    if (!t) return;
    this.kept.push(t);
    this.chars += t.length;
    while (this.kept.length > this.maxLines || (this.chars > this.maxChars && this.kept.length > 1)) {
      this.chars -= this.kept.shift()!.length;
    }
  }

  lines(): string[] {
    return [...this.kept];
  }

  text(): string {
    return this.kept.join('\n');
  }

  last(): string | undefined {
    return this.kept[this.kept.length - 1];
  }

  /** The last `n` lines on one line, for messages; undefined when there is no text. */
  tail(n = 3): string | undefined {
    return this.kept.length ? this.kept.slice(-n).join(' | ') : undefined;
  }
}

/** Shortened for messages: failure messages travel through workflow history. */
export function clip(text: string, max = 400): string {
  return headText(text.replace(/\s+/g, ' ').trim(), max, '…');
}

interface FailureExtras {
  sessionId?: string;
  usage?: TokenUsage;
  reportedCostUsd?: number;
  model?: string;
  turns: number;
  resumeFailed?: boolean;
}

/** A failure result from a classification, with the provider's words in the message. */
export function failureFrom(
  displayName: string,
  c: Classification,
  providerText: string | undefined,
  extras: FailureExtras,
): AgentFailure {
  const words = providerText ? `: ${clip(providerText)}` : '';
  const reset =
    c.errorType === ErrorType.RateLimited
      ? c.resetAt !== undefined
        ? ` (resets ${new Date(c.resetAt).toISOString()})`
        : ' (no reset time given)'
      : '';
  return {
    ok: false,
    errorType: c.errorType,
    message: stripAnsi(`${displayName}: ${c.reason}${reset}${words}`),
    ...(c.resetAt !== undefined ? { resetAt: c.resetAt } : {}),
    ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}),
    ...(c.accountLimited !== undefined ? { accountLimited: c.accountLimited } : {}),
    ...definedOnly(extras),
  };
}

/**
 * Outcomes that do not depend on the CLI's output: it never started, was killed or timed out.
 * Undefined when the process ran to an exit of its own.
 */
export function processFailure(displayName: string, exit: ExitInfo, extras: FailureExtras): AgentFailure | undefined {
  if (exit.spawnError) {
    return {
      ok: false,
      errorType: ErrorType.ToolMissing,
      message: `${displayName}: the CLI cannot be started (${exit.spawnError}); install it on the worker or set the provider's binary`,
      ...definedOnly(extras),
    };
  }
  if (exit.timedOut) {
    return {
      ok: false,
      errorType: ErrorType.AgentIncomplete,
      message: `${displayName}: timed out before finishing (the provider's timeoutSec)`,
      ...definedOnly(extras),
    };
  }
  if (exit.exitCode === null) {
    return {
      ok: false,
      errorType: ErrorType.AgentFailed,
      message: `${displayName}: killed by ${exit.signal ?? 'a signal'} before finishing`,
      ...definedOnly(extras),
    };
  }
  return undefined;
}

export function plainFailure(
  displayName: string,
  errorType: ErrorTypeName,
  message: string,
  extras: FailureExtras,
): AgentFailure {
  return { ok: false, errorType, message: stripAnsi(`${displayName}: ${message}`), ...definedOnly(extras) };
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
