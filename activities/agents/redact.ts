/**
 * Masks secrets in agent output before anything is stored, heartbeated or returned: well-known
 * key shapes, bearer tokens, private key blocks, and the values of the variables a provider passes
 * through. Redact whole texts where possible: a private key block split into separate lines can
 * only be recognised by its BEGIN line (everything after it on the same text is masked).
 */

export const REDACTED = '[REDACTED]';

/** Secret values shorter than this are not masked: they would mask ordinary words. */
export const MIN_SECRET_LENGTH = 6;

const KEY_PATTERNS: RegExp[] = [
  // PEM private keys; an unterminated block (truncated output) is masked to the end.
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
];
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

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
    let out = valuesRe ? text.replace(valuesRe, REDACTED) : text;
    for (const re of KEY_PATTERNS) out = out.replace(re, REDACTED);
    out = out.replace(BEARER, `$1${REDACTED}`);
    return out;
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
