/**
 * Streaming head+tail cap for process output: memory stays bounded however much a command
 * prints, the total is still counted, and the result keeps the start (what ran) and the end
 * (the summary and the failure) with a marker in between.
 */

export const DEFAULT_HEAD_BYTES = 16 * 1024;
export const DEFAULT_TAIL_BYTES = 48 * 1024;

export interface OutputCapOptions {
  headBytes?: number;
  tailBytes?: number;
}

export interface CappedOutput {
  text: string;
  totalBytes: number;
  truncated: boolean;
}

export const truncationMarker = (bytes: number): string => `\n… [${bytes} bytes truncated] …\n`;

export class OutputCap {
  private readonly head: Buffer;
  private headLen = 0;
  private readonly tail: Buffer;
  /** Next write position in the tail ring. */
  private tailPos = 0;
  private tailLen = 0;
  private total = 0;

  constructor(opts: OutputCapOptions = {}) {
    const headBytes = opts.headBytes ?? DEFAULT_HEAD_BYTES;
    const tailBytes = opts.tailBytes ?? DEFAULT_TAIL_BYTES;
    if (!(headBytes >= 0 && tailBytes >= 0)) throw new Error(`OutputCap: head/tail sizes must be >= 0`);
    this.head = Buffer.alloc(headBytes);
    this.tail = Buffer.alloc(tailBytes);
  }

  get totalBytes(): number {
    return this.total;
  }

  write(chunk: Uint8Array | string): void {
    let data =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.total += data.length;
    if (this.headLen < this.head.length) {
      const n = Math.min(this.head.length - this.headLen, data.length);
      data.copy(this.head, this.headLen, 0, n);
      this.headLen += n;
      data = data.subarray(n);
    }
    if (data.length === 0 || this.tail.length === 0) return;
    if (data.length >= this.tail.length) {
      data.copy(this.tail, 0, data.length - this.tail.length);
      this.tailPos = 0;
      this.tailLen = this.tail.length;
      return;
    }
    const first = Math.min(this.tail.length - this.tailPos, data.length);
    data.copy(this.tail, this.tailPos, 0, first);
    if (first < data.length) data.copy(this.tail, 0, first);
    this.tailPos = (this.tailPos + data.length) % this.tail.length;
    this.tailLen = Math.min(this.tail.length, this.tailLen + data.length);
  }

  /** Bytes that reached neither the head nor the tail. */
  get droppedBytes(): number {
    return this.total - this.headLen - this.tailLen;
  }

  result(): CappedOutput {
    const tail = this.tailBytes();
    const dropped = this.droppedBytes;
    if (dropped === 0) {
      return {
        text: Buffer.concat([this.head.subarray(0, this.headLen), tail]).toString('utf8'),
        totalBytes: this.total,
        truncated: false,
      };
    }
    return {
      text: joinCapped(this.head.subarray(0, this.headLen), tail, dropped),
      totalBytes: this.total,
      truncated: true,
    };
  }

  private tailBytes(): Buffer {
    if (this.tailLen < this.tail.length) return Buffer.from(this.tail.subarray(0, this.tailLen));
    return Buffer.concat([this.tail.subarray(this.tailPos), this.tail.subarray(0, this.tailPos)]);
  }
}

/**
 * head + marker + tail, cut on UTF-8 boundaries so neither side ends or starts with a broken
 * character; `dropped` is how many bytes lay between them.
 */
export function joinCapped(head: Buffer, tail: Buffer, dropped: number): string {
  const h = head.subarray(0, utf8CompleteEnd(head, head.length));
  const tailStart = utf8Start(tail);
  const cut = dropped + (head.length - h.length) + tailStart;
  return h.toString('utf8') + truncationMarker(cut) + tail.subarray(tailStart).toString('utf8');
}

/** Caps a string in one go (head+tail by bytes), for files an agent wrote. */
export function capText(text: string, maxBytes: number, headBytes = Math.floor(maxBytes / 4)): CappedOutput {
  const cap = new OutputCap({ headBytes, tailBytes: maxBytes - headBytes });
  cap.write(text);
  return cap.result();
}

/** The last `maxBytes` of a string, starting on a character boundary. */
export function tailText(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  const tail = buf.subarray(buf.length - maxBytes);
  return tail.subarray(utf8Start(tail)).toString('utf8');
}

/** Index of the first byte that is not a UTF-8 continuation byte (at most 3 skipped). */
function utf8Start(buf: Buffer): number {
  let i = 0;
  while (i < Math.min(3, buf.length) && (buf[i] & 0xc0) === 0x80) i++;
  return i;
}

/** Length of `buf[0..len)` without a trailing incomplete UTF-8 sequence. */
function utf8CompleteEnd(buf: Buffer, len: number): number {
  for (let back = 1; back <= Math.min(4, len); back++) {
    const b = buf[len - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
/** Terminal colour and cursor codes removed (CI=true does not stop every tool from printing them). */
export const stripAnsi = (s: string): string => s.replace(ANSI, '');
