/**
 * The one truncation rule (workflows/preview.ts): its options against the rules it replaced, kept
 * here as oracles (byte-level, with Buffer), over texts of every width of character.
 */
import { describe, expect, it } from 'vitest';
import { OutputCap } from '../../activities/output-cap.js';
import { textPreview } from '../../activities/store/preview.js';
import {
  CHARS_CUT,
  cutMarker,
  cutText,
  headText,
  preview,
  tailText,
  utf8CompleteEnd,
  utf8Length,
  utf8Start,
} from '../../workflows/preview.js';

/** Deterministic texts mixing 1-, 2-, 3- and 4-byte characters, newlines and NULs. */
function* texts(count: number): Generator<string> {
  const alphabet = ['a', 'b', ' ', '\n', 'é', 'ü', '✓', '€', '😀', '𝄞', '\0'];
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < count; n++) {
    const len = next() % 6000;
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

/** The character-count preview workflows used before (prompts.ts). */
function oldPreview(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.floor(max / 4);
  return `${text.slice(0, head)}\n… [${text.length - max} characters cut] …\n${text.slice(text.length - (max - head))}`;
}

/** The byte tail of output-cap.ts before. */
function oldTailText(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  const tail = buf.subarray(buf.length - maxBytes);
  let i = 0;
  while (i < Math.min(3, tail.length) && (tail[i] & 0xc0) === 0x80) i++;
  return tail.subarray(i).toString('utf8');
}

/** The store preview before: 4096 bytes with the marker, head of 1024, over the raw bytes. */
function oldTextPreview(content: Buffer): { preview: string; truncated: boolean } {
  const MAX = 4096;
  const marker = (n: number) => `\n… [${n} bytes omitted] …\n`;
  const clean = (s: string) => s.replace(/\0/g, '?');
  const back = (i: number) => {
    while (i > 0 && i < content.length && (content[i] & 0xc0) === 0x80) i--;
    return i;
  };
  const forward = (i: number) => {
    while (i < content.length && (content[i] & 0xc0) === 0x80) i++;
    return i;
  };
  if (content.length <= MAX) {
    const whole = clean(content.toString('utf8'));
    if (Buffer.byteLength(whole) <= MAX) return { preview: whole, truncated: false };
  }
  const headEnd = back(Math.min(1024, content.length));
  const head = clean(content.subarray(0, headEnd).toString('utf8'));
  const tailBytes = MAX - Buffer.byteLength(head) - Buffer.byteLength(marker(content.length));
  const tailStart = Math.max(headEnd, forward(content.length - Math.max(0, tailBytes)));
  const text = head + marker(tailStart - headEnd) + clean(content.subarray(tailStart).toString('utf8'));
  return { preview: text, truncated: true };
}

describe('cutText', () => {
  it('by characters, both ends: the workflow preview, marker on top of the budget', () => {
    for (const t of texts(40)) {
      for (const max of [0, 1, 7, 100, 4000]) expect(preview(t, max)).toBe(oldPreview(t, max));
    }
    expect(preview('x'.repeat(10), 8)).toBe(`xx${cutMarker(2, CHARS_CUT)}xxxxxx`);
  });

  it('by bytes, both ends: what the streaming cap keeps of the same text', () => {
    for (const t of texts(40)) {
      for (const [max, head] of [
        [4000, 1000],
        [64, 16],
        [10, 0],
        [9, 9],
      ]) {
        const cap = new OutputCap({ headBytes: head, tailBytes: max - head });
        cap.write(t);
        const streamed = cap.result();
        expect(cutText(t, { max, unit: 'bytes', head })).toEqual({
          text: streamed.text,
          truncated: streamed.truncated,
        });
      }
    }
  });

  it('by bytes, tail only: starts on a character', () => {
    for (const t of texts(40))
      for (const max of [0, 1, 2, 3, 5, 999]) expect(tailText(t, max)).toBe(oldTailText(t, max));
  });

  it('by bytes with the marker in the budget: the stored preview, at most 4 KB', () => {
    for (const t of texts(40)) {
      const content = Buffer.from(t);
      const got = textPreview(content);
      expect(got).toEqual(oldTextPreview(content));
      expect(Buffer.byteLength(got.preview)).toBeLessThanOrEqual(4096);
    }
  });

  it('head only, by characters, with an optional ellipsis', () => {
    expect(headText('abcdef', 3, '…')).toBe('abc…');
    expect(headText('abcdef', 3)).toBe('abc');
    expect(headText('abc', 3, '…')).toBe('abc');
    expect(cutText('abcdef', { max: 2, keep: 'tail', ellipsis: '…' }).text).toBe('…ef');
  });

  it('counts UTF-8 bytes like Buffer, lone surrogates as U+FFFD', () => {
    for (const s of ['', 'a', 'é', '✓', '😀', 'a😀b', '\uD800', '\uDC00x', 'x\uD83D']) {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s));
    }
    expect(tailText('ab\uD800cd', 5)).toBe(Buffer.from('ab\uD800cd').subarray(2).toString('utf8'));
  });

  it('byte boundaries: an incomplete sequence at the end, continuation bytes at the start', () => {
    const e = Buffer.from('é😀');
    expect(utf8CompleteEnd(e)).toBe(6);
    expect(utf8CompleteEnd(e.subarray(0, 5))).toBe(2);
    expect(utf8CompleteEnd(e.subarray(0, 1))).toBe(0);
    expect(utf8Start(e.subarray(1))).toBe(1);
    expect(utf8Start(e.subarray(3))).toBe(3);
    expect(utf8Start(Buffer.alloc(0))).toBe(0);
  });
});
