/**
 * The one rule for cutting a text short, wherever one is cut (workflow previews, process output,
 * stored previews, failure messages): keep the head, the tail, or both ends around a marker that
 * says how much was left out. Budgets are in UTF-16 code units ('chars') or in UTF-8 bytes
 * ('bytes', cut between characters). Pure code: workflows and activities both use it.
 */

export type CutUnit = 'chars' | 'bytes';

export interface CutOptions {
  max: number;
  /** Default 'chars'. */
  unit?: CutUnit;
  /** What stays: the start, the end, or both ends around a marker (the default). */
  keep?: 'head' | 'tail' | 'ends';
  /** 'ends': the head's share of `max` (default a quarter: the end of a log is where failures are). */
  head?: number;
  /** 'ends': whether the marker counts in `max` (default: it comes on top of it). */
  markerInBudget?: boolean;
  /** 'ends': the marker's words after the count (default CHARS_CUT or BYTES_TRUNCATED by unit). */
  label?: string;
  /** 'head' and 'tail': what stands for the part cut off (default nothing). */
  ellipsis?: string;
}

export interface Cut {
  text: string;
  truncated: boolean;
}

export const CHARS_CUT = 'characters cut';
export const BYTES_TRUNCATED = 'bytes truncated';

export const cutMarker = (count: number, label: string): string => `\n… [${count} ${label}] …\n`;

/** Head, marker and tail: how every cut that keeps both ends reads. */
export const joinEnds = (head: string, omitted: number, tail: string, label: string): string =>
  head + cutMarker(omitted, label) + tail;

export function cutText(text: string, opts: CutOptions): Cut {
  const bytes = opts.unit === 'bytes';
  const measure = bytes ? utf8Length : (s: string) => s.length;
  const total = measure(text);
  if (total <= opts.max) return { text, truncated: false };
  // Strings encode as UTF-8 with lone surrogates as U+FFFD; so does the cut text.
  const whole = bytes ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
  const headEnd = (n: number) => (bytes ? utf8HeadEnd(whole, n) : Math.max(0, n));
  const tailStart = (n: number) => (bytes ? utf8TailStart(whole, n) : whole.length - Math.max(0, n));
  const keep = opts.keep ?? 'ends';
  if (keep === 'head') return { text: whole.slice(0, headEnd(opts.max)) + (opts.ellipsis ?? ''), truncated: true };
  if (keep === 'tail') return { text: (opts.ellipsis ?? '') + whole.slice(tailStart(opts.max)), truncated: true };

  const label = opts.label ?? (bytes ? BYTES_TRUNCATED : CHARS_CUT);
  const headBudget = opts.head ?? Math.floor(opts.max / 4);
  const head = whole.slice(0, headEnd(headBudget));
  // In budget: the marker's room is taken for the largest count it could show (the whole text).
  const tailBudget = opts.markerInBudget
    ? opts.max - measure(head) - measure(cutMarker(total, label))
    : opts.max - headBudget;
  const tail = whole.slice(Math.max(head.length, tailStart(tailBudget)));
  return { text: joinEnds(head, total - measure(head) - measure(tail), tail, label), truncated: true };
}

/** Previews travel through workflow history; keep them short. */
export const PREVIEW_CHARS = 4000;

/** A workflow-side preview: head and tail by characters. */
export function preview(text: string, max = PREVIEW_CHARS): string {
  return cutText(text, { max }).text;
}

/** The first `max` characters, `ellipsis` standing for the rest when there is more. */
export function headText(text: string, max: number, ellipsis = ''): string {
  return cutText(text, { max, keep: 'head', ellipsis }).text;
}

/** The last `maxBytes` of a text, starting on a character boundary. */
export function tailText(text: string, maxBytes: number): string {
  return cutText(text, { max: maxBytes, unit: 'bytes', keep: 'tail' }).text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** UTF-8 bytes of the UTF-16 unit at `i` (a surrogate pair: 4 on its high half, 0 on its low). */
function unitBytes(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (isHighSurrogate(c) && isLowSurrogate(s.charCodeAt(i + 1))) return 4;
  if (isLowSurrogate(c) && isHighSurrogate(s.charCodeAt(i - 1))) return 0;
  return 3;
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) n += unitBytes(s, i);
  return n;
}

/** Index ending the longest prefix of `s` that fits in `maxBytes` of UTF-8. */
function utf8HeadEnd(s: string, maxBytes: number): number {
  let used = 0;
  let i = 0;
  while (i < s.length) {
    const b = unitBytes(s, i);
    if (used + b > maxBytes) break;
    used += b;
    i += b === 4 ? 2 : 1;
  }
  return i;
}

/** Index starting the longest suffix of `s` that fits in `maxBytes` of UTF-8. */
function utf8TailStart(s: string, maxBytes: number): number {
  let used = 0;
  let i = s.length;
  while (i > 0) {
    const pair = isLowSurrogate(s.charCodeAt(i - 1)) && i >= 2 && isHighSurrogate(s.charCodeAt(i - 2));
    const b = pair ? 4 : unitBytes(s, i - 1);
    if (used + b > maxBytes) break;
    used += b;
    i -= pair ? 2 : 1;
  }
  return i;
}

/** Length of `bytes` without a trailing incomplete UTF-8 sequence. */
export function utf8CompleteEnd(bytes: Uint8Array): number {
  const len = bytes.length;
  for (let back = 1; back <= Math.min(4, len); back++) {
    const b = bytes[len - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}

/** Index of the first byte that is not a UTF-8 continuation byte (at most 3 skipped). */
export function utf8Start(bytes: Uint8Array): number {
  let i = 0;
  while (i < Math.min(3, bytes.length) && (bytes[i] & 0xc0) === 0x80) i++;
  return i;
}
