/**
 * Who runs a task's agent stages (docs/architecture.md §8). Pure: imported by workflow code and by the client
 * at submit time; the decision and its reason are shown in `status` and the Web UI.
 */
import type { TaskSpec } from '../workflows/api/index.js';

export interface RouteDecision {
  provider: string;
  mode: 'local' | 'delegated';
  reason: string;
}

export type RoutableProviders = Record<string, { kind: string; delegated?: boolean }>;

export const CLAUDE_CODE = 'claude-code';
export const AUTO = 'auto';

/** Thrown when the config offers nothing that could run the task. */
export class RoutingError extends Error {
  override name = 'RoutingError';
}

export function route(
  task: Pick<TaskSpec, 'preferredAi' | 'allowDelegation' | 'needsClaudeCode'>,
  providers: RoutableProviders,
  defaultProvider: string | undefined,
): RouteDecision {
  const names = Object.keys(providers);
  if (names.length === 0) {
    throw new RoutingError('no agent provider is configured; add one under "providers:" in the config');
  }
  const isLocal = (name: string): boolean => providers[name]?.delegated !== true;
  const locals = names.filter(isLocal);
  const delegated = names.filter((n) => !isLocal(n));
  const preferred = task.preferredAi;

  // Exact name first, then the first provider of that kind.
  const find = (want: string, local: boolean): string | undefined => {
    const pool = local ? locals : delegated;
    return pool.includes(want) ? want : pool.find((n) => providers[n].kind === want);
  };
  const label = (name: string): string =>
    providers[name].kind === name || providers[name].kind === 'command'
      ? `"${name}"`
      : `"${name}" (${providers[name].kind})`;

  const local = (provider: string, reason: string): RouteDecision => ({ provider, mode: 'local', reason });
  const fallback = (why: string): RouteDecision => {
    if (defaultProvider && providers[defaultProvider] && isLocal(defaultProvider)) {
      return local(defaultProvider, `${why}runs on the default provider ${label(defaultProvider)}.`);
    }
    if (locals.length === 0) {
      throw new RoutingError(
        `${why}there is no local provider to run it (configured: ${names.join(', ')}, all delegated)`,
      );
    }
    const first = locals[0];
    const which = locals.length === 1 ? 'the only local provider' : 'the first local provider';
    const note = defaultProvider
      ? ` (routing.default "${defaultProvider}" is not a local provider)`
      : locals.length > 1
        ? ' (no routing.default)'
        : '';
    return local(first, `${why}runs on ${which} ${label(first)}${note}.`);
  };

  // 1 and 2: Claude Code, when asked for by either field.
  const claudeWhy = task.needsClaudeCode
    ? 'needs_claude_code is set'
    : preferred === CLAUDE_CODE
      ? 'preferred_ai is claude-code'
      : undefined;
  if (claudeWhy) {
    const cc = find(CLAUDE_CODE, true);
    if (cc) return local(cc, `${claudeWhy}, so it runs on the local provider ${label(cc)}.`);
    return fallback(`${claudeWhy} but no claude-code provider is configured, so it `);
  }

  if (preferred === undefined) return fallback('No preferred_ai, so it ');

  // A named local provider wins whether or not delegation is allowed: nothing to delegate.
  const preferredLocal = preferred === AUTO ? undefined : find(preferred, true);
  if (preferredLocal) {
    return local(preferredLocal, `preferred_ai names the local provider ${label(preferredLocal)}.`);
  }

  const target = preferred === AUTO ? (delegated.includes(AUTO) ? AUTO : delegated[0]) : find(preferred, false);

  // 3: delegation not allowed (the default) → local.
  if (!task.allowDelegation) {
    if (preferred === AUTO) return fallback('preferred_ai is auto but allow_delegation is false, so it ');
    if (target || isDelegatedTargetName(preferred)) {
      return fallback(`preferred_ai "${preferred}" needs delegation, which allow_delegation: false forbids, so it `);
    }
    return fallback(`preferred_ai "${preferred}" matches no configured provider, so it `);
  }

  // 4: delegation allowed and the preference names a delegated target.
  if (target) {
    const why = preferred === AUTO ? 'preferred_ai is auto' : `preferred_ai "${preferred}" is a delegated target`;
    return {
      provider: target,
      mode: 'delegated',
      reason: `${why} and delegation is allowed: delegated to ${label(target)}.`,
    };
  }

  // 5: unknown → local default, fail safe.
  if (preferred === AUTO) return fallback('preferred_ai is auto but no delegated target is configured, so it ');
  return fallback(`preferred_ai "${preferred}" matches no configured provider, so it `);
}

/** Names that only make sense on the job platform. */
export const DELEGATED_TARGET_NAMES = ['gpu', 'claude-api'] as const;
/** Agent CLIs a provider may be of (`kind:`); `preferred_ai` may name one to mean "a provider of that kind". */
export const AGENT_KINDS = [CLAUDE_CODE, 'codex', 'gemini', 'aider'] as const;
/** Every name docs/architecture.md §8 gives a meaning to, besides configured provider names. */
export const BUILTIN_AI_NAMES: readonly string[] = [...AGENT_KINDS, ...DELEGATED_TARGET_NAMES, AUTO];

function isDelegatedTargetName(name: string): boolean {
  return (DELEGATED_TARGET_NAMES as readonly string[]).includes(name);
}

/**
 * Why `preferred_ai` names nothing the config can run, or undefined when it is `auto`, a configured
 * provider's name, or the kind of one (`codex` for a provider of kind codex). Checked at submit,
 * so an unknown name is an error instead of a silent run on the default.
 */
export function preferredAiProblem(preferred: string, providers: RoutableProviders): string | undefined {
  if (preferred === AUTO) return undefined;
  const names = Object.keys(providers);
  if (names.includes(preferred)) return undefined;
  const kinds = AGENT_KINDS as readonly string[];
  if (kinds.includes(preferred) && names.some((n) => providers[n].kind === preferred)) return undefined;
  const valid = `${names.length ? names.map((n) => `"${n}"`).join(', ') : 'none'}, or "auto"`;
  if (BUILTIN_AI_NAMES.includes(preferred)) {
    return `"${preferred}" is not configured: no provider has that name or kind (configured providers: ${valid})`;
  }
  return `"${preferred}" is not a configured provider (configured providers: ${valid})`;
}

/**
 * A provider's `fallback` may stand in for it (all its accounts cooling down) only when the task did
 * not ask for a particular agent: no `needs_claude_code`, and `preferred_ai` unset or `auto`.
 */
export function fallbackAllowed(task: Pick<TaskSpec, 'preferredAi' | 'needsClaudeCode'>): boolean {
  return !task.needsClaudeCode && (task.preferredAi === undefined || task.preferredAi === 'auto');
}
