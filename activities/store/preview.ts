/** Short previews of stored artifacts: what workflow state and `status` carry instead of the content. */
import { cutText } from '../../workflows/preview.js';

export const PREVIEW_MAX_BYTES = 4096;
const HEAD_BYTES = 1024;

export interface Preview {
  preview: string;
  truncated: boolean;
}

export function isTextContentType(contentType: string): boolean {
  return /^text\//i.test(contentType) || /^application\/([\w.+-]*\+)?json\b/i.test(contentType);
}

/**
 * The whole text when it fits in 4 KB of UTF-8, else its head and tail around a marker giving the
 * number of bytes left out, the marker within the 4 KB. The tail is the larger part: the end of a
 * log is where failures are.
 */
export function textPreview(content: Buffer): Preview {
  const { text, truncated } = cutText(clean(content.toString('utf8')), {
    max: PREVIEW_MAX_BYTES,
    unit: 'bytes',
    head: HEAD_BYTES,
    markerInBudget: true,
    label: 'bytes omitted',
  });
  return { preview: text, truncated };
}

export function binaryPreview(size: number, contentType: string): Preview {
  return { preview: `[binary content, ${size} bytes, ${contentType}]`, truncated: size > 0 };
}

// Postgres text cannot hold NUL; '?' keeps the byte count.
const clean = (s: string): string => s.replace(/\0/g, '?');
