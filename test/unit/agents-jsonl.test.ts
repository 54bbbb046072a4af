/** The shared JSONL line dispatch the Claude, Codex and Gemini parsers configure. */
import { describe, expect, it } from 'vitest';
import type { AgentProgress, AgentRunResult } from '../../activities/agents/adapter.js';
import { type Json } from '../../activities/agents/classify.js';
import { JsonlParser, MAX_ERROR_NOTICES, type EventHandlers } from '../../activities/agents/jsonl.js';

/** Records what reached which handler. */
class Recording extends JsonlParser {
  readonly seen: string[] = [];
  constructor(protected override readonly arrays = false) {
    super();
  }
  protected readonly events: EventHandlers = {
    start: (ev) => this.seen.push(`start:${String(ev.n)}`),
    error: (ev) => this.noteError(typeof ev.message === 'string' ? ev.message : undefined),
  };
  protected override onAnyEvent(ev: Json): void {
    this.seen.push(`any:${String(ev.type)}`);
  }
  lines(): string[] {
    return this.text.lines();
  }
  notices(): string[] {
    return [...this.errors];
  }
  progress(): AgentProgress {
    return { turns: 0 };
  }
  finish(): AgentRunResult {
    return { ok: true, finalText: '', turns: 0 };
  }
}

describe('JsonlParser', () => {
  it('hands an object line to the handler of its type, after onAnyEvent; unknown types reach only onAnyEvent', () => {
    const p = new Recording();
    p.onLine('{"type":"start","n":1}', 'stdout');
    p.onLine('  {"type":"later","n":2}  ', 'stdout');
    p.onLine('{"type":"toString"}', 'stdout');
    p.onLine('{"n":3}', 'stdout');
    expect(p.seen).toEqual(['any:start', 'start:1', 'any:later', 'any:toString', 'any:undefined']);
    expect(p.lines()).toEqual([]);
  });

  it('keeps every other line as text: plain words, torn JSON, JSON that is not an object', () => {
    const p = new Recording();
    for (const line of ['Error: quota', '{"type":"start"', '42', '"text"', '', '  ']) p.onLine(line, 'stderr');
    expect(p.seen).toEqual([]);
    expect(p.lines()).toEqual(['Error: quota', '{"type":"start"', '42', '"text"']);
  });

  it('an array line is a batch of events only where the CLI writes one; otherwise text', () => {
    const line = '[{"type":"start","n":1},"x",{"type":"start","n":2}]';
    const batch = new Recording(true);
    batch.onLine(line, 'stdout');
    expect(batch.seen).toEqual(['any:start', 'start:1', 'any:start', 'start:2']);
    const plain = new Recording();
    plain.onLine(line, 'stdout');
    expect(plain.seen).toEqual([]);
    expect(plain.lines()).toEqual([line]);
  });

  it('keeps the first error notices, non-empty ones only', () => {
    const p = new Recording();
    p.onLine('{"type":"error","message":""}', 'stdout');
    p.onLine('{"type":"error"}', 'stdout');
    for (let i = 0; i < MAX_ERROR_NOTICES + 5; i++) p.onLine(`{"type":"error","message":"e${i}"}`, 'stdout');
    expect(p.notices()).toHaveLength(MAX_ERROR_NOTICES);
    expect(p.notices()[0]).toBe('e0');
    expect(p.notices().at(-1)).toBe(`e${MAX_ERROR_NOTICES - 1}`);
  });
});
