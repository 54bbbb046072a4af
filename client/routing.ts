/**
 * Who runs a task's agent stages (docs/architecture.md §8). Pure: the client decides at submit time (and for
 * `switchyard route`); the decision and its reason travel in the task's input to `status` and the Web UI.
 */
import type { TaskSpec } from '../workflows/api/index.js';

export interface RouteDecision {
  provider: string;
  mode: 'local' | 'delegated';
  reason: string;
}

/** A provider as routing sees it: `kind: delegated` ones run on the job platform as their `target`. */
export type RoutableProviders = Record<string, { kind: string; target?: string }>;

export const CLAUDE_CODE = 'claude-code';
export const AUTO = 'auto';
export const DELEGATED = 'delegated';
export const COMPLEXITY_HINTS = ['low', 'medium', 'high'] as const;
export type ComplexityHint = (typeof COMPLEXITY_HINTS)[number];

export interface RouteOptions {
  /** routing.default */
  default?: string;
  /** routing.auto: which provider `preferred_ai: auto` takes for each complexity_hint (absent hint: medium). */
  auto?: Partial<Record<ComplexityHint, string>>;
  /** Whether the config has a `delegation:` block; without one nothing is delegated. */
  delegation: boolean;
}

/** The task fields routing reads, as a task file may (mis)type them: only `true` is true. */
export type RoutableTask = Partial<
  Record<'preferredAi' | 'allowDelegation' | 'needsClaudeCode' | 'complexityHint', unknown>
>;

/** Thrown when the config offers nothing that could run the task. */
export class RoutingError extends Error {
  override name = 'RoutingError';
}

/**
 * needs_claude_code > preferred_ai: claude-code > allow_delegation: false (the default) > preferred_ai naming a
 * delegated provider > preferred_ai: auto (routing.auto by complexity_hint) > anything else → the local default.
 */
export function route(task: RoutableTask, providers: RoutableProviders, options: RouteOptions): RouteDecision {
  const names = Object.keys(providers);
  if (names.length === 0) {
    throw new RoutingError('no agent provider is configured; add one under "providers:" in the config');
  }
  const isLocal = (name: string): boolean => providers[name]?.kind !== DELEGATED;
  const locals = names.filter(isLocal);
  const delegated = names.filter((n) => !isLocal(n));
  // Fail safe: a value of the wrong type asks for nothing.
  const preferred = typeof task.preferredAi === 'string' && task.preferredAi !== '' ? task.preferredAi : undefined;
  const allowDelegation = task.allowDelegation === true;
  const hint = (COMPLEXITY_HINTS as readonly unknown[]).includes(task.complexityHint)
    ? (task.complexityHint as ComplexityHint)
    : undefined;
  const defaultProvider = options.default;

  // Exact name first, then the first provider of that kind (local) or target (delegated).
  const find = (want: string, local: boolean): string | undefined => {
    if (local) return locals.includes(want) ? want : locals.find((n) => providers[n].kind === want);
    return delegated.includes(want) ? want : delegated.find((n) => providers[n].target === want);
  };
  const label = (name: string): string => {
    const p = providers[name];
    if (p.kind === DELEGATED) return p.target && p.target !== name ? `"${name}" (${p.target})` : `"${name}"`;
    return p.kind === name || p.kind === 'command' ? `"${name}"` : `"${name}" (${p.kind})`;
  };

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
  const delegate = (provider: string, why: string): RouteDecision => {
    if (!options.delegation) {
      return fallback(`${why} but the config has no delegation: block (delegation is off), so it `);
    }
    return {
      provider,
      mode: 'delegated',
      reason: `${why} and delegation is allowed: delegated to ${label(provider)}.`,
    };
  };

  // 1 and 2: Claude Code, when asked for by either field.
  const claudeWhy =
    task.needsClaudeCode === true
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
  const target = preferred === AUTO ? undefined : find(preferred, false);

  // 3: delegation not allowed (the default) → local.
  if (!allowDelegation) {
    if (preferred === AUTO) return fallback('preferred_ai is auto but allow_delegation is false, so it ');
    if (target || isDelegatedTargetName(preferred)) {
      return fallback(`preferred_ai "${preferred}" needs delegation, which allow_delegation: false forbids, so it `);
    }
    return fallback(`preferred_ai "${preferred}" matches no configured provider, so it `);
  }

  // 4: the preference names a delegated provider (or its target).
  if (target) return delegate(target, `preferred_ai "${preferred}" is a delegated target`);

  // 5: auto → the provider routing.auto gives the complexity hint, else the first delegated one.
  if (preferred === AUTO) {
    const h = hint ?? 'medium';
    const hintText = hint ? `complexity_hint ${hint}` : 'no complexity_hint (taken as medium)';
    const mapped = options.auto?.[h];
    if (options.auto && mapped === undefined) {
      return fallback(`preferred_ai is auto with ${hintText}, which routing.auto does not map, so it `);
    }
    if (mapped !== undefined && providers[mapped]) {
      if (isLocal(mapped))
        return local(mapped, `preferred_ai is auto and routing.auto maps ${hintText} to ${label(mapped)}.`);
      return delegate(mapped, `preferred_ai is auto and routing.auto maps ${hintText} to it`);
    }
    const first = delegated.includes(AUTO) ? AUTO : delegated[0];
    if (first) return delegate(first, 'preferred_ai is auto');
    return fallback('preferred_ai is auto but no delegated target is configured, so it ');
  }

  // 6: a delegated target name nothing is configured for, or an unknown name → local default, fail safe.
  if (isDelegatedTargetName(preferred)) {
    return fallback(`preferred_ai "${preferred}" is a job-platform target no provider is configured for, so it `);
  }
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
 * provider's name, the kind of one (`codex` for a provider of kind codex), a delegated provider's
 * target, or a job-platform target name (routing runs those locally when it cannot delegate). Checked at submit,
 * so an unknown name is an error instead of a silent run on the default.
 */
export function preferredAiProblem(preferred: string, providers: RoutableProviders): string | undefined {
  if (preferred === AUTO) return undefined;
  const names = Object.keys(providers);
  if (names.includes(preferred)) return undefined;
  const kinds = AGENT_KINDS as readonly string[];
  if (kinds.includes(preferred) && names.some((n) => providers[n].kind === preferred)) return undefined;
  if (names.some((n) => providers[n].kind === DELEGATED && providers[n].target === preferred)) return undefined;
  // Delegation is opt-in and fails safe: a job-platform target runs locally, and the reason says why.
  if (isDelegatedTargetName(preferred)) return undefined;
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
  return !task.needsClaudeCode && (task.preferredAi === undefined || task.preferredAi === AUTO);
}
