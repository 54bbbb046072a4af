/**
 * The one set of secret shapes Switchyard masks: well-known key formats, bearer tokens and private
 * key blocks. Pure (no I/O, no Node built-ins), so the workflow masks operator input with the same
 * patterns the activities use on agent output (activities/agents/redact.ts adds the exact values a
 * provider was given).
 */

export const REDACTED = '[REDACTED]';

const KEY_PATTERNS: readonly RegExp[] = [
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
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi;

/** `https://user:token@host/…` → `https://***@host/…`: the user part of a URL often is a token. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

/** `text` with every key-shaped string and URL credential masked (the word "Bearer" is kept, its token is not). */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string' || text.length === 0) return text;
  let out = text;
  for (const re of KEY_PATTERNS) out = out.replace(re, REDACTED);
  return redactUrlCredentials(out.replace(BEARER, `$1${REDACTED}`));
}
