/**
 * The shape of switchyard.config.yaml. Loading, path resolution and error reporting live in
 * worker/config.ts; this file only says what is valid.
 */
import { z } from 'zod';
import { NOTICE_KINDS } from '../workflows/api/index.js';
import {
  MAX_NAME_LENGTH,
  NAME_RE,
  refProblem,
  repoLocationProblem,
  sshHostProblem,
  sshPathProblem,
  sshUserProblem,
  platformUrlProblem,
} from '../workflows/grammar.js';
import { PLACEHOLDERS, unknownPlaceholders } from './placeholders.js';
import { parseDuration } from '../workflows/duration.js';

/** The staging activity's retry policy (12 attempts) leaves room for these plus lost workers. */
export const MAX_SSH_RETRIES = 10;

const argv = z.array(z.string().min(1)).min(1, 'an argv array with at least the program, e.g. ["npm", "test"]');
/** Repo, staging, provider and account names (they end up in search attributes and workflow ids). */
const name = z
  .string()
  .regex(NAME_RE, 'letters, digits, ".", "_" or "-"')
  .max(MAX_NAME_LENGTH, `at most ${MAX_NAME_LENGTH} characters`);

/** Non-empty text checked by a grammar rule (workflows/grammar.ts: a problem text or undefined). */
const grammar = (problem: (value: string) => string | undefined) =>
  z
    .string()
    .min(1)
    .superRefine((value, ctx) => {
      const why = value === '' ? undefined : problem(value);
      if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
    });
/** "7d", "12h", "30m", "45s", "250ms" or a number of seconds. */
export const durationSchema = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as "45s", "30m", "12h" or "7d"'),
]);

export const repoSchema = z.strictObject({
  /** A git URL or a local path (relative to the config file). */
  url: grammar((url) => repoLocationProblem(url, { allowRelative: true })),
  base: grammar(refProblem).default('main'),
  testCommand: argv.optional(),
  // The testing activity's own limit is 6 h; the runner must time out (TIMEOUT) well before it.
  testTimeoutSec: z
    .number()
    .positive()
    .max(5 * 3600)
    .default(600),
  /** One task at a time from development through deploy-staging. */
  serial: z.boolean().default(true),
  /** Default staging target for tasks on this repo. */
  staging: name.optional(),
  /** Names of worker environment variables the command may see (e.g. DATABASE_URL); values stay out of config. */
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
});

/** Worker variables the command may see (e.g. DATABASE_URL), by name; values stay out of config. */
const envNames = z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]);
const stagingTimeoutSec = z.number().positive().max(5400).default(600);

export const localStagingSchema = z.strictObject({
  transport: z.literal('local'),
  /** Run in a worktree at the tested commit; exit 0 = staging check passed. */
  command: argv,
  timeoutSec: stagingTimeoutSec,
  env: envNames,
});

/** A word of an ssh target's command: placeholders must be known ones. */
const remoteWord = z
  .string()
  .min(1)
  .superRefine((word, ctx) => {
    const unknown = unknownPlaceholders(word);
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')} (known: ${PLACEHOLDERS.map((n) => `{${n}}`).join(', ')})`,
      });
    }
  });

/**
 * The check runs on the host over the system ssh client. The host keeps its own environment and
 * secrets; host keys are pinned in `knownHostsFile`, never learned.
 */
export const sshStagingSchema = z.strictObject({
  transport: z.literal('ssh'),
  host: grammar(sshHostProblem),
  port: z.number().int().min(1).max(65535).default(22),
  user: grammar(sshUserProblem),
  /** Private key (relative to the config file). */
  identityFile: grammar(sshPathProblem),
  /** The host's pinned key(s), in known_hosts format (relative to the config file). */
  knownHostsFile: grammar(sshPathProblem),
  command: z.array(remoteWord).min(1, 'an argv array with at least the program, e.g. ["deploy", "{commit}"]'),
  timeoutSec: stagingTimeoutSec,
  connectTimeoutSec: z.number().int().positive().max(120).default(10),
  /** Retries of a connection that failed on the way (refused, timed out, reset) before the task holds. */
  retries: z.number().int().min(0).max(MAX_SSH_RETRIES).default(3),
  env: z.never({ error: 'an ssh target takes no env: the host keeps its own environment and secrets' }).optional(),
});

/** `transport` defaults to local, as before ssh existed. */
export const stagingSchema = z.preprocess(
  (v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && !('transport' in v) ? { ...v, transport: 'local' } : v,
  z.discriminatedUnion('transport', [localStagingSchema, sshStagingSchema]),
);

export const commandProviderSchema = z.strictObject({
  kind: z.literal('command'),
  /** Run in the worktree with the prompt on stdin and in $SWITCHYARD_PROMPT_FILE. */
  command: argv,
  timeoutSec: z
    .number()
    .positive()
    .max(5 * 3600)
    .default(3600),
  /** Names of environment variables passed through from the worker to the agent. */
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/**
 * One seat or key the operator is entitled to use. `env` maps variables the CLI reads to values:
 * a directory (CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_CLI_HOME) or, for secrets, `$NAME` — the
 * name of a worker environment variable whose value is passed (never written in config).
 */
export const accountSchema = z.strictObject({
  name,
  env: z.record(envName, z.string()).default({}),
});

/** USD per million tokens, for CLIs that report tokens but no cost. */
export const pricesSchema = z.strictObject({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  cachedInputPerMTok: z.number().nonnegative().optional(),
});

const agentCliFields = {
  /** The CLI to run (default: its usual name on PATH). */
  binary: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  extraArgs: z.array(z.string()).default([]),
  timeoutSec: z
    .number()
    .positive()
    .max(5 * 3600)
    .default(3600),
  /** Names of environment variables passed through from the worker to the agent. */
  env: z.array(envName).default([]),
  /** Separate seats or keys; failover moves to the next one that is not cooling down. */
  accounts: z.array(accountSchema).default([]),
  prices: pricesSchema.optional(),
  /** Another provider to use when every account is cooling down, if the task's routing allows it. */
  fallback: name.optional(),
};

/**
 * Only Claude Code has a turn limit flag (--max-turns). Codex, Gemini CLI and Aider have none, so
 * `maxTurns` there is refused by name rather than dropped without a word.
 */
const noTurnLimit = (cli: string) =>
  z
    .unknown()
    .optional()
    .superRefine((v, ctx) => {
      if (v !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `${cli} has no turn limit that Switchyard can set; only claude-code providers take maxTurns`,
        });
    })
    .transform(() => undefined);

export const claudeProviderSchema = z.strictObject({
  kind: z.literal('claude-code'),
  ...agentCliFields,
  maxTurns: z.number().int().positive().optional(),
});
export const codexProviderSchema = z.strictObject({
  kind: z.literal('codex'),
  ...agentCliFields,
  maxTurns: noTurnLimit('Codex'),
});
export const geminiProviderSchema = z.strictObject({
  kind: z.literal('gemini'),
  ...agentCliFields,
  maxTurns: noTurnLimit('Gemini CLI'),
});
export const aiderProviderSchema = z.strictObject({
  kind: z.literal('aider'),
  ...agentCliFields,
  maxTurns: noTurnLimit('Aider'),
});

/** An agent the job platform runs (docs/architecture.md §8): the worker submits the stage and awaits the job. */
export const delegatedProviderSchema = z.strictObject({
  kind: z.literal('delegated'),
  /** What the platform runs it on: gpu, claude-api, gemini, ... */
  target: name,
  /** For a platform that reports tokens but no cost. */
  prices: pricesSchema.optional(),
});

export const providerSchema = z.discriminatedUnion('kind', [
  commandProviderSchema,
  claudeProviderSchema,
  codexProviderSchema,
  geminiProviderSchema,
  aiderProviderSchema,
  delegatedProviderSchema,
]);

const SECONDS = 'must be more than 0 seconds';

/** The remote job platform. Opt-in: without this block nothing is delegated. */
export const delegationSchema = z.strictObject({
  url: grammar(platformUrlProblem),
  /** The worker variable holding the bearer token; the token itself never appears in config. */
  tokenEnv: envName,
  pollIntervalSec: z.number().positive(SECONDS).max(300).default(5),
  /** How long a job may take, from its submission, before the stage gives up on it (and cancels it). */
  timeoutSec: z
    .number()
    .int()
    .positive(SECONDS)
    .max(24 * 3600)
    .default(3600),
  /** One HTTP request's limit; a slower answer is retried like a 5xx. */
  requestTimeoutSec: z.number().positive(SECONDS).max(120).default(30),
  /** When the platform cannot be reached to submit, run the stage on the local default instead of holding. */
  fallbackToLocal: z.boolean().default(false),
});

/** An incoming webhook (Slack, Mattermost, Teams, or your own receiver). */
export const webhookSchema = z
  .strictObject({
    name,
    /** The endpoint; or `urlEnv`, the worker variable holding it, when the URL is itself a secret (Slack's are). */
    url: grammar(platformUrlProblem).optional(),
    urlEnv: envName.optional(),
    /** The worker variable holding the HMAC secret; with it every delivery is signed. */
    secretEnv: envName.optional(),
    events: z
      .array(z.enum(NOTICE_KINDS))
      .min(1)
      .default([...NOTICE_KINDS]),
    timeoutSec: z.number().positive(SECONDS).max(60).default(10),
  })
  .superRefine((w, ctx) => {
    if ((w.url === undefined) === (w.urlEnv === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of url and urlEnv' });
    }
  });

export const notificationsSchema = z.strictObject({
  /** The Temporal Web UI's base URL, for the link in every notice (e.g. http://localhost:8233). */
  webUi: grammar(platformUrlProblem).optional(),
  webhooks: z.array(webhookSchema).default([]),
});

const listen = z.strictObject({
  port: z.number().int().min(0).max(65535),
  /** An IP address (the SDK's exporter takes no host names); 127.0.0.1 by default: expose it deliberately. */
  host: z
    .string()
    .regex(/^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*)$/, 'an IP address, e.g. 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
});

/** How one worker process runs (`switchyard worker`). */
export const workerSchema = z.strictObject({
  /** Agents, test runs and staging checks at once (they are heavy). */
  maxConcurrentActivities: z.number().int().min(1).max(256).default(8),
  /** Workflows kept in memory; a parked task beyond this is evicted and replayed on its next signal. */
  maxCachedWorkflows: z.number().int().min(0).max(100_000).default(50),
  /** On SIGTERM: how long running activities get to finish before they are cancelled (and their processes killed). */
  shutdownGraceSec: z.number().positive(SECONDS).max(3600).default(30),
  /** Prometheus metrics (the SDK's and Switchyard's) at http://host:port/metrics. */
  metrics: listen.optional(),
  /** GET /healthz: 200 when Temporal and the store answer, 503 naming what does not. */
  health: listen.optional(),
});

const complexityMap = z.strictObject({ low: name.optional(), medium: name.optional(), high: name.optional() });

export const configSchema = z
  .strictObject({
    /** Where the dev server, store and caches keep their files (relative to the config file). */
    dataDir: z.string().min(1).default('.switchyard'),
    repos: z.record(name, repoSchema).default({}),
    staging: z.record(name, stagingSchema).default({}),
    providers: z.record(name, providerSchema).default({}),
    routing: z
      .strictObject({
        default: name.optional(),
        /** Which provider `preferred_ai: auto` takes for each complexity_hint (absent hint: medium). */
        auto: complexityMap.optional(),
      })
      .optional(),
    delegation: delegationSchema.optional(),
    notifications: notificationsSchema.optional(),
    worker: workerSchema.prefault({}),
    pipeline: z
      .strictObject({
        maxDevAttempts: z.number().int().positive().default(3),
        waitTimeout: durationSchema.default('7d'),
        reminderEvery: durationSchema.default('1d'),
        /** The task queue agent activities (analyst, developer, delegated jobs) go to: workers of their own. */
        agentTaskQueue: name.optional(),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const providers = Object.keys(cfg.providers);
    if (cfg.routing?.default !== undefined && !cfg.providers[cfg.routing.default]) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing', 'default'],
        message: `no provider named "${cfg.routing.default}" (providers: ${providers.join(', ') || 'none'})`,
      });
    }
    const hooks = cfg.notifications?.webhooks ?? [];
    hooks.forEach((w, i) => {
      if (hooks.findIndex((o) => o.name === w.name) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['notifications', 'webhooks', i, 'name'],
          message: `another webhook is named "${w.name}"`,
        });
      }
    });
    for (const [hint, provider] of Object.entries(cfg.routing?.auto ?? {})) {
      if (provider !== undefined && !cfg.providers[provider]) {
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'auto', hint],
          message: `no provider named "${provider}" (providers: ${providers.join(', ') || 'none'})`,
        });
      }
    }
    // Each reminder is history; each wait must leave a person time to answer.
    for (const key of ['waitTimeout', 'reminderEvery'] as const) {
      if (parseDuration(cfg.pipeline[key]) < 60_000) {
        ctx.addIssue({ code: 'custom', path: ['pipeline', key], message: 'must be at least 1 minute ("1m")' });
      }
    }
    for (const [providerName, provider] of Object.entries(cfg.providers)) {
      if (provider.kind === 'command' || provider.kind === 'delegated' || !provider.fallback) continue;
      if (!cfg.providers[provider.fallback] || provider.fallback === providerName) {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', providerName, 'fallback'],
          message: `no other provider named "${provider.fallback}"`,
        });
      } else if (cfg.providers[provider.fallback].kind === 'delegated') {
        ctx.addIssue({
          code: 'custom',
          path: ['providers', providerName, 'fallback'],
          message: `"${provider.fallback}" is delegated; a fallback stands in on this worker, so it must be a local provider`,
        });
      }
    }
    for (const [repoName, repo] of Object.entries(cfg.repos)) {
      if (repo.staging && !cfg.staging[repo.staging]) {
        ctx.addIssue({
          code: 'custom',
          path: ['repos', repoName, 'staging'],
          message: `no staging target named "${repo.staging}"`,
        });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;
export type RepoConfig = z.infer<typeof repoSchema>;
export type StagingConfig = z.infer<typeof stagingSchema>;
export type SshStagingConfig = z.infer<typeof sshStagingSchema>;
export type ProviderConfig = z.infer<typeof providerSchema>;
export type CommandProviderConfig = z.infer<typeof commandProviderSchema>;
export type DelegatedProviderConfig = z.infer<typeof delegatedProviderSchema>;
export type DelegationConfig = z.infer<typeof delegationSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;
/** A provider the worker runs itself (an agent CLI or a command). */
export type LocalProviderConfig = Exclude<ProviderConfig, DelegatedProviderConfig>;
export type AgentCliProviderConfig = Exclude<LocalProviderConfig, CommandProviderConfig>;
export type AgentCliKind = AgentCliProviderConfig['kind'];
export type AccountConfig = z.infer<typeof accountSchema>;
export type PricesConfig = z.infer<typeof pricesSchema>;
