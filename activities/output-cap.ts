/**
 * Streaming head+tail cap for process output: memory stays bounded however much a command
 * prints, the total is still counted, and the result keeps the start (what ran) and the end
 * (the summary and the failure) with a marker in between. Texts already in memory are cut with
 * workflows/preview.ts, whose rule (character boundaries, marker) this applies to bytes.
 */
import { BYTES_TRUNCATED, joinEnds, utf8CompleteEnd, utf8Start } from '../workflows/preview.js';

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
  const h = head.subarray(0, utf8CompleteEnd(head));
  const tailStart = utf8Start(tail);
  const cut = dropped + (head.length - h.length) + tailStart;
  return joinEnds(h.toString('utf8'), cut, tail.subarray(tailStart).toString('utf8'), BYTES_TRUNCATED);
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
/** Terminal colour and cursor codes removed (CI=true does not stop every tool from printing them). */
export const stripAnsi = (s: string): string => s.replace(ANSI, '');
