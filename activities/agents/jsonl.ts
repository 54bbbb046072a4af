/**
 * The line dispatch the JSON-streaming CLIs share (Claude Code, Codex, Gemini CLI): a line holding
 * a JSON object is an event, handed to the handler of its `type` (unknown types are ignored); any
 * other line is free text, kept in a bounded tail for the failure rules. An adapter's parser extends
 * this and configures the handlers; its finish() reads what they gathered.
 */
import type { AgentParser, AgentProgress, AgentRunResult, ExitInfo } from './adapter.js';
import { isObject, parseJsonLine, TextTail, type Json } from './classify.js';

export type EventHandlers = Readonly<Record<string, (ev: Json) => void>>;

/** Error events kept for the failure message: the first ones say what went wrong. */
export const MAX_ERROR_NOTICES = 50;

export abstract class JsonlParser implements AgentParser {
  protected readonly text = new TextTail();
  /** Messages of the CLI's error events, the first MAX_ERROR_NOTICES. */
  protected readonly errors: string[] = [];
  /** Handlers by event `type`. */
  protected abstract readonly events: EventHandlers;
  /** Whether a line may hold a JSON array of events (Claude's `--output-format json`); else it is text. */
  protected readonly arrays: boolean = false;

  onLine(line: string, _stream: 'stdout' | 'stderr'): void {
    const value = parseJsonLine(line);
    if (this.arrays && Array.isArray(value)) {
      for (const ev of value) if (isObject(ev)) this.dispatch(ev);
    } else if (isObject(value)) {
      this.dispatch(value);
    } else {
      this.text.push(line);
    }
  }

  /** Every event, before its type's handler (Claude's session id rides on all of them). */
  protected onAnyEvent(_ev: Json): void {}

  protected noteError(message: string | undefined): void {
    if (message && this.errors.length < MAX_ERROR_NOTICES) this.errors.push(message);
  }

  private dispatch(ev: Json): void {
    this.onAnyEvent(ev);
    const handler =
      typeof ev.type === 'string' && Object.hasOwn(this.events, ev.type) ? this.events[ev.type] : undefined;
    handler?.(ev);
  }

  abstract progress(): AgentProgress;
  abstract finish(exit: ExitInfo): AgentRunResult;
}
