import { describe, expect, it } from 'vitest';
import {
  BUILTIN_AI_NAMES,
  fallbackAllowed,
  preferredAiProblem,
  route,
  RoutingError,
  type RoutableProviders,
} from '../../client/routing.js';

const providers: RoutableProviders = {
  scripted: { kind: 'command' },
  'claude-code': { kind: 'command' },
  codex: { kind: 'command' },
  gpu: { kind: 'delegation', delegated: true },
  'gemini-cloud': { kind: 'gemini', delegated: true },
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

describe('route', () => {
  it.each(table)('%s', (_name, task, expected) => {
    const decision = route({ allowDelegation: false, needsClaudeCode: false, ...task }, providers, 'scripted');
    expect(decision.provider).toBe(expected.provider);
    expect(decision.mode).toBe(expected.mode);
    expect(decision.reason).toMatch(expected.reason);
  });

  const base = { allowDelegation: false, needsClaudeCode: false };

  it('finds claude-code by kind when no provider has that name', () => {
    const d = route({ ...base, needsClaudeCode: true }, { a: { kind: 'command' }, cc: { kind: 'claude-code' } }, 'a');
    expect(d).toEqual({
      provider: 'cc',
      mode: 'local',
      reason: 'needs_claude_code is set, so it runs on the local provider "cc" (claude-code).',
    });
  });

  it('falls back to the default, saying so, when claude-code is not configured', () => {
    const d = route({ ...base, needsClaudeCode: true }, { a: { kind: 'command' } }, 'a');
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
      { a: { kind: 'command' }, 'claude-code': { kind: 'x', delegated: true } },
      'a',
    );
    expect(d.provider).toBe('a');
    expect(d.reason).toMatch(/no claude-code provider is configured/);
  });

  it('without routing.default uses the only or the first local provider', () => {
    expect(route(base, { solo: { kind: 'command' } }, undefined).reason).toBe(
      'No preferred_ai, so it runs on the only local provider "solo".',
    );
    const d = route(base, { one: { kind: 'command' }, two: { kind: 'command' } }, undefined);
    expect(d.provider).toBe('one');
    expect(d.reason).toMatch(/first local provider "one" \(no routing\.default\)/);
  });

  it('does not pick a delegated default for a local decision', () => {
    const d = route(base, { gpu: { kind: 'x', delegated: true }, local: { kind: 'command' } }, 'gpu');
    expect(d).toMatchObject({ provider: 'local', mode: 'local' });
    expect(d.reason).toMatch(/routing\.default "gpu" is not a local provider/);
  });

  it('allow_delegation alone delegates nothing, even when the only other provider is delegated', () => {
    const d = route(
      { ...base, allowDelegation: true },
      { gpu: { kind: 'x', delegated: true }, local: { kind: 'command' } },
      undefined,
    );
    expect(d).toEqual({
      provider: 'local',
      mode: 'local',
      reason: 'No preferred_ai, so it runs on the only local provider "local".',
    });
  });

  it('auto with permission but no delegated target falls back to local', () => {
    const d = route({ ...base, preferredAi: 'auto', allowDelegation: true }, { a: { kind: 'command' } }, 'a');
    expect(d).toMatchObject({ provider: 'a', mode: 'local' });
    expect(d.reason).toMatch(/no delegated target is configured/);
  });

  it('throws a RoutingError when no provider is configured', () => {
    expect(() => route(base, {}, undefined)).toThrow(RoutingError);
    expect(() => route(base, {}, undefined)).toThrow(/no agent provider is configured/);
  });

  it('throws when a local run is needed but every provider is delegated', () => {
    expect(() => route(base, { gpu: { kind: 'x', delegated: true } }, undefined)).toThrow(/no local provider/);
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
    'gemini-cloud': { kind: 'gemini', delegated: true },
  };

  it.each(['auto', 'scripted', 'codex-team', 'codex', 'gemini', 'gemini-cloud'])('accepts %s', (name) => {
    expect(preferredAiProblem(name, configured)).toBeUndefined();
  });

  it('refuses a builtin name nothing is configured for, listing what is', () => {
    for (const name of ['claude-code', 'aider', 'gpu', 'claude-api']) {
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
    const d = route(base, { one: { kind: 'command' } }, 'missing');
    expect(d).toEqual({
      provider: 'one',
      mode: 'local',
      reason:
        'No preferred_ai, so it runs on the only local provider "one" (routing.default "missing" is not a local provider).',
    });
  });

  it('labels a provider by its name alone when the name is its kind, else with the kind', () => {
    expect(route(base, { codex: { kind: 'codex' } }, 'codex').reason).toBe(
      'No preferred_ai, so it runs on the default provider "codex".',
    );
    expect(route(base, { team: { kind: 'codex' } }, 'team').reason).toBe(
      'No preferred_ai, so it runs on the default provider "team" (codex).',
    );
  });

  it('says what is configured when every provider is delegated', () => {
    expect(() => route(base, { gpu: { kind: 'x', delegated: true } }, undefined)).toThrow(
      /there is no local provider to run it \(configured: gpu, all delegated\)$/,
    );
  });

  it('auto is never taken for a local provider’s name', () => {
    const d = route(
      { ...base, preferredAi: 'auto', allowDelegation: true },
      { auto: { kind: 'command' }, gpu: { kind: 'x', delegated: true } },
      'auto',
    );
    expect(d).toMatchObject({ provider: 'gpu', mode: 'delegated' });
  });
});
