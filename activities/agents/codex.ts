/**
 * OpenAI Codex `codex exec --json` (docs/agent-clis.md §2). JSONL on stdout, the rest on
 * stderr. `turn.failed` ends a run; `error` events such as "Reconnecting... 2/5" are retry
 * notices. No cost is reported: usage comes from `turn.completed`, priced by the caller.
 */
import { ErrorType } from '../../workflows/api/index.js';
import type * as agent from './adapter.js';
import {
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
  type Json,
} from './classify.js';
import { JsonlParser, type EventHandlers } from './jsonl.js';

const NAME = 'Codex';
const BINARY = 'codex';

function invocation(input: agent.InvocationInput): agent.Invocation {
  const { provider } = input;
  const viaStdin = promptNeedsStdin(input.prompt);
  const argv = [provider.binary ?? BINARY, 'exec', '--json', '-C', input.worktreeDir, '--sandbox', 'workspace-write'];
  if (provider.model) argv.push('-m', provider.model);
  // Flags (extraArgs such as -c key=value included) must come before `resume`.
  argv.push(...provider.extraArgs);
  const resumed = Boolean(input.resumeSessionId);
  if (input.resumeSessionId) argv.push('resume', input.resumeSessionId);
  argv.push(viaStdin ? '-' : input.prompt);
  return { argv, env: { SWITCHYARD_ROLE: input.role }, resumed, ...(viaStdin ? { stdin: input.prompt } : {}) };
}

const RECONNECTING_RE = /^Reconnecting\.\.\./i;
const NETWORK_WAIT_RE = /^Reconnecting\.\.\. waiting for network/i;
/**
 * With the network down Codex never exits: after its own five reconnect attempts (about 10 s) it
 * repeats "Reconnecting... waiting for network" every 10 s, forever. The first such notice means
 * Codex has given up reconnecting by itself: we end the run (ProviderUnavailable), and the
 * activity's retry with backoff (resuming the session) takes over.
 */
export const CODEX_NETWORK_WAIT_LIMIT = 1;
const UNTRUSTED_RE = /Not inside a trusted directory/;

class CodexParser extends JsonlParser {
  private threadId?: string;
  private steps = 0;
  private lastTool?: string;
  private lastMessage?: string;
  private completedTurns = 0;
  private failed?: string;
  private networkWaits = 0;
  private lastNetworkWait?: string;
  private usage?: agent.TokenUsage;

  private readonly onItemEvent = (ev: Json): void => {
    if (isObject(ev.item)) this.onItem(ev.item, ev.type === 'item.completed');
  };

  // turn.started and anything newer: nothing to decide from.
  protected readonly events: EventHandlers = {
    'thread.started': (ev) => {
      this.threadId = str(ev.thread_id) ?? this.threadId;
    },
    'item.started': this.onItemEvent,
    'item.updated': this.onItemEvent,
    'item.completed': this.onItemEvent,
    'turn.completed': (ev) => {
      this.completedTurns++;
      if (isObject(ev.usage)) this.addUsage(ev.usage);
    },
    'turn.failed': (ev) => {
      const err = isObject(ev.error) ? ev.error : {};
      this.failed = str(err.message) ?? JSON.stringify(ev.error ?? 'turn failed');
    },
    error: (ev) => {
      const message = str(ev.message);
      this.noteError(message);
      if (message && NETWORK_WAIT_RE.test(message)) {
        this.networkWaits++;
        this.lastNetworkWait = message;
      }
    },
  };

  private onItem(item: Json, completed: boolean): void {
    switch (item.type) {
      case 'agent_message':
        if (completed && str(item.text)) this.lastMessage = str(item.text);
        break;
      case 'command_execution':
        this.lastTool = `shell: ${clip(str(item.command) ?? '', 80)}`;
        break;
      case 'file_change': {
        const changes = Array.isArray(item.changes) ? item.changes.filter(isObject) : [];
        this.lastTool = `edit: ${changes.map((c) => str(c.path) ?? '?').join(', ')}`;
        break;
      }
      case 'mcp_tool_call':
        this.lastTool = `mcp: ${[str(item.server), str(item.tool)].filter(Boolean).join('.')}`;
        break;
      case 'web_search':
        this.lastTool = 'web_search';
        break;
      default:
        return;
    }
    // Work arrived: the network is back, so only consecutive waits count.
    this.networkWaits = 0;
    if (completed) this.steps++;
  }

  private addUsage(u: Json): void {
    const input = num(u.input_tokens) ?? 0;
    const cached = num(u.cached_input_tokens) ?? 0;
    const acc = (this.usage ??= { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });
    // OpenAI's input count includes the cached part.
    acc.inputTokens += Math.max(0, input - cached);
    acc.cachedInputTokens = (acc.cachedInputTokens ?? 0) + cached;
    acc.outputTokens += num(u.output_tokens) ?? 0;
  }

  progress(): agent.AgentProgress {
    return { sessionId: this.threadId, turns: this.steps, lastTool: this.lastTool };
  }

  stopReason(): string | undefined {
    if (this.networkWaits < CODEX_NETWORK_WAIT_LIMIT || this.failed !== undefined || this.completedTurns > 0)
      return undefined;
    return `${this.networkWaits} "waiting for network" notices`;
  }

  finish(exit: agent.ExitInfo): agent.AgentRunResult {
    const opts = { now: exit.now };
    const extras = { sessionId: this.threadId, usage: this.usage, turns: this.steps };
    if (exit.spawnError) return processFailure(NAME, exit, extras)!;

    const notices = this.errors.filter((e) => !RECONNECTING_RE.test(e));
    if (this.failed !== undefined) {
      const words = this.failed;
      const c = classifyText([words, ...notices].join('\n'), opts);
      if (c) return failureFrom(NAME, c, words, extras);
      if (isResumeFailure(words))
        return {
          ...plainFailure(NAME, ErrorType.ProviderUnavailable, `cannot resume: ${clip(words)}`, extras),
          resumeFailed: true,
        };
      return plainFailure(NAME, ErrorType.AgentFailed, `the turn failed: ${clip(words)}`, extras);
    }
    if (this.completedTurns > 0) return { ok: true, finalText: this.lastMessage ?? '', ...extras };
    if (this.networkWaits >= CODEX_NETWORK_WAIT_LIMIT)
      return failureFrom(
        NAME,
        {
          errorType: ErrorType.ProviderUnavailable,
          reason: `cannot reach the provider (ended after ${this.networkWaits} "waiting for network" notices)`,
          accountLimited: false,
        },
        this.lastNetworkWait,
        extras,
      );

    const text = [...notices, ...this.text.lines()].join('\n');
    const untrusted = this.text.lines().find((l) => UNTRUSTED_RE.test(l));
    if (untrusted)
      // Our worktree is a git repository, so this means it is broken or missing its .git.
      return plainFailure(
        NAME,
        ErrorType.ConfigInvalid,
        `refused the worktree ("${clip(untrusted)}"): it is not inside a git repository; the worktree is broken`,
        extras,
      );
    const early = processFailure(NAME, exit, extras);
    if (early) return early;
    if (isResumeFailure(text))
      return {
        ...plainFailure(NAME, ErrorType.ProviderUnavailable, `cannot resume: ${clip(text)}`, extras),
        resumeFailed: true,
      };
    const usageError = exit.exitCode !== 0 ? classifyUsageError(text) : undefined;
    if (usageError) return failureFrom(NAME, usageError, undefined, extras);
    // Reconnect notices only count when nothing else explains the end.
    const c = classifyText(text, opts) ?? classifyText(this.errors.join('\n'), opts);
    const last = notices[notices.length - 1] ?? this.text.tail() ?? this.errors[this.errors.length - 1];
    if (c) return failureFrom(NAME, c, last, extras);
    return plainFailure(
      NAME,
      ErrorType.AgentFailed,
      `exited with code ${exit.exitCode} without completing a turn${last ? `: ${clip(last)}` : ''}`,
      extras,
    );
  }
}

export const codexAdapter: agent.AgentAdapter = {
  kind: 'codex',
  defaultBinary: BINARY,
  displayName: NAME,
  supportsResume: true,
  accountDirEnv: 'CODEX_HOME',
  invocation,
  parser: () => new CodexParser(),
};
