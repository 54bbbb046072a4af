import { describe, expect, it } from 'vitest';
import {
  BUILTIN_AI_NAMES,
  fallbackAllowed,
  preferredAiProblem,
  route,
  RoutingError,
  type RoutableProviders,
  type RouteOptions,
} from '../../client/routing.js';

const providers: RoutableProviders = {
  scripted: { kind: 'command' },
  'claude-code': { kind: 'command' },
  codex: { kind: 'command' },
  gpu: { kind: 'delegated', target: 'gpu' },
  'gemini-cloud': { kind: 'delegated', target: 'gemini' },
};

type Case = [
  string,
  { preferredAi?: string; allowDelegation?: boolean; needsClaudeCode?: boolean },
  { provider: string; mode: 'local' | 'delegated'; reason: RegExp },
];

// docs/architecture.md §8, in precedence order; default provider "scripted".
const table: Case[] = [
  [
    'nothing set → default',
    {},
    { provider: 'scripted', mode: 'local', reason: /No preferred_ai.*default provider "scripted"/ },
  ],
  [
    'needs_claude_code beats preferred_ai and delegation',
    { needsClaudeCode: true, preferredAi: 'gpu', allowDelegation: true },
    {
      provider: 'claude-code',
      mode: 'local',
      reason: /^needs_claude_code is set, so it runs on the local provider "claude-code"\.$/,
    },
  ],
  [
    'needs_claude_code beats a local preferred_ai',
    { needsClaudeCode: true, preferredAi: 'codex' },
    {
      provider: 'claude-code',
      mode: 'local',
      reason: /^needs_claude_code is set, so it runs on the local provider "claude-code"\.$/,
    },
  ],
  [
    'allow_delegation without preferred_ai → local default, never delegated',
    { allowDelegation: true },
    {
      provider: 'scripted',
      mode: 'local',
      reason: /^No preferred_ai, so it runs on the default provider "scripted"\.$/,
    },
  ],
  [
    'preferred_ai claude-code',
    { preferredAi: 'claude-code' },
    { provider: 'claude-code', mode: 'local', reason: /^preferred_ai is claude-code/ },
  ],
  [
    'preferred_ai claude-code even when delegation is allowed',
    { preferredAi: 'claude-code', allowDelegation: true },
    { provider: 'claude-code', mode: 'local', reason: /claude-code/ },
  ],
  [
    'preferred_ai names a local provider',
    { preferredAi: 'codex' },
    { provider: 'codex', mode: 'local', reason: /^preferred_ai names the local provider "codex"\.$/ },
  ],
  [
    'delegated target without permission → local default',
    { preferredAi: 'gpu' },
    {
      provider: 'scripted',
      mode: 'local',
      reason: /preferred_ai "gpu" needs delegation, which allow_delegation: false forbids/,
    },
  ],
  [
    'known delegated name not configured, no permission → local default',
    { preferredAi: 'claude-api' },
    { provider: 'scripted', mode: 'local', reason: /needs delegation/ },
  ],
  [
    'auto without permission → local default',
    { preferredAi: 'auto' },
    { provider: 'scripted', mode: 'local', reason: /preferred_ai is auto but allow_delegation is false/ },
  ],
  [
    'delegated target with permission → delegated',
    { preferredAi: 'gpu', allowDelegation: true },
    {
      provider: 'gpu',
      mode: 'delegated',
      reason: /preferred_ai "gpu" is a delegated target and delegation is allowed/,
    },
  ],
  [
    'delegated by kind (gemini configured as delegated)',
    { preferredAi: 'gemini', allowDelegation: true },
    { provider: 'gemini-cloud', mode: 'delegated', reason: /"gemini-cloud" \(gemini\)/ },
  ],
  [
    'auto with permission → first delegated target',
    { preferredAi: 'auto', allowDelegation: true },
    { provider: 'gpu', mode: 'delegated', reason: /preferred_ai is auto and delegation is allowed/ },
  ],
  [
    'local preference with permission stays local',
    { preferredAi: 'codex', allowDelegation: true },
    { provider: 'codex', mode: 'local', reason: /local provider "codex"/ },
  ],
  [
    'unknown name → local default, fail safe',
    { preferredAi: 'mystery-ai', allowDelegation: true },
    { provider: 'scripted', mode: 'local', reason: /preferred_ai "mystery-ai" matches no configured provider/ },
  ],
  [
    'unknown name without permission → local default',
    { preferredAi: 'mystery-ai' },
    { provider: 'scripted', mode: 'local', reason: /matches no configured provider/ },
  ],
];

/** routing.default as given, delegation configured. */
const on = (dflt?: string): RouteOptions => ({ default: dflt, delegation: true });

describe('route', () => {
  it.each(table)('%s', (_name, task, expected) => {
    const decision = route({ allowDelegation: false, needsClaudeCode: false, ...task }, providers, on('scripted'));
    expect(decision.provider).toBe(expected.provider);
    expect(decision.mode).toBe(expected.mode);
    expect(decision.reason).toMatch(expected.reason);
  });

  const base = { allowDelegation: false, needsClaudeCode: false };

  it('finds claude-code by kind when no provider has that name', () => {
    const d = route(
      { ...base, needsClaudeCode: true },
      { a: { kind: 'command' }, cc: { kind: 'claude-code' } },
      on('a'),
    );
    expect(d).toEqual({
      provider: 'cc',
      mode: 'local',
      reason: 'needs_claude_code is set, so it runs on the local provider "cc" (claude-code).',
    });
  });

  it('falls back to the default, saying so, when claude-code is not configured', () => {
    const d = route({ ...base, needsClaudeCode: true }, { a: { kind: 'command' } }, on('a'));
    expect(d).toEqual({
      provider: 'a',
      mode: 'local',
      reason:
        'needs_claude_code is set but no claude-code provider is configured, so it runs on the default provider "a".',
    });
  });

  it('does not use a delegated claude-code for a local request', () => {
    const d = route(
      { ...base, preferredAi: 'claude-code' },
      { a: { kind: 'command' }, 'claude-code': { kind: 'delegated', target: 'x' } },
      on('a'),
    );
    expect(d.provider).toBe('a');
    expect(d.reason).toMatch(/no claude-code provider is configured/);
  });

  it('without routing.default uses the only or the first local provider', () => {
    expect(route(base, { solo: { kind: 'command' } }, on()).reason).toBe(
      'No preferred_ai, so it runs on the only local provider "solo".',
    );
    const d = route(base, { one: { kind: 'command' }, two: { kind: 'command' } }, on());
    expect(d.provider).toBe('one');
    expect(d.reason).toMatch(/first local provider "one" \(no routing\.default\)/);
  });

  it('does not pick a delegated default for a local decision', () => {
    const d = route(base, { gpu: { kind: 'delegated', target: 'x' }, local: { kind: 'command' } }, on('gpu'));
    expect(d).toMatchObject({ provider: 'local', mode: 'local' });
    expect(d.reason).toMatch(/routing\.default "gpu" is not a local provider/);
  });

  it('allow_delegation alone delegates nothing, even when the only other provider is delegated', () => {
    const d = route(
      { ...base, allowDelegation: true },
      { gpu: { kind: 'delegated', target: 'x' }, local: { kind: 'command' } },
      on(),
    );
    expect(d).toEqual({
      provider: 'local',
      mode: 'local',
      reason: 'No preferred_ai, so it runs on the only local provider "local".',
    });
  });

  it('auto with permission but no delegated target falls back to local', () => {
    const d = route({ ...base, preferredAi: 'auto', allowDelegation: true }, { a: { kind: 'command' } }, on('a'));
    expect(d).toMatchObject({ provider: 'a', mode: 'local' });
    expect(d.reason).toMatch(/no delegated target is configured/);
  });

  it('throws a RoutingError when no provider is configured', () => {
    expect(() => route(base, {}, on())).toThrow(RoutingError);
    expect(() => route(base, {}, on())).toThrow(/no agent provider is configured/);
  });

  it('throws when a local run is needed but every provider is delegated', () => {
    expect(() => route(base, { gpu: { kind: 'delegated', target: 'x' } }, on())).toThrow(/no local provider/);
  });
});

describe('fallbackAllowed', () => {
  it('allows a fallback provider only when the task did not ask for a particular agent', () => {
    expect(fallbackAllowed({ needsClaudeCode: false })).toBe(true);
    expect(fallbackAllowed({ needsClaudeCode: false, preferredAi: 'auto' })).toBe(true);
    expect(fallbackAllowed({ needsClaudeCode: false, preferredAi: 'codex' })).toBe(false);
    expect(fallbackAllowed({ needsClaudeCode: true })).toBe(false);
  });
});

describe('preferredAiProblem', () => {
  const configured: RoutableProviders = {
    scripted: { kind: 'command' },
    'codex-team': { kind: 'codex' },
    'gemini-cloud': { kind: 'delegated', target: 'gemini' },
  };

  it.each(['auto', 'scripted', 'codex-team', 'codex', 'gemini', 'gemini-cloud'])('accepts %s', (name) => {
    expect(preferredAiProblem(name, configured)).toBeUndefined();
  });

  it('accepts a job-platform target with no provider for it: routing runs it locally and says why', () => {
    expect(preferredAiProblem('gpu', configured)).toBeUndefined();
    expect(preferredAiProblem('claude-api', {})).toBeUndefined();
  });

  it('refuses a builtin name nothing is configured for, listing what is', () => {
    for (const name of ['claude-code', 'aider']) {
      expect(BUILTIN_AI_NAMES).toContain(name);
      expect(preferredAiProblem(name, configured)).toBe(
        `"${name}" is not configured: no provider has that name or kind ` +
          '(configured providers: "scripted", "codex-team", "gemini-cloud", or "auto")',
      );
    }
  });

  it('refuses an unknown name, listing what is configured', () => {
    expect(preferredAiProblem('mystery-ai', configured)).toBe(
      '"mystery-ai" is not a configured provider (configured providers: "scripted", "codex-team", "gemini-cloud", or "auto")',
    );
    expect(preferredAiProblem('x', {})).toMatch(/configured providers: none, or "auto"/);
  });

  it('does not take "command" (a kind, not an agent) as a provider', () => {
    expect(preferredAiProblem('command', configured)).toMatch(/not a configured provider/);
  });
});

describe('route (edges)', () => {
  const base = { allowDelegation: false, needsClaudeCode: false };

  it('names its error class', () => {
    expect(new RoutingError('x').name).toBe('RoutingError');
  });

  it('a default provider name the config does not have is not used', () => {
    const d = route(base, { one: { kind: 'command' } }, on('missing'));
    expect(d).toEqual({
      provider: 'one',
      mode: 'local',
      reason:
        'No preferred_ai, so it runs on the only local provider "one" (routing.default "missing" is not a local provider).',
    });
  });

  it('labels a provider by its name alone when the name is its kind, else with the kind', () => {
    expect(route(base, { codex: { kind: 'codex' } }, on('codex')).reason).toBe(
      'No preferred_ai, so it runs on the default provider "codex".',
    );
    expect(route(base, { team: { kind: 'codex' } }, on('team')).reason).toBe(
      'No preferred_ai, so it runs on the default provider "team" (codex).',
    );
  });

  it('says what is configured when every provider is delegated', () => {
    expect(() => route(base, { gpu: { kind: 'delegated', target: 'x' } }, on())).toThrow(
      /there is no local provider to run it \(configured: gpu, all delegated\)$/,
    );
  });

  it('auto is never taken for a local provider’s name', () => {
    const d = route(
      { ...base, preferredAi: 'auto', allowDelegation: true },
      { auto: { kind: 'command' }, gpu: { kind: 'delegated', target: 'x' } },
      on('auto'),
    );
    expect(d).toMatchObject({ provider: 'gpu', mode: 'delegated' });
  });
});

describe('route: every pair of the precedence, and oddly typed values', () => {
  const configured: RoutableProviders = {
    scripted: { kind: 'command' },
    'claude-code': { kind: 'claude-code' },
    codex: { kind: 'codex' },
    gpu: { kind: 'delegated', target: 'gpu' },
    api: { kind: 'delegated', target: 'claude-api' },
  };
  const delegationOn: RouteOptions = { default: 'scripted', delegation: true, auto: { low: 'gpu', high: 'api' } };

  // Only a real `true` counts; strings, numbers and nulls ask for nothing.
  const claudeFlags: [unknown, boolean][] = [
    [true, true],
    [false, false],
    ['true', false],
    [1, false],
    [undefined, false],
  ];
  const allowFlags: [unknown, boolean][] = [
    [true, true],
    [false, false],
    ['true', false],
    ['false', false],
    [1, false],
    [null, false],
    [undefined, false],
  ];
  // preferred_ai → [provider, mode] when delegation is allowed; without permission every delegated row is scripted.
  const preferences: [unknown, string, 'local' | 'delegated'][] = [
    [undefined, 'scripted', 'local'],
    ['claude-code', 'claude-code', 'local'],
    ['codex', 'codex', 'local'],
    ['gpu', 'gpu', 'delegated'],
    ['claude-api', 'api', 'delegated'],
    ['api', 'api', 'delegated'],
    ['auto', 'gpu', 'delegated'], // complexity_hint low
    ['mystery-ai', 'scripted', 'local'],
    [42, 'scripted', 'local'],
    [true, 'scripted', 'local'],
    ['', 'scripted', 'local'],
  ];
  const rows = claudeFlags.flatMap(([needs, needsIsTrue]) =>
    allowFlags.flatMap(([allow, allowIsTrue]) =>
      preferences.map(([preferred, provider, mode]) => {
        const expected =
          needsIsTrue || preferred === 'claude-code'
            ? { provider: 'claude-code', mode: 'local' }
            : mode === 'delegated' && !allowIsTrue
              ? { provider: 'scripted', mode: 'local' }
              : { provider, mode };
        return { needs, allow, preferred, expected };
      }),
    ),
  );

  it.each(rows)('needs_claude_code=$needs allow_delegation=$allow preferred_ai=$preferred', (row) => {
    const d = route(
      { needsClaudeCode: row.needs, allowDelegation: row.allow, preferredAi: row.preferred, complexityHint: 'low' },
      configured,
      delegationOn,
    );
    expect({ provider: d.provider, mode: d.mode }).toEqual(row.expected);
    expect(d.reason.length).toBeGreaterThan(10);
  });

  it('without a delegation block nothing is delegated, and the reason says why', () => {
    for (const preferred of ['gpu', 'claude-api', 'auto']) {
      const d = route({ allowDelegation: true, preferredAi: preferred }, configured, {
        default: 'scripted',
        delegation: false,
      });
      expect(d).toMatchObject({ provider: 'scripted', mode: 'local' });
      expect(d.reason).toMatch(
        /the config has no delegation: block \(delegation is off\), so it runs on the default provider "scripted"/,
      );
    }
  });

  it('a job-platform target nothing is configured for runs locally with the reason', () => {
    const d = route({ allowDelegation: true, preferredAi: 'gpu' }, { scripted: { kind: 'command' } }, on('scripted'));
    expect(d.reason).toBe(
      'preferred_ai "gpu" is a job-platform target no provider is configured for, so it runs on the default provider "scripted".',
    );
  });

  it.each([
    ['low', 'gpu', 'delegated', /routing\.auto maps complexity_hint low to it/],
    ['high', 'api', 'delegated', /complexity_hint high/],
    ['medium', 'scripted', 'local', /complexity_hint medium, which routing\.auto does not map/],
    [undefined, 'scripted', 'local', /no complexity_hint \(taken as medium\)/],
    ['extreme', 'scripted', 'local', /no complexity_hint/],
    [3, 'scripted', 'local', /no complexity_hint/],
  ])('auto with complexity_hint %s → %s', (hint, provider, mode, reason) => {
    const d = route({ allowDelegation: true, preferredAi: 'auto', complexityHint: hint }, configured, delegationOn);
    expect(d).toMatchObject({ provider, mode });
    expect(d.reason).toMatch(reason);
  });

  it('routing.auto may map a hint to a local provider', () => {
    const d = route({ allowDelegation: true, preferredAi: 'auto', complexityHint: 'medium' }, configured, {
      ...delegationOn,
      auto: { medium: 'codex' },
    });
    expect(d).toEqual({
      provider: 'codex',
      mode: 'local',
      reason: 'preferred_ai is auto and routing.auto maps complexity_hint medium to "codex".',
    });
  });

  it('labels a delegated provider with its target when its name differs', () => {
    const d = route({ allowDelegation: true, preferredAi: 'claude-api' }, configured, delegationOn);
    expect(d.reason).toBe(
      'preferred_ai "claude-api" is a delegated target and delegation is allowed: delegated to "api" (claude-api).',
    );
  });
});
