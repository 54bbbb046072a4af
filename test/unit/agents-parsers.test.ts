/**
 * The parsers fed directly with odd inputs: array form, unknown events, garbage lines, torn
 * JSON, every failure wording and status of docs/agent-clis.md, and process ends without structure.
 */
import { describe, expect, it } from 'vitest';
import { ErrorType } from '../../workflows/api/index.js';
import type { AgentCliKind, AgentCliProviderConfig } from '../../activities/config-schema.js';
import {
  costFromUsage,
  type AgentFailure,
  type AgentRunResult,
  type ExitInfo,
} from '../../activities/agents/adapter.js';
import { ADAPTERS } from '../../activities/agents/registry.js';
import { costOf } from '../../activities/agents/cli-agent.js';
import { parseTokenCount } from '../../activities/agents/aider.js';
import { CLAUDE_MIN_BUDGET_USD } from '../../activities/agents/claude.js';
import {
  ARGV_PROMPT_MAX,
  classifyHttpStatus,
  classifyQuotaText,
  classifyText,
  classifyUsageError,
  clip,
  failureFrom,
  isObject,
  isResumeFailure,
  num,
  parseJsonLine,
  promptNeedsStdin,
  str,
  TextTail,
} from '../../activities/agents/classify.js';
import { CODEX_NETWORK_WAIT_LIMIT } from '../../activities/agents/codex.js';

const NOW = Date.UTC(2026, 2, 10, 12, 0);
const OK_EXIT: ExitInfo = { exitCode: 0, timedOut: false, now: NOW };
const FAIL_EXIT: ExitInfo = { exitCode: 1, timedOut: false, now: NOW };

function feed(kind: AgentCliKind, lines: (string | object)[], exit: Partial<ExitInfo> = {}): AgentRunResult {
  const p = ADAPTERS[kind].parser();
  for (const l of lines) p.onLine(typeof l === 'string' ? l : JSON.stringify(l), 'stdout');
  return p.finish({ ...FAIL_EXIT, ...exit });
}

function failed(r: AgentRunResult): AgentFailure {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Claude

const init = { type: 'system', subtype: 'init', session_id: 's-1', model: 'claude-opus-4-1' };
const success = (extra: object = {}) => ({
  type: 'result',
  subtype: 'success',
  is_error: false,
  result: 'All done',
  session_id: 's-1',
  num_turns: 2,
  total_cost_usd: 0.5,
  usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 30, cache_creation_input_tokens: 40 },
  ...extra,
});
const apiError = (result: string, extra: object = {}) => ({
  ...success(),
  is_error: true,
  result,
  total_cost_usd: 0,
  ...extra,
});

describe('Claude parser', () => {
  it('ignores garbage lines, unknown events and unknown fields; takes usage when modelUsage is absent', () => {
    const r = feed(
      'claude-code',
      [
        'not json at all',
        '{"torn": ',
        '[1, 2',
        init,
        { type: 'brand_new_event', whatever: { deep: [1] } },
        { type: 'system', subtype: 'compact_boundary' },
        { type: 'stream_event', event: {} },
        {
          type: 'assistant',
          message: { id: 'm1', content: [{ type: 'tool_use', name: 'Read', input: {} }] },
          extra: 1,
        },
        success({ new_field: true }),
      ],
      OK_EXIT,
    );
    expect(r).toEqual({
      ok: true,
      finalText: 'All done',
      sessionId: 's-1',
      model: 'claude-opus-4-1',
      turns: 2,
      reportedCostUsd: 0.5,
      usage: { inputTokens: 10, outputTokens: 20, cachedInputTokens: 30, cacheWriteTokens: 40 },
    });
  });

  it('parses the --output-format json array form, taking the result element', () => {
    const r = feed(
      'claude-code',
      [JSON.stringify([init, { type: 'assistant', message: { id: 'm' } }, success()])],
      OK_EXIT,
    );
    expect(r).toMatchObject({ ok: true, finalText: 'All done', reportedCostUsd: 0.5 });
  });

  it('keeps the latest session id', () => {
    const r = feed(
      'claude-code',
      [init, { type: 'system', subtype: 'init', session_id: 's-2' }, success({ session_id: 's-3' })],
      OK_EXIT,
    );
    expect(r.sessionId).toBe('s-3');
  });

  it('decides from the result line, not the exit code', () => {
    expect(feed('claude-code', [init, success()], { exitCode: 1 }).ok).toBe(true);
    expect(
      failed(feed('claude-code', [init, apiError('API Error: Repeated 529 Overloaded errors')], OK_EXIT)).errorType,
    ).toBe(ErrorType.ProviderUnavailable);
  });

  it('allowed and allowed_warning rate-limit events are not failures; rejected with a success result is success', () => {
    for (const status of ['allowed', 'allowed_warning']) {
      const ev = { type: 'rate_limit_event', rate_limit_info: { status, resetsAt: 1773165600 } };
      expect(feed('claude-code', [init, ev, success()], OK_EXIT).ok).toBe(true);
    }
    const rejected = { type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1773165600 } };
    expect(feed('claude-code', [init, rejected, success()], OK_EXIT).ok).toBe(true);
  });

  it('a rejected event decides an error result even when its text says something else', () => {
    const rejected = {
      type: 'rate_limit_event',
      rate_limit_info: { status: 'rejected', resetsAt: 1773165600, rateLimitType: 'seven_day' },
    };
    const f = failed(feed('claude-code', [init, rejected, apiError('API Error: 500 oops', { api_error_status: 500 })]));
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, resetAt: 1773165600_000, accountLimited: true });
    expect(f.message).toContain('seven_day');
  });

  it('a synthetic rate_limit assistant line without an event is a usage limit, reset from its text', () => {
    const synthetic = {
      type: 'assistant',
      error: 'rate_limit',
      message: {
        model: '<synthetic>',
        content: [{ type: 'text', text: 'Limit reached · resets 5pm (Europe/Warsaw)' }],
      },
    };
    const f = failed(feed('claude-code', [init, synthetic, apiError('Limit reached · resets 5pm (Europe/Warsaw)')]));
    expect(f).toMatchObject({
      errorType: ErrorType.RateLimited,
      accountLimited: true,
      resetAt: Date.UTC(2026, 2, 10, 16),
    });
  });

  it.each([
    ['authentication_failed', ErrorType.ProviderAuth],
    ['billing_error', ErrorType.ProviderAuth],
    ['invalid_request', ErrorType.ProviderAuth],
    ['server_error', ErrorType.ProviderUnavailable],
  ])('synthetic assistant error %s → %s', (error, type) => {
    const synthetic = {
      type: 'assistant',
      error,
      message: { model: '<synthetic>', content: [{ type: 'text', text: 'Something' }] },
    };
    expect(failed(feed('claude-code', [init, synthetic, apiError('Something')])).errorType).toBe(type);
  });

  it.each([
    [400, ErrorType.ProviderAuth],
    [401, ErrorType.ProviderAuth],
    [403, ErrorType.ProviderAuth],
    [404, ErrorType.ProviderAuth],
    [413, ErrorType.ProviderAuth],
    [500, ErrorType.ProviderUnavailable],
    [502, ErrorType.ProviderUnavailable],
    [503, ErrorType.ProviderUnavailable],
    [504, ErrorType.ProviderUnavailable],
    [529, ErrorType.ProviderUnavailable],
  ])('api_error_status %i → %s', (status, type) => {
    expect(
      failed(feed('claude-code', [init, apiError('API request failed', { api_error_status: status })])).errorType,
    ).toBe(type);
  });

  it('uses the api_retry status when the result names none', () => {
    const retry = {
      type: 'system',
      subtype: 'api_retry',
      attempt: 3,
      max_retries: 10,
      retry_delay_ms: 2000,
      error_status: 503,
      error: 'server_error',
    };
    expect(failed(feed('claude-code', [init, retry, apiError('')])).errorType).toBe(ErrorType.ProviderUnavailable);
  });

  it.each([
    ['Invalid API key · Please run /login', ErrorType.ProviderAuth],
    ['Not logged in · Please run /login', ErrorType.ProviderAuth],
    ['OAuth token has expired. Please obtain a new token or refresh your existing token.', ErrorType.ProviderAuth],
    ['Credit balance is too low', ErrorType.ProviderAuth],
    ['Prompt is too long', ErrorType.ProviderAuth],
    ["There's an issue with the selected model (x). It may not exist", ErrorType.ProviderAuth],
    ['API Error: Repeated 529 Overloaded errors', ErrorType.ProviderUnavailable],
    ['Overloaded', ErrorType.ProviderUnavailable],
    ['API Error: Internal server error', ErrorType.ProviderUnavailable],
    ['API Error: Request timed out.', ErrorType.ProviderUnavailable],
    ['API Error: Unable to connect to API (ECONNRESET)', ErrorType.ProviderUnavailable],
    [
      'API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited',
      ErrorType.ProviderUnavailable,
    ],
    ['Claude AI usage limit reached|1773165600', ErrorType.RateLimited],
  ])('error result "%s" → %s', (text, type) => {
    expect(failed(feed('claude-code', [init, apiError(text)])).errorType).toBe(type);
  });

  it('offline: the result line alone (api_error connection_failed, ENOTFOUND) is ProviderUnavailable', () => {
    const text = "API Error: Can't reach the API server — check your internet or DNS (ENOTFOUND)";
    const retry = {
      type: 'system',
      subtype: 'api_retry',
      attempt: 1,
      max_retries: 2,
      error_status: null,
      error: 'unknown',
    };
    const result = apiError(text, {
      api_error_status: null,
      api_error: 'connection_failed',
      terminal_reason: 'api_error',
    });
    const f = failed(feed('claude-code', [init, retry, result]));
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, accountLimited: false });
    expect(f.message).toContain('connection_failed');
    expect(f.message).toContain("Can't reach the API server");
    // Structure first: api_error decides whatever the text says.
    const bare = failed(feed('claude-code', [init, apiError('something odd', { api_error: 'connection_failed' })]));
    expect(bare.errorType).toBe(ErrorType.ProviderUnavailable);
    // The real offline stream: the assistant error line as well.
    const synthetic = {
      type: 'assistant',
      error: 'server_error',
      message: { model: '<synthetic>', content: [{ type: 'text', text }] },
    };
    expect(failed(feed('claude-code', [init, retry, synthetic, result])).errorType).toBe(ErrorType.ProviderUnavailable);
  });

  it('not logged in (api_error_status null, terminal_reason api_error) stays ProviderAuth', () => {
    const text = 'Not logged in · Please run /login';
    const result = apiError(text, { api_error_status: null, terminal_reason: 'api_error' });
    const synthetic = {
      type: 'assistant',
      error: 'authentication_failed',
      message: { model: '<synthetic>', content: [{ type: 'text', text }] },
    };
    for (const lines of [
      [init, synthetic, result],
      [init, result],
    ]) {
      const f = failed(feed('claude-code', lines));
      expect(f.errorType).toBe(ErrorType.ProviderAuth);
      expect(f.message).toContain('Not logged in');
    }
  });

  it('an unknown session on resume is a result line with errors: resumeFailed', () => {
    const result = {
      type: 'result',
      subtype: 'error_during_execution',
      is_error: true,
      num_turns: 0,
      session_id: 'fresh-1',
      total_cost_usd: 0,
      errors: ['No conversation found with session ID: s-old'],
    };
    expect(failed(feed('claude-code', [result]))).toMatchObject({
      errorType: ErrorType.ProviderUnavailable,
      resumeFailed: true,
    });
  });

  it('max turns and budget are AgentIncomplete whatever is_error says', () => {
    for (const is_error of [true, false]) {
      expect(failed(feed('claude-code', [init, success({ subtype: 'error_max_turns', is_error })])).errorType).toBe(
        ErrorType.AgentIncomplete,
      );
      expect(
        failed(feed('claude-code', [init, success({ subtype: 'error_max_budget_usd', is_error })])).errorType,
      ).toBe(ErrorType.AgentIncomplete);
    }
  });

  it('error_during_execution without a known cause is AgentFailed with its errors', () => {
    const f = failed(
      feed('claude-code', [
        init,
        success({ subtype: 'error_during_execution', result: undefined, errors: ['tool crashed'] }),
      ]),
    );
    expect(f.errorType).toBe(ErrorType.AgentFailed);
    expect(f.message).toContain('tool crashed');
  });

  it('a rate_limit_event torn into an assistant line does not lose the result', () => {
    const r = feed(
      'claude-code',
      [
        init,
        '{"type":"assistant","message":{"content":[{"type":"text","text":"partial{"type":"rate_limit_event","rate_limit_info":{"status":"allowed"}}',
        ' continuation"}]}}',
        success(),
      ],
      OK_EXIT,
    );
    expect(r.ok).toBe(true);
  });

  it('without a result line: timeout, signal, exit 0 and a text error', () => {
    expect(failed(feed('claude-code', [init], { timedOut: true, exitCode: null, signal: 'SIGTERM' })).errorType).toBe(
      ErrorType.AgentIncomplete,
    );
    expect(failed(feed('claude-code', [init], { exitCode: null, signal: 'SIGKILL' })).message).toContain('SIGKILL');
    expect(failed(feed('claude-code', [init], OK_EXIT)).errorType).toBe(ErrorType.AgentFailed);
    expect(failed(feed('claude-code', ['Invalid API key · Please run /login'])).errorType).toBe(ErrorType.ProviderAuth);
    expect(failed(feed('claude-code', [], { spawnError: 'EACCES', exitCode: null })).errorType).toBe(
      ErrorType.ToolMissing,
    );
  });

  it('a result that came before a timeout still decides', () => {
    expect(feed('claude-code', [init, success()], { timedOut: true, exitCode: null }).ok).toBe(true);
  });

  it('progress counts distinct assistant messages and the last tool', () => {
    const p = ADAPTERS['claude-code'].parser();
    for (const l of [
      init,
      { type: 'assistant', message: { id: 'a', content: [{ type: 'text', text: 'x' }] } },
      { type: 'assistant', message: { id: 'a', content: [{ type: 'tool_use', name: 'Bash' }] } },
      { type: 'assistant', message: { id: 'b', content: [{ type: 'tool_use', name: 'Edit' }] } },
      { type: 'assistant', error: 'rate_limit', message: { id: 'c', model: '<synthetic>', content: [] } },
    ])
      p.onLine(JSON.stringify(l), 'stdout');
    expect(p.progress()).toEqual({
      sessionId: 's-1',
      turns: 2,
      lastTool: 'Edit',
      model: 'claude-opus-4-1',
      costSoFar: undefined,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Codex

const thread = { type: 'thread.started', thread_id: 't-1' };
const completed = (input: number, cached: number, output: number) => ({
  type: 'turn.completed',
  usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output },
});

describe('Codex parser', () => {
  it('sums usage across turns and takes the last agent message', () => {
    const r = feed(
      'codex',
      [
        thread,
        { type: 'item.completed', item: { type: 'agent_message', text: 'first' } },
        completed(100, 40, 10),
        { type: 'something.new' },
        { type: 'item.completed', item: { type: 'agent_message', text: 'second' } },
        completed(200, 50, 20),
        'stderr chatter',
      ],
      OK_EXIT,
    );
    expect(r).toEqual({
      ok: true,
      finalText: 'second',
      sessionId: 't-1',
      turns: 2,
      usage: { inputTokens: 210, cachedInputTokens: 90, outputTokens: 30 },
    });
  });

  it('reconnect notices alone, then exit 1: transient', () => {
    const f = failed(
      feed('codex', [
        thread,
        { type: 'error', message: 'Reconnecting... 5/5 (stream disconnected before completion: eof)' },
      ]),
    );
    expect(f.errorType).toBe(ErrorType.ProviderUnavailable);
  });

  it('network down: ends after a bounded number of "waiting for network" notices, ProviderUnavailable', () => {
    const p = ADAPTERS.codex.parser();
    const lines: object[] = [
      { type: 'thread.started', thread_id: 't-net' },
      { type: 'turn.started' },
      ...[2, 3, 4, 5].map((n) => ({
        type: 'error',
        message: `Reconnecting... ${n}/5 (stream disconnected before completion: error sending request)`,
      })),
      {
        type: 'item.completed',
        item: { id: 'item_0', type: 'error', message: 'Falling back from WebSockets to HTTPS transport.' },
      },
    ];
    for (const l of lines) p.onLine(JSON.stringify(l), 'stdout');
    expect(p.stopReason?.()).toBeUndefined();
    const wait = {
      type: 'error',
      message: 'Reconnecting... waiting for network (Connection failed: error sending request)',
    };
    let notices = 0;
    while (!p.stopReason?.() && notices < 100) {
      p.onLine(JSON.stringify(wait), 'stdout');
      notices++;
    }
    expect(notices).toBe(CODEX_NETWORK_WAIT_LIMIT);
    const reason = p.stopReason!()!;
    expect(reason).toContain('waiting for network');
    // We killed it: no exit code of its own.
    const f = failed(p.finish({ exitCode: null, signal: 'SIGTERM', timedOut: false, stopped: reason, now: NOW }));
    expect(f).toMatchObject({ errorType: ErrorType.ProviderUnavailable, accountLimited: false, sessionId: 't-net' });
    expect(f.message).toContain('Reconnecting... waiting for network (Connection failed: error sending request)');
  });

  it('waits for network with work in between are not counted together; a completed turn is success', () => {
    const p = ADAPTERS.codex.parser();
    const wait = { type: 'error', message: 'Reconnecting... waiting for network (Connection failed)' };
    const work = { type: 'item.completed', item: { type: 'agent_message', text: 'back' } };
    for (let i = 0; i < 3; i++) {
      for (let k = 1; k < CODEX_NETWORK_WAIT_LIMIT; k++) p.onLine(JSON.stringify(wait), 'stdout');
      p.onLine(JSON.stringify(work), 'stdout');
    }
    expect(p.stopReason?.()).toBeUndefined();
    p.onLine(JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 1, output_tokens: 1 } }), 'stdout');
    expect(p.finish(OK_EXIT)).toMatchObject({ ok: true, finalText: 'back' });
  });

  it('turn.failed decides even after an earlier completed turn', () => {
    const f = failed(
      feed('codex', [
        thread,
        completed(1, 0, 1),
        { type: 'turn.failed', error: { message: 'unexpected status 401 Unauthorized' } },
      ]),
    );
    expect(f).toMatchObject({ errorType: ErrorType.ProviderAuth, usage: { inputTokens: 1 } });
  });

  it('a structured usage_limit_reached body gives the reset time', () => {
    const body = 'http 429: {"error":{"type":"usage_limit_reached","resets_at":1773165600,"resets_in_seconds":100}}';
    const f = failed(feed('codex', [thread, { type: 'turn.failed', error: { message: body } }]));
    expect(f).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true, resetAt: 1773165600_000 });
  });

  it('an unknown turn failure is AgentFailed', () => {
    expect(failed(feed('codex', [thread, { type: 'turn.failed', error: { message: 'weird' } }])).errorType).toBe(
      ErrorType.AgentFailed,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Gemini

const gInit = { type: 'init', session_id: 'g-1', model: 'gemini-2.5-pro' };
describe('Gemini parser', () => {
  it('joins deltas after the last tool call and reads stats without `input`', () => {
    const r = feed(
      'gemini',
      [
        gInit,
        { type: 'message', role: 'assistant', content: 'Before ', delta: true },
        { type: 'tool_use', tool_name: 'write_file', tool_id: 'w1', parameters: {} },
        { type: 'message', role: 'assistant', content: 'Fin', delta: true },
        { type: 'message', role: 'assistant', content: 'ished.', delta: true },
        { type: 'error', severity: 'warning', message: 'Loop detected, stopping execution' },
        { type: 'result', status: 'success', stats: { input_tokens: 100, output_tokens: 5, cached: 60 } },
      ],
      OK_EXIT,
    );
    expect(r).toMatchObject({
      ok: true,
      finalText: 'Finished.',
      turns: 2,
      usage: { inputTokens: 40, outputTokens: 5, cachedInputTokens: 60 },
    });
  });

  it.each([
    [41, ErrorType.ProviderAuth],
    [42, ErrorType.ConfigInvalid],
    [44, ErrorType.ConfigInvalid],
    [52, ErrorType.ConfigInvalid],
    [53, ErrorType.AgentIncomplete],
    [54, ErrorType.AgentFailed],
    [55, ErrorType.ConfigInvalid],
    [130, ErrorType.AgentFailed],
  ])('exit %i → %s', (exitCode, type) => {
    expect(failed(feed('gemini', [gInit], { exitCode })).errorType).toBe(type);
  });

  it('an untrusted folder (exit 55, in red) is ConfigInvalid naming the trust variable, without colour codes', () => {
    const red =
      '\u001b[31mGemini CLI is not running in a trusted directory. To proceed, either use `--skip-trust`, set the `GEMINI_CLI_TRUST_WORKSPACE=true` environment variable, or trust this directory in interactive mode.\u001b[39m';
    const f = failed(feed('gemini', [red], { exitCode: 55 }));
    expect(f.errorType).toBe(ErrorType.ConfigInvalid);
    expect(f.message).toContain('GEMINI_CLI_TRUST_WORKSPACE');
    expect(f.message).toContain('not running in a trusted directory');
    expect(f.message).not.toMatch(/\u001b/);
  });

  it('colour codes are stripped from every failure message, also inside JSON events', () => {
    const inResult = {
      type: 'result',
      status: 'error',
      error: {
        type: 'unknown',
        message: '\u001b[1m\u001b[31m[API Error: exception TypeError: fetch failed sending request]\u001b[0m',
      },
    };
    const a = failed(feed('gemini', [inResult], { exitCode: 1 }));
    expect(a.errorType).toBe(ErrorType.ProviderUnavailable);
    expect(a.message).not.toMatch(/\u001b/);
    const b = failed(
      feed('gemini', ['\u001b[31mRangeError: Maximum call stack size exceeded\u001b[39m'], { exitCode: 1 }),
    );
    expect(b.message).toContain('RangeError');
    expect(b.message).not.toMatch(/\u001b/);
    // Colour right before a word does not hide it from the rules.
    const c = failed(feed('claude-code', ['\u001b[31mOverloaded\u001b[39m'], { exitCode: 1 }));
    expect(c.errorType).toBe(ErrorType.ProviderUnavailable);
  });

  it('exit 173 without words is a plain rate limit, not an account limit', () => {
    expect(failed(feed('gemini', [gInit], { exitCode: 173 }))).toMatchObject({
      errorType: ErrorType.RateLimited,
      accountLimited: false,
    });
  });

  it('a result error with exit 0 is still a failure, classified by its message', () => {
    const r = feed(
      'gemini',
      [
        gInit,
        { type: 'result', status: 'error', error: { message: '[API Error: got status: 503 Service Unavailable]' } },
      ],
      OK_EXIT,
    );
    expect(failed(r).errorType).toBe(ErrorType.ProviderUnavailable);
  });

  it('an error event with a quota text decides over the exit code', () => {
    const r = feed(
      'gemini',
      [
        gInit,
        {
          type: 'error',
          severity: 'error',
          message: 'You have exhausted your capacity on this model. Your quota will reset after 1h.',
        },
      ],
      { exitCode: 1 },
    );
    expect(failed(r)).toMatchObject({ errorType: ErrorType.RateLimited, resetAt: NOW + 3_600_000 });
  });
});

// ---------------------------------------------------------------------------------------------
// Aider

describe('Aider parser', () => {
  it('parses token counts', () => {
    expect(parseTokenCount('2.3k')).toBe(2300);
    expect(parseTokenCount('180')).toBe(180);
    expect(parseTokenCount('1.2M')).toBe(1_200_000);
    expect(parseTokenCount('12k')).toBe(12_000);
  });

  it('sums every usage line and keeps the latest session cost', () => {
    const r = feed(
      'aider',
      [
        'Tokens: 1k sent, 100 received. Cost: $0.01 message, $0.01 session.',
        'Applied edit to a.py',
        'Tokens: 2k sent, 200 received. Cost: $0.02 message, $0.03 session.',
      ],
      OK_EXIT,
    );
    expect(r).toMatchObject({
      ok: true,
      reportedCostUsd: 0.03,
      usage: { inputTokens: 3000, outputTokens: 300 },
      turns: 2,
    });
  });

  it('billing wording inside a rate-limit error is ProviderAuth', () => {
    const f = failed(
      feed(
        'aider',
        [
          'litellm.RateLimitError: OpenAIException - {"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","code":"insufficient_quota"}}',
          'The API provider has rate limited you. Try again later or check your quotas.',
        ],
        OK_EXIT,
      ),
    );
    expect(f.errorType).toBe(ErrorType.ProviderAuth);
  });

  it('a context window overflow is ProviderAuth (the request cannot succeed as is)', () => {
    expect(failed(feed('aider', ['Model claude has hit a token limit!'], OK_EXIT)).errorType).toBe(
      ErrorType.ProviderAuth,
    );
  });

  it('an unknown API error with no recovery is AgentFailed', () => {
    expect(failed(feed('aider', ['litellm.UnprocessableEntityError: something odd'], OK_EXIT)).errorType).toBe(
      ErrorType.AgentFailed,
    );
  });

  it('ordinary text that mentions errors is not a failure', () => {
    const r = feed(
      'aider',
      ['The test printed "Error: Invalid API key" which we now handle.', 'Tokens: 1k sent, 1 received.'],
      OK_EXIT,
    );
    expect(r.ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Shared classification

describe('classifyText', () => {
  const c = (text: string) => classifyText(text, { now: NOW, timeZone: 'UTC' });

  it.each([
    ['Claude usage limit reached. Your limit will reset at 5pm (Europe/Warsaw).', ErrorType.RateLimited, true],
    ["You've hit your weekly limit · resets Jun 9, 5am (Australia/Melbourne)", ErrorType.RateLimited, true],
    ['You’ve hit your limit · resets 1pm', ErrorType.RateLimited, true],
    ["You've hit your usage limit. Try again later.", ErrorType.RateLimited, true],
    ['You have exhausted your daily quota on this model.', ErrorType.RateLimited, true],
    [
      'Server is temporarily limiting requests (not your usage limit) · Rate limited',
      ErrorType.ProviderUnavailable,
      false,
    ],
    ['Quota exceeded. Check your plan and billing details.', ErrorType.ProviderAuth, undefined],
    ['{"error":{"type":"rate_limit_error","message":"slow down"}}', ErrorType.RateLimited, false],
    ['{"error":{"code":"rate_limit_exceeded","message":"Rate limit reached for gpt-5"}}', ErrorType.RateLimited, false],
    [
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      ErrorType.ProviderUnavailable,
      false,
    ],
    [
      '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
      ErrorType.ProviderAuth,
      undefined,
    ],
    [
      '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens too large"}}',
      ErrorType.ProviderAuth,
      undefined,
    ],
    ['stream disconnected before completion: connection reset', ErrorType.ProviderUnavailable, false],
    [
      "We're currently experiencing high demand, which may cause temporary errors.",
      ErrorType.ProviderUnavailable,
      false,
    ],
    ["The API provider's servers are down or overloaded.", ErrorType.ProviderUnavailable, false],
    ['The API provider is not able to authenticate you. Check your API key.', ErrorType.ProviderAuth, undefined],
  ])('%s → %s', (text, type, accountLimited) => {
    const got = c(text);
    expect(got?.errorType).toBe(type);
    expect(got?.accountLimited).toBe(accountLimited);
  });

  it('gives the provider’s retry delay for per-minute limits, even next to billing words', () => {
    const text =
      'You exceeded your current quota, please check your plan and billing details. Quota exceeded for metric: x\nPlease retry in 44.09s.';
    expect(c(text)).toMatchObject({ errorType: ErrorType.ProviderUnavailable, retryAfterMs: 44_090 });
    expect(
      c('{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"12s"}]} 429'),
    ).toMatchObject({
      retryAfterMs: 12_000,
    });
  });

  it.each([
    "API Error: Can't reach the API server — check your internet or DNS (ENOTFOUND)",
    'getaddrinfo ENOTFOUND api.anthropic.com',
    'connect ECONNREFUSED 127.0.0.1:443',
    'read ECONNRESET',
    'connect ETIMEDOUT 1.2.3.4:443',
    'No internet route — check your connection or VPN (ENETUNREACH)',
  ])('DNS and connection failures are transient: %s', (text) => {
    expect(classifyText(text, { now: NOW })).toMatchObject({
      errorType: ErrorType.ProviderUnavailable,
      accountLimited: false,
    });
  });

  it('a bare "read ECONNRESET" (no status, no API wording) is a transient outage on its own', () => {
    expect(c('read ECONNRESET')).toEqual({
      errorType: ErrorType.ProviderUnavailable,
      reason: 'provider unavailable (ECONNRESET)',
      accountLimited: false,
    });
  });

  it('recognises nothing in ordinary text', () => {
    expect(c('All 12 tests passed')).toBeUndefined();
    expect(c('')).toBeUndefined();
  });

  it('classifyHttpStatus and classifyUsageError', () => {
    expect(classifyHttpStatus(429)).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: false });
    expect(classifyHttpStatus(402)?.errorType).toBe(ErrorType.ProviderAuth);
    expect(classifyHttpStatus(200)).toBeUndefined();
    expect(classifyUsageError("error: unknown option '--x'")?.errorType).toBe(ErrorType.ConfigInvalid);
    expect(classifyUsageError('aider: error: unrecognized arguments: --x')?.errorType).toBe(ErrorType.ConfigInvalid);
    expect(classifyUsageError('all good')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Invocations

describe('invocations', () => {
  const provider = (kind: AgentCliKind, extra: object = {}) =>
    ({
      kind,
      extraArgs: ['--extra'],
      timeoutSec: 60,
      env: [],
      accounts: [],
      model: 'm-1',
      ...(kind === 'claude-code' ? { maxTurns: 7 } : {}),
      ...extra,
    }) as AgentCliProviderConfig;
  const base = { prompt: 'Do it', worktreeDir: '/w', role: 'developer' as const, isRoot: false };

  it('claude: the documented flags, extraArgs last, no IS_SANDBOX unless root', () => {
    const inv = ADAPTERS['claude-code'].invocation({
      ...base,
      provider: provider('claude-code'),
      maxBudgetUsd: 1.23456,
    });
    expect(inv.argv).toEqual([
      'claude',
      '-p',
      'Do it',
      '--output-format',
      'stream-json',
      '--verbose',
      '--model',
      'm-1',
      '--max-turns',
      '7',
      '--permission-mode',
      'bypassPermissions',
      '--max-budget-usd',
      '1.2345',
      '--extra',
    ]);
    expect(inv).toMatchObject({ resumed: false, env: { SWITCHYARD_ROLE: 'developer' } });
    expect(inv.env.IS_SANDBOX).toBeUndefined();
    expect(inv.stdin).toBeUndefined();
    expect(
      ADAPTERS['claude-code'].invocation({ ...base, provider: provider('claude-code'), isRoot: true }).env.IS_SANDBOX,
    ).toBe('1');
  });

  it('codex, gemini, aider: the documented flags and the provider binary', () => {
    expect(ADAPTERS.codex.invocation({ ...base, provider: provider('codex', { binary: '/opt/codex' }) }).argv).toEqual([
      '/opt/codex',
      'exec',
      '--json',
      '-C',
      '/w',
      '--sandbox',
      'workspace-write',
      '-m',
      'm-1',
      '--extra',
      'Do it',
    ]);
    expect(ADAPTERS.gemini.invocation({ ...base, provider: provider('gemini') }).argv).toEqual([
      'gemini',
      '-p',
      'Do it',
      '-o',
      'stream-json',
      '--approval-mode=yolo',
      '-m',
      'm-1',
      '--extra',
    ]);
    expect(ADAPTERS.aider.invocation({ ...base, provider: provider('aider') }).argv).toEqual([
      'aider',
      '--message',
      'Do it',
      '--yes-always',
      '--no-auto-commits',
      '--no-stream',
      '--no-pretty',
      '--no-check-update',
      '--analytics-disable',
      '--model',
      'm-1',
      '--extra',
    ]);
  });

  it('claude: the budget flag is never below the CLI minimum, and a budget always gives a cap', () => {
    const flag = (maxBudgetUsd: number) => {
      const argv = ADAPTERS['claude-code'].invocation({
        ...base,
        provider: provider('claude-code'),
        maxBudgetUsd,
      }).argv;
      const i = argv.indexOf('--max-budget-usd');
      return i < 0 ? undefined : argv[i + 1];
    };
    expect(CLAUDE_MIN_BUDGET_USD).toBe(0.0001);
    expect(ADAPTERS['claude-code'].minBudgetUsd).toBe(CLAUDE_MIN_BUDGET_USD);
    expect(flag(0.00005)).toBe('0.0001');
    expect(flag(0)).toBe('0.0001');
    expect(flag(0.0001)).toBe('0.0001');
    expect(flag(0.0003)).toBe('0.0003');
    expect(flag(0.56789)).toBe('0.5678');
    for (const b of [0.00001, 0.00009999, 0.0002, 1e-9])
      expect(Number(flag(b))).toBeGreaterThanOrEqual(CLAUDE_MIN_BUDGET_USD);
    expect(ADAPTERS['claude-code'].invocation({ ...base, provider: provider('claude-code') }).argv).not.toContain(
      '--max-budget-usd',
    );
  });

  it('gemini: the worktree is trusted through GEMINI_CLI_TRUST_WORKSPACE (what --skip-trust sets)', () => {
    const inv = ADAPTERS.gemini.invocation({ ...base, provider: provider('gemini') });
    expect(inv.env).toMatchObject({ GEMINI_CLI_TRUST_WORKSPACE: 'true', SWITCHYARD_ROLE: 'developer' });
    const viaStdin = ADAPTERS.gemini.invocation({ ...base, prompt: '-x', provider: provider('gemini') });
    expect(viaStdin.env.GEMINI_CLI_TRUST_WORKSPACE).toBe('true');
  });

  it('CLIs without resume ignore resumeSessionId and say so', () => {
    for (const kind of ['gemini', 'aider'] as const) {
      expect(ADAPTERS[kind].supportsResume).toBe(false);
      expect(ADAPTERS[kind].invocation({ ...base, provider: provider(kind), resumeSessionId: 'x' }).resumed).toBe(
        false,
      );
    }
  });
});

describe('costOf (what a run adds to the task and the ledger)', () => {
  const codex = {
    kind: 'codex',
    prices: { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 },
  } as never;
  it('prices normalised tokens with the one rule: cache reads are on top of inputTokens, never inside it', () => {
    const usage = { inputTokens: 315, cachedInputTokens: 24448, outputTokens: 122 };
    expect(costOf(undefined, usage, codex)).toBe(0.00467);
    expect(costOf(undefined, usage, codex)).toBe(costFromUsage(usage, (codex as { prices: never }).prices));
  });
  it('takes the CLI’s own figure first, and is 0 without usage or prices', () => {
    expect(costOf(0.42, { inputTokens: 1, outputTokens: 1 }, codex)).toBe(0.42);
    expect(costOf(undefined, undefined, codex)).toBe(0);
    expect(costOf(undefined, { inputTokens: 1_000_000, outputTokens: 0 }, { kind: 'codex' } as never)).toBe(0);
  });
});

describe('costFromUsage', () => {
  it('prices input, cached input and output per million tokens', () => {
    const usage = { inputTokens: 315, cachedInputTokens: 24448, outputTokens: 122 };
    expect(costFromUsage(usage, { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 })).toBe(0.00467);
    // Without a cached price, cache reads cost as much as input.
    expect(
      costFromUsage(
        { inputTokens: 1_000_000, cachedInputTokens: 1_000_000, outputTokens: 0 },
        { inputPerMTok: 2, outputPerMTok: 8 },
      ),
    ).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------
// Classification: the exact reasons, every status, and the helpers the adapters share

describe('classification reasons and helpers', () => {
  const opts = { now: NOW, timeZone: 'UTC' };
  const c = (text: string) => classifyText(text, opts);

  it('names the reason of each wording family', () => {
    expect(c('Claude AI usage limit reached|1773165600')).toEqual({
      errorType: ErrorType.RateLimited,
      reason: 'usage limit reached',
      accountLimited: true,
      resetAt: 1773165600_000,
    });
    expect(c('(not your usage limit)')?.reason).toBe('the provider is limiting requests (not your usage limit)');
    expect(c("You've hit your limit")?.reason).toBe('usage limit reached');
    expect(c('You’re out of extra usage · resets 5pm')).toMatchObject({
      reason: 'usage limit reached',
      resetAt: Date.UTC(2026, 2, 10, 17),
    });
    expect(c('exhausted your capacity on this model')?.reason).toBe('capacity exhausted');
    expect(c('purchase more credits to continue')?.reason).toBe('billing: no credit or quota left on this plan');
    expect(c('OAuth token expired')?.reason).toBe('authentication failed (OAuth token expired)');
    expect(c('OAuth token has been revoked')?.reason).toBe('authentication failed (OAuth token has been revoked)');
    expect(c('model claude-x not found')?.reason).toBe('the model is not available (model claude-x not found)');
    expect(c('context_length_exceeded')?.reason).toBe('the provider rejected the request (context_length_exceeded)');
    expect(c('Too Many Requests')).toEqual({
      errorType: ErrorType.RateLimited,
      reason: 'rate limited',
      accountLimited: false,
    });
    expect(c('you are being rate limited')?.reason).toBe('rate limited');
    expect(c('rate limit')?.reason).toBe('rate limited');
    expect(c('Overloaded')?.reason).toBe('provider unavailable (Overloaded)');
  });

  it('reads a named limit with any spacing, and five-hour spelt either way', () => {
    for (const text of [
      '5-hour limit reached',
      'five hour limit reached',
      'five-hour limit reached',
      'weekly  limit reached',
    ]) {
      expect(c(text), text).toMatchObject({ errorType: ErrorType.RateLimited, accountLimited: true });
    }
    expect(c('weekly-limit reached')?.accountLimited).not.toBe(true);
  });

  it('the daily quota resets at midnight Pacific unless the text names a reset', () => {
    expect(c('You have exhausted your daily quota')).toEqual({
      errorType: ErrorType.RateLimited,
      reason: 'daily quota exhausted',
      accountLimited: true,
      resetAt: Date.UTC(2026, 2, 11, 7),
    });
    expect(c('You have exhausted your daily quota; resets_at=1773165600')?.resetAt).toBe(1773165600_000);
  });

  it('reads the provider’s short delays in each form', () => {
    const wait = (text: string) => c(text)?.retryAfterMs;
    expect(c('Please retry in 2s')).toMatchObject({ reason: 'rate limited for a moment', retryAfterMs: 2000 });
    expect(wait('retry after 3 secs')).toBe(3000);
    expect(wait('retry after 3 seconds')).toBe(3000);
    expect(wait('retry after 1 sec')).toBe(1000);
    expect(wait('retry in 2 s')).toBe(2000);
    expect(wait('retry in 1.5s')).toBe(1500);
    expect(c('{"retryDelay" : "1.25s"}')).toMatchObject({ reason: 'rate limited for a moment', retryAfterMs: 1250 });
    expect(wait('{"retryDelay": "30s"}')).toBe(30_000);
  });

  it('reads a status after each lead-in, and picks the second form’s number', () => {
    const reason = (text: string) => c(text)?.reason;
    expect(reason('API Error 503')).toBe('provider error (503)');
    expect(reason('API Error: 503')).toBe('provider error (503)');
    expect(reason('status 502')).toBe('provider error (502)');
    expect(reason('status code 502')).toBe('provider error (502)');
    expect(reason('status code: 502')).toBe('provider error (502)');
    expect(reason('got status 500')).toBe('provider error (500)');
    expect(reason('last status 500')).toBe('provider error (500)');
    expect(reason('HTTP/1.1 500')).toBe('provider error (500)');
    expect(reason('HTTP/2 500')).toBe('provider error (500)');
    expect(reason('error code: 418')).toBe('the provider rejected the request (418)');
    expect(reason('{"status_code": 404}')).toBe('not found, probably the model (404)');
  });

  it('classifyHttpStatus: every status it knows, with its reason', () => {
    expect(classifyHttpStatus(429)?.reason).toBe('rate limited (429)');
    for (const s of [408, 409, 425, 500, 502, 503, 504, 520, 522, 524]) {
      expect(classifyHttpStatus(s)).toEqual({
        errorType: ErrorType.ProviderUnavailable,
        reason: `provider error (${s})`,
        accountLimited: false,
      });
    }
    expect(classifyHttpStatus(529)?.reason).toBe('overloaded (529)');
    expect(classifyHttpStatus(401)).toEqual({
      errorType: ErrorType.ProviderAuth,
      reason: 'authentication failed (401)',
    });
    expect(classifyHttpStatus(403)?.reason).toBe('authentication failed (403)');
    expect(classifyHttpStatus(402)?.reason).toBe('billing (402)');
    expect(classifyHttpStatus(404)?.reason).toBe('not found, probably the model (404)');
    expect(classifyHttpStatus(400)).toEqual({
      errorType: ErrorType.ProviderAuth,
      reason: 'the provider rejected the request (400)',
    });
    expect(classifyHttpStatus(499)?.errorType).toBe(ErrorType.ProviderAuth);
    expect(classifyHttpStatus(501)).toEqual({
      errorType: ErrorType.ProviderUnavailable,
      reason: 'provider error (501)',
      accountLimited: false,
    });
    expect(classifyHttpStatus(599)?.errorType).toBe(ErrorType.ProviderUnavailable);
    expect(classifyHttpStatus(600)).toBeUndefined();
    expect(classifyHttpStatus(399)).toBeUndefined();
  });

  it('classifyQuotaText sees only quota wording', () => {
    expect(classifyQuotaText('usage limit reached', opts)?.errorType).toBe(ErrorType.RateLimited);
    expect(classifyQuotaText('(not your usage limit)', opts)?.errorType).toBe(ErrorType.ProviderUnavailable);
    expect(classifyQuotaText('Overloaded', opts)).toBeUndefined();
    expect(classifyQuotaText('all fine', opts)).toBeUndefined();
  });

  it('classifyUsageError quotes what the CLI rejected', () => {
    const reason = (t: string) => classifyUsageError(t)?.reason;
    expect(reason("error: unknown option '--x'")).toBe("the CLI rejected its arguments (error: unknown option '--x')");
    expect(reason("error: unexpected argument '--yolo' found")).toBe(
      "the CLI rejected its arguments (error: unexpected argument '--yolo')",
    );
    expect(reason('Unknown argument: sandbox\nmore')).toBe(
      'the CLI rejected its arguments (Unknown argument: sandbox)',
    );
    expect(reason('Unknown arguments: a, b')).toBe('the CLI rejected its arguments (Unknown arguments: a, b)');
    expect(reason('aider: error: unrecognized arguments: --x --y  ')).toBe(
      'the CLI rejected its arguments (unrecognized arguments: --x --y)',
    );
    expect(reason('error: too many arguments for exec')).toBe(
      'the CLI rejected its arguments (error: too many arguments for exec)',
    );
    expect(reason("error: option '-m' argument 'x' is invalid. Allowed: a")).toBe(
      "the CLI rejected its arguments (error: option '-m' argument 'x' is invalid. Allowed: a)",
    );
  });

  it('isResumeFailure knows each CLI’s wording, within one line', () => {
    for (const t of [
      'No conversation found with session ID: abc',
      'no saved session found for abc',
      'no session found',
      'no rollout with that id was found',
      'thread 1234 not found',
    ]) {
      expect(isResumeFailure(t), t).toBe(true);
    }
    expect(isResumeFailure('no session\nlater something was found')).toBe(false);
    expect(isResumeFailure('session started, and much later (more than forty characters) a file was not found')).toBe(
      false,
    );
  });

  it('promptNeedsStdin: too long for argv, or reads as an option', () => {
    expect(promptNeedsStdin('fix the bug')).toBe(false);
    expect(promptNeedsStdin('-rf')).toBe(true);
    expect(promptNeedsStdin('a trailing dash -')).toBe(false);
    expect(promptNeedsStdin('x'.repeat(ARGV_PROMPT_MAX))).toBe(false);
    expect(promptNeedsStdin('x'.repeat(ARGV_PROMPT_MAX + 1))).toBe(true);
    // Counted in bytes: 50 001 two-byte characters are over the limit.
    expect(promptNeedsStdin('é'.repeat(ARGV_PROMPT_MAX / 2 + 1))).toBe(true);
  });

  it('parseJsonLine takes objects and arrays only, trimmed, and never throws', () => {
    expect(parseJsonLine('  {"a":1}  ')).toEqual({ a: 1 });
    expect(parseJsonLine('[1,2]')).toEqual([1, 2]);
    expect(parseJsonLine('"text"')).toBeUndefined();
    expect(parseJsonLine('42')).toBeUndefined();
    expect(parseJsonLine('{"torn": ')).toBeUndefined();
    expect(parseJsonLine('plain words')).toBeUndefined();
  });

  it('isObject, str and num accept only their own kind', () => {
    expect(isObject({})).toBe(true);
    for (const v of [null, [], 'x', 1]) expect(isObject(v)).toBe(false);
    expect(str('x')).toBe('x');
    expect(str(1)).toBeUndefined();
    expect(num(3)).toBe(3);
    for (const v of [NaN, Infinity, '3', undefined]) expect(num(v)).toBeUndefined();
  });

  it('TextTail keeps the last lines within its line and character bounds', () => {
    const t = new TextTail(3, 10);
    expect(t.lines()).toEqual([]);
    expect(t.tail()).toBeUndefined();
    expect(t.last()).toBeUndefined();
    t.push('  ');
    t.push('\u001b[31m a \u001b[0m');
    t.push('b');
    expect(t.lines()).toEqual(['a', 'b']);
    expect(t.text()).toBe('a\nb');
    t.push('c');
    t.push('d');
    expect(t.lines()).toEqual(['b', 'c', 'd']);
    expect(t.tail(2)).toBe('c | d');
    expect(t.tail()).toBe('b | c | d');
    expect(t.last()).toBe('d');
    t.push('0123456789');
    // 13 characters over 10: older lines go, the newest stays even when it alone is over.
    expect(t.lines()).toEqual(['0123456789']);
    t.push('0123456789ab');
    expect(t.lines()).toEqual(['0123456789ab']);
    const copy = t.lines();
    copy.push('x');
    expect(t.lines()).toEqual(['0123456789ab']);
  });

  it('TextTail keeps exactly its bounds', () => {
    const t = new TextTail(2, 4);
    t.push('ab');
    t.push('cd');
    expect(t.lines()).toEqual(['ab', 'cd']);
  });

  it('clip folds whitespace and cuts at the limit', () => {
    expect(clip('  a \n\t b  ')).toBe('a b');
    expect(clip('abcdef', 6)).toBe('abcdef');
    expect(clip('abcdefg', 6)).toBe('abcdef…');
    expect(clip('x'.repeat(401))).toBe(`${'x'.repeat(400)}…`);
  });

  it('failureFrom: the reset time or its absence for rate limits, the provider’s words, the fields set', () => {
    const extras = { turns: 1 };
    expect(
      failureFrom(
        'Claude',
        { errorType: ErrorType.RateLimited, reason: 'usage limit reached', resetAt: 0 },
        'x  y',
        extras,
      ),
    ).toEqual({
      ok: false,
      errorType: ErrorType.RateLimited,
      message: 'Claude: usage limit reached (resets 1970-01-01T00:00:00.000Z): x y',
      resetAt: 0,
      turns: 1,
    });
    expect(
      failureFrom(
        'Codex',
        { errorType: ErrorType.RateLimited, reason: 'rate limited', accountLimited: false },
        undefined,
        extras,
      ),
    ).toEqual({
      ok: false,
      errorType: ErrorType.RateLimited,
      message: 'Codex: rate limited (no reset time given)',
      accountLimited: false,
      turns: 1,
    });
    expect(
      failureFrom(
        'Gemini',
        { errorType: ErrorType.ProviderUnavailable, reason: 'rate limited for a moment', retryAfterMs: 500 },
        '',
        extras,
      ),
    ).toEqual({
      ok: false,
      errorType: ErrorType.ProviderUnavailable,
      message: 'Gemini: rate limited for a moment',
      retryAfterMs: 500,
      turns: 1,
    });
  });
});
