/** Short previews of stored artifacts: what workflow state and `status` carry instead of the content. */

export const PREVIEW_MAX_BYTES = 4096;
const HEAD_BYTES = 1024;

export interface Preview {
  preview: string;
  truncated: boolean;
}

export function isTextContentType(contentType: string): boolean {
  return /^text\//i.test(contentType) || /^application\/([\w.+-]*\+)?json\b/i.test(contentType);
}

const marker = (omitted: number): string => `\n… [${omitted} bytes omitted] …\n`;

/**
 * The whole text when it fits in 4 KB of UTF-8, else its head and tail around a marker giving the
 * number of bytes left out. The tail is the larger part: the end of a log is where failures are.
 */
export function textPreview(content: Buffer): Preview {
  if (content.length <= PREVIEW_MAX_BYTES) {
    const whole = clean(content.toString('utf8'));
    if (Buffer.byteLength(whole) <= PREVIEW_MAX_BYTES) return { preview: whole, truncated: false };
  }
  const headEnd = charBoundaryBack(content, Math.min(HEAD_BYTES, content.length));
  const head = clean(content.subarray(0, headEnd).toString('utf8'));
  let tailBytes = PREVIEW_MAX_BYTES - Buffer.byteLength(head) - Buffer.byteLength(marker(content.length));
  for (;;) {
    // Invalid UTF-8 decodes to 3-byte U+FFFD, so measure the result and shrink the tail until it fits.
    const tailStart = Math.max(headEnd, charBoundaryForward(content, content.length - Math.max(0, tailBytes)));
    const text = head + marker(tailStart - headEnd) + clean(content.subarray(tailStart).toString('utf8'));
    const excess = Buffer.byteLength(text) - PREVIEW_MAX_BYTES;
    if (excess <= 0) return { preview: text, truncated: true };
    tailBytes -= excess;
  }
}

export function binaryPreview(size: number, contentType: string): Preview {
  return { preview: `[binary content, ${size} bytes, ${contentType}]`, truncated: size > 0 };
}

/** The nearest index ≤ i that does not split a UTF-8 sequence. */
function charBoundaryBack(buf: Buffer, i: number): number {
  while (i > 0 && i < buf.length && (buf[i] & 0xc0) === 0x80) i--;
  return i;
}

function charBoundaryForward(buf: Buffer, i: number): number {
  while (i < buf.length && (buf[i] & 0xc0) === 0x80) i++;
  return i;
}

// Postgres text cannot hold NUL; '?' keeps the byte count.
const clean = (s: string): string => s.replace(/\0/g, '?');
