import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep, REDACTED } from '../../activities/agents/redact.js';
import { redactSecrets } from '../../workflows/redact.js';

const ANTHROPIC = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdef';
const OPENAI = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const GHP = 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const PAT = 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ';
const AWS = 'AKIAIOSFODNN7EXAMPLE';

describe('createRedactor', () => {
  const redact = createRedactor();

  it.each([
    ['an Anthropic key', `key=${ANTHROPIC} end`],
    ['an OpenAI key', `OPENAI_API_KEY=${OPENAI}`],
    ['a GitHub token', `token ${GHP}.`],
    ['a fine-grained GitHub token', `"${PAT}"`],
    ['an AWS access key id', `aws_access_key_id = ${AWS}`],
  ])('masks %s', (_what, text) => {
    const out = redact(text);
    expect(out).toContain(REDACTED);
    for (const secret of [ANTHROPIC, OPENAI, GHP, PAT, AWS]) expect(out).not.toContain(secret);
  });

  it('keeps the text around a key', () => {
    expect(redact(`before ${ANTHROPIC} after`)).toBe(`before ${REDACTED} after`);
  });

  it('masks bearer tokens but keeps the word', () => {
    expect(redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig')).toBe(`Authorization: Bearer ${REDACTED}`);
  });

  it('masks a whole private key block, and an unterminated one to the end', () => {
    const block =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAA\n-----END OPENSSH PRIVATE KEY-----';
    expect(redact(`key:\n${block}\nafter`)).toBe(`key:\n${REDACTED}\nafter`);
    expect(redact('x -----BEGIN RSA PRIVATE KEY-----\nMIIEow')).toBe(`x ${REDACTED}`);
  });

  it('leaves ordinary text alone', () => {
    const text = 'task-1234 risk-assessment sk-short Bearer x ghp_short public key -----BEGIN PUBLIC KEY-----';
    expect(redact(text)).toBe(text);
  });
});

describe('createRedactor with secret values', () => {
  it('masks every occurrence of each value, longest first', () => {
    const redact = createRedactor(['hunter2-password', 'hunter2-password-and-more']);
    expect(redact('a hunter2-password-and-more b hunter2-password c')).toBe(`a ${REDACTED} b ${REDACTED} c`);
  });

  it('masks values in their JSON-escaped form and with regex characters', () => {
    const value = 'p@ss"w\\rd.*+?';
    const redact = createRedactor([value]);
    const line = JSON.stringify({ text: `the secret is ${value}` });
    expect(redact(line)).toBe(JSON.stringify({ text: `the secret is ${REDACTED}` }));
    expect(redact(`raw ${value} raw`)).toBe(`raw ${REDACTED} raw`);
  });

  it('ignores values shorter than 6 characters', () => {
    const redact = createRedactor(['abc', '', 'true1']);
    expect(redact('abc true1')).toBe('abc true1');
  });
});

describe('redactDeep', () => {
  it('redacts every string of a JSON value and keeps its shape', () => {
    const redact = createRedactor(['s3cr3t-value']);
    const value = {
      sessionId: 'abc',
      turns: 3,
      ok: true,
      nothing: null,
      lastTool: `Bash: echo s3cr3t-value`,
      nested: { list: ['s3cr3t-value', 1, { key: ANTHROPIC }] },
    };
    expect(redactDeep(value, redact)).toEqual({
      sessionId: 'abc',
      turns: 3,
      ok: true,
      nothing: null,
      lastTool: `Bash: echo ${REDACTED}`,
      nested: { list: [REDACTED, 1, { key: REDACTED }] },
    });
    expect(value.lastTool).toContain('s3cr3t-value');
  });
});

describe('redactSecrets (the workflow-safe patterns both sides share)', () => {
  it('masks the same key shapes as the activity redactor, in operator text', () => {
    const text = `use ${GHP} or ${OPENAI}; Authorization: Bearer abcdefgh12345678; aws ${AWS}`;
    const out = redactSecrets(text);
    expect(out).toBe(createRedactor()(text));
    expect(out).toBe(`use ${REDACTED} or ${REDACTED}; Authorization: Bearer ${REDACTED}; aws ${REDACTED}`);
  });

  it('masks every key shape alone and next to exact secret values', () => {
    for (const secret of [ANTHROPIC, OPENAI, GHP, PAT, AWS]) {
      expect(redactSecrets(`x ${secret} y`)).toBe(`x ${REDACTED} y`);
      expect(createRedactor(['some-value'])(`x ${secret} y`)).toBe(`x ${REDACTED} y`);
    }
  });

  it('gives the same result on a second pass and leaves ordinary text alone', () => {
    const once = redactSecrets(`a ${GHP} b`);
    expect(redactSecrets(once)).toBe(once);
    expect(redactSecrets('retry with the en-GB locale, see ticket sk-12')).toBe(
      'retry with the en-GB locale, see ticket sk-12',
    );
  });
});

describe('redaction edges (each key shape on its own, the exact mask, non-string input)', () => {
  // 35 characters after "AIza": the shape of a Google API key.
  const GOOGLE = 'AIzaSyA-abcdefghijklmnopqrstuvwxyz_0123';
  const SLACK = 'xoxb-1234567890-abcdefghij';

  it('masks with the literal [REDACTED]', () => {
    expect(REDACTED).toBe('[REDACTED]');
    expect(redactSecrets(`k ${GHP}`)).toBe('k [REDACTED]');
  });

  it('masks a short Anthropic key that the generic sk- shape would miss', () => {
    expect(redactSecrets('key sk-ant-abcd1234 end')).toBe(`key ${REDACTED} end`);
  });

  it('masks a Google API key and a Slack token, and not their look-alikes', () => {
    expect(GOOGLE).toHaveLength(39);
    expect(redactSecrets(`key=${GOOGLE};`)).toBe(`key=${REDACTED};`);
    expect(redactSecrets(`t ${SLACK} t`)).toBe(`t ${REDACTED} t`);
    for (const lookalike of ['AIzaShort', 'xoxb-short', 'xoxz-1234567890-abcdefghij']) {
      expect(redactSecrets(lookalike)).toBe(lookalike);
    }
  });

  it('masks a bearer token after several spaces, keeping them', () => {
    expect(redactSecrets('Authorization: Bearer   abcdefgh12345678')).toBe(`Authorization: Bearer   ${REDACTED}`);
  });

  it('masks the user part of a URL as ***', () => {
    expect(redactSecrets('git clone https://user:tok3n@example.com/r.git')).toBe(
      'git clone https://***@example.com/r.git',
    );
  });

  it('passes a non-string through (payloads from a Temporal client are untyped)', () => {
    for (const v of [undefined, null, 42]) {
      expect(redactSecrets(v as unknown as string)).toBe(v);
      expect(createRedactor(['s3cr3t-value'])(v as unknown as string)).toBe(v);
      expect(createRedactor()(v as unknown as string)).toBe(v);
    }
  });
});

describe('createRedactor values (edges)', () => {
  it('masks nothing but key shapes when given no values', () => {
    const text = 'Stryker was here, and so was a value nobody configured';
    expect(createRedactor()(text)).toBe(text);
  });

  it('masks a value of exactly 6 characters', () => {
    expect(createRedactor(['abc123'])('x abc123 y')).toBe(`x ${REDACTED} y`);
  });

  it('skips values that are not strings (an unset environment variable)', () => {
    const redact = createRedactor([undefined, 12345678, 's3cr3t-value'] as unknown as string[]);
    expect(redact('12345678 s3cr3t-value')).toBe(`12345678 ${REDACTED}`);
  });
});

describe('redactDeep (edges)', () => {
  it('keeps numbers, booleans, null and non-plain objects; walks null-prototype objects', () => {
    const redact = createRedactor(['s3cr3t-value']);
    const date = new Date(0);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { text: 'x s3cr3t-value' });
    const out = redactDeep({ n: 7, b: false, z: null, date, bare, list: [3, true] }, redact);
    expect(out.n).toBe(7);
    expect(out.b).toBe(false);
    expect(out.z).toBeNull();
    expect(out.date).toBe(date);
    expect(out.list).toEqual([3, true]);
    expect(out.bare).toEqual({ text: `x ${REDACTED}` });
    expect(redactDeep(5, redact)).toBe(5);
  });
});
