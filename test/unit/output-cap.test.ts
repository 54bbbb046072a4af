import { describe, expect, it } from 'vitest';
import { OutputCap, stripAnsi } from '../../activities/output-cap.js';
import { BYTES_TRUNCATED, cutMarker, cutText, tailText } from '../../workflows/preview.js';

const truncationMarker = (bytes: number): string => cutMarker(bytes, BYTES_TRUNCATED);

/** Deterministic pseudo-random chunk sizes. */
function* chunkSizes(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield 1 + (x % 700);
  }
}

function feed(cap: OutputCap, data: Buffer, seed = 7): void {
  const sizes = chunkSizes(seed);
  for (let i = 0; i < data.length;) {
    const n = sizes.next().value as number;
    cap.write(data.subarray(i, i + n));
    i += n;
  }
}

const numbered = (n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => `line ${String(i).padStart(6, '0')}\n`).join(''));

describe('OutputCap', () => {
  it('keeps everything when it fits', () => {
    const cap = new OutputCap({ headBytes: 100, tailBytes: 200 });
    const data = numbered(20); // 240 bytes
    feed(cap, data);
    expect(cap.result()).toEqual({ text: data.toString(), totalBytes: 240, truncated: false });
  });

  it('keeps the exact head and tail of a large stream fed in uneven chunks', () => {
    const cap = new OutputCap({ headBytes: 1000, tailBytes: 3000 });
    const data = numbered(50_000); // 600,000 bytes
    feed(cap, data);
    const res = cap.result();
    expect(res.totalBytes).toBe(data.length);
    expect(res.truncated).toBe(true);
    const expected =
      data.subarray(0, 1000).toString() +
      truncationMarker(data.length - 4000) +
      data.subarray(data.length - 3000).toString();
    expect(res.text).toBe(expected);
  });

  it('defaults to 16 KiB head + 48 KiB tail and stays bounded over 200 MB', () => {
    const cap = new OutputCap();
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 200; i++) cap.write(chunk);
    cap.write('THE END\n');
    const res = cap.result();
    expect(res.totalBytes).toBe(200 * 1024 * 1024 + 8);
    expect(res.text.endsWith('xTHE END\n')).toBe(true);
    expect(res.text).toContain(`[${200 * 1024 * 1024 + 8 - 64 * 1024} bytes truncated]`);
    expect(Buffer.byteLength(res.text)).toBeLessThan(64 * 1024 + 100);
  });

  it('never splits a multi-byte character at either cut', () => {
    const cap = new OutputCap({ headBytes: 5, tailBytes: 5 });
    cap.write('ééééééééé'); // 18 bytes, 2 each
    const res = cap.result();
    expect(res.text).toBe(`éé${truncationMarker(10)}éé`);
    expect(res.text).not.toContain('\ufffd');
  });

  it('cutText by bytes and tailText cap strings', () => {
    expect(cutText('short', { max: 100, unit: 'bytes' })).toEqual({ text: 'short', truncated: false });
    const capped = cutText('a'.repeat(50) + 'b'.repeat(50), { max: 40, unit: 'bytes', head: 10 });
    expect(capped.text).toBe(`${'a'.repeat(10)}${truncationMarker(60)}${'b'.repeat(30)}`);
    expect(tailText('0123456789', 4)).toBe('6789');
    expect(tailText('abc', 10)).toBe('abc');
  });

  it('stripAnsi removes colour codes', () => {
    expect(stripAnsi('\u001b[1m\u001b[32m1 passed\u001b[39m\u001b[22m')).toBe('1 passed');
  });
});
