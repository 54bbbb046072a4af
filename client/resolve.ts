/**
 * Submit time: a parsed task file plus the config become the workflow's whole input, so nothing
 * the worker later reads from the config can change what an already-running task was promised.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { TaskInput, TaskSpec } from '../workflows/api/index.js';
import { isRemoteUrl, printable, refProblem, repoLocationProblem } from '../workflows/grammar.js';
import { fallbackAllowed, preferredAiProblem, route, RoutingError, type RouteDecision } from './routing.js';
import type { Config } from '../activities/config-schema.js';
import { parseDuration } from '../workflows/duration.js';
import { NO_STAGING, TaskFileError } from './task-file.js';

/** A git URL (https://, ssh://, file://, git@host:path) or a filesystem path, rather than a repo name. */
function looksLikeRepoLocation(repo: string): boolean {
  return isRemoteUrl(repo) || isAbsolute(repo) || repo.startsWith('./') || repo.startsWith('../') || repo === '.';
}

export function resolveTaskInput(task: TaskSpec, config: Config): TaskInput {
  const file = task.sourcePath ?? `task ${task.id}`;
  const issues: string[] = [];

  let repoName = task.repo;
  const repoConfig = Object.hasOwn(config.repos, task.repo) ? config.repos[task.repo] : undefined;
  if (!repoConfig) {
    if (looksLikeRepoLocation(task.repo) || task.repo.startsWith('-')) {
      // A local path is taken relative to the task file, like paths in the config are.
      if (!isRemoteUrl(task.repo) && !isAbsolute(task.repo) && !task.repo.startsWith('-')) {
        repoName = resolve(task.sourcePath ? dirname(task.sourcePath) : process.cwd(), task.repo);
      }
      // The location becomes a git operand as is: the same rule as the worker's (activities/git.ts).
      const why = repoLocationProblem(repoName);
      if (why) issues.push(`repo: ${why}`);
    } else {
      const names = Object.keys(config.repos);
      issues.push(
        `repo: no repo named "${task.repo}" in the config ` +
          `(configured: ${names.length ? names.join(', ') : 'none'}); ` +
          'use one of those, a git URL, or a path starting with / or ./',
      );
    }
  }

  const base = task.base ?? repoConfig?.base ?? 'main';
  const baseWhy = refProblem(base);
  if (baseWhy)
    issues.push(`base: ${baseWhy}${task.base === undefined ? ` (the base of repo ${task.repo} in the config)` : ''}`);

  let staging = task.staging ?? repoConfig?.staging;
  if (task.staging === NO_STAGING && !config.staging[NO_STAGING]) staging = undefined;
  if (staging !== undefined && !config.staging[staging]) {
    const names = Object.keys(config.staging);
    issues.push(
      `staging: no staging target named "${staging}" in the config ` +
        `(configured: ${names.length ? names.join(', ') : 'none'}); use "none" to skip the staging stage`,
    );
  }
  const target = staging !== undefined ? config.staging[staging] : undefined;
  // {repo} is a configured repo's name: a task naming its repo by URL has none to give the host.
  if (target?.transport === 'ssh' && !repoConfig && target.command.some((w) => w.includes('{repo}'))) {
    issues.push(
      `staging: target "${staging}" passes {repo} to the host, which needs a repo from the config; ` +
        `this task names its repo by location ("${printable(task.repo)}")`,
    );
  }

  if (task.preferredAi !== undefined) {
    const why = preferredAiProblem(task.preferredAi, config.providers);
    if (why) issues.push(`preferred_ai: ${why}`);
  }

  let decision: RouteDecision | undefined;
  let localFallback: string | undefined;
  try {
    const options = {
      default: config.routing?.default,
      auto: config.routing?.auto,
      delegation: config.delegation !== undefined,
    };
    decision = route(task, config.providers, options);
    // Chosen now, like the route: the local default a delegated stage falls back to.
    if (decision.mode === 'delegated' && config.delegation?.fallbackToLocal) {
      localFallback = route({}, config.providers, { ...options, delegation: false }).provider;
    }
  } catch (err) {
    if (!(err instanceof RoutingError)) throw err;
    issues.push(`provider: ${err.message}`);
  }

  if (issues.length > 0 || !decision) throw new TaskFileError(issues, file);

  const input: TaskInput = {
    task: { ...task, repo: repoName },
    base,
    maxDevAttempts: task.maxDevAttempts ?? config.pipeline.maxDevAttempts,
    // Ad-hoc (URL / path) repos have no settings, so they get the safe default: one task at a time.
    serial: repoConfig?.serial ?? true,
    provider: decision.provider,
    providerReason: decision.reason,
    // Local is the default: a local task's input stays as it was before delegation existed.
    ...(decision.mode === 'delegated' ? { providerMode: decision.mode } : {}),
    allowFallback: fallbackAllowed(task),
    waitTimeoutMs: parseDuration(config.pipeline.waitTimeout),
    reminderEveryMs: parseDuration(config.pipeline.reminderEvery),
  };
  if (localFallback !== undefined) input.localFallback = localFallback;
  if (config.pipeline.agentTaskQueue !== undefined) input.agentTaskQueue = config.pipeline.agentTaskQueue;
  if (task.budgetUsd !== undefined) input.budgetUsd = task.budgetUsd;
  if (staging !== undefined) input.staging = staging;
  return input;
}
