/**
 * Masks secrets in agent output before anything is stored, heartbeated or returned: the key
 * shapes of workflows/redact.ts (the one pattern set, shared with the workflow's masking of operator
 * input) plus the values of the variables a provider passes through. Redact whole texts where
 * possible: a private key block split into separate lines can only be recognised by its BEGIN line
 * (everything after it on the same text is masked).
 */
import { REDACTED, redactSecrets } from '../../workflows/redact.js';

export { REDACTED };

/** Secret values shorter than this are not masked: they would mask ordinary words. */
export const MIN_SECRET_LENGTH = 6;

export type Redactor = (text: string) => string;

/**
 * A function masking key-shaped strings and every given secret value (exact matches, also in
 * their JSON-escaped form, since agent output is mostly JSON lines).
 */
export function createRedactor(secretValues: readonly string[] = []): Redactor {
  const variants = new Set<string>();
  for (const v of secretValues) {
    if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH) continue;
    variants.add(v);
    const escaped = JSON.stringify(v).slice(1, -1);
    if (escaped !== v) variants.add(escaped);
  }
  // Longest first, so a secret containing another is masked whole.
  const sorted = [...variants].sort((a, b) => b.length - a.length);
  const valuesRe = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;

  return (text: string): string => {
    if (typeof text !== 'string' || text.length === 0) return text;
    return redactSecrets(valuesRe ? text.replace(valuesRe, REDACTED) : text);
  };
}

/** A copy of a JSON-like value with every string (not keys) passed through `redact`. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  return walk(value, redact) as T;
}

function walk(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, redact));
  if (value && typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, redact);
    return out;
  }
  return value;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Key-shaped secrets only: for texts with no provider secrets to know of (test and staging output, task bodies). */
export const redactKeys: Redactor = createRedactor([]);
