/**
 * `switchyard doctor`'s checks: can this machine run what the config describes? Each check is a line —
 * pass, warn, skip or fail — and every failure says how to fix it. Run on a worker host: it checks
 * Temporal and our search attributes, the store and its migrations, every repo (`git ls-remote`), every
 * test and local staging program, every ssh staging target (a BatchMode connect with the pinned key),
 * every agent CLI and account, and the job platform.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import type { Config } from '../activities/config-schema.js';
import { ProcessStartError } from '../activities/errors.js';
import { runProcess } from '../activities/process.js';
import { sshArgv } from '../activities/ssh-command.js';
import { platformMessage } from '../activities/platform-client.js';
import { SEARCH_ATTRIBUTES } from '../workflows/api/index.js';
import { connectionOptions, describeTarget, type TemporalTarget } from '../worker/connection.js';
import { printable } from '../workflows/grammar.js';

export type CheckStatus = 'pass' | 'warn' | 'skip' | 'fail';

export interface Check {
  /** temporal, store, repo, tests, staging, agent, account, delegation */
  area: string;
  status: CheckStatus;
  /** What was checked and what was found. */
  detail: string;
  /** For a failure or a warning: what to do. */
  fix?: string;
}

export { CHECK_AREAS, type CheckArea } from './check-areas.js';

const TIMEOUT_MS = 20_000;

export function formatDoctor(checks: Check[]): { text: string; ok: boolean } {
  const lines = checks.flatMap((c) => [
    `${c.status.toUpperCase().padEnd(4)} ${c.area}: ${c.detail}`,
    ...(c.fix ? [`     fix: ${c.fix}`] : []),
  ]);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push(
    failed
      ? `${failed} of ${checks.length} checks failed: tasks that need them will hold until they are fixed.`
      : `All ${checks.length} checks passed${warned ? ` (${warned} with a warning)` : ''}.`,
  );
  return { text: `${lines.join('\n')}\n`, ok: failed === 0 };
}

/** Where `program` is on `PATH`, if it is an executable file there. */
export function onPath(program: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, program);
    try {
      const st = statSync(candidate);
      if (st.isFile() && st.mode & 0o111) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A command's program: on PATH, or the repo's own (`./gradlew`), which only a checkout has. */
export function programCheck(area: string, what: string, argv: readonly string[], env: NodeJS.ProcessEnv): Check {
  const program = argv[0];
  if (program.includes('/')) {
    if (path.isAbsolute(program)) {
      return existsSync(program)
        ? { area, status: 'pass', detail: `${what}: ${program}` }
        : { area, status: 'fail', detail: `${what}: ${program} does not exist`, fix: `install it at ${program}` };
    }
    return { area, status: 'skip', detail: `${what}: ${program} is the repo's own; it is found when the task runs` };
  }
  const found = onPath(program, env.PATH);
  return found
    ? { area, status: 'pass', detail: `${what}: ${program} is ${found}` }
    : {
        area,
        status: 'fail',
        detail: `${what}: ${program} is not on PATH`,
        fix: `install ${program} on this machine, or give its absolute path in the config`,
      };
}

export async function checkTemporal(target: TemporalTarget): Promise<Check[]> {
  const { namespace } = target;
  const address = describeTarget(target);
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...connectionOptions(target), connectTimeout: 5000 });
    const c = connection;
    const present =
      (await c.withDeadline(Date.now() + 5000, () => c.operatorService.listSearchAttributes({ namespace })))
        .customAttributes ?? {};
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
      const want = encodeSearchAttributeIndexedValueType(type.toUpperCase() as 'KEYWORD' | 'DOUBLE' | 'TEXT');
      if (present[name] === undefined || present[name] === null) missing.push(name);
      else if (present[name] !== want) wrong.push(`${name} (needs ${type})`);
    }
    const reached: Check = { area: 'temporal', status: 'pass', detail: `${address} reachable` };
    if (!missing.length && !wrong.length) {
      return [reached, { area: 'temporal', status: 'pass', detail: 'search attributes registered' }];
    }
    const create = missing
      .map(
        (n) =>
          `temporal operator search-attribute create --namespace ${namespace} --name ${n} --type ${SEARCH_ATTRIBUTES[n]}`,
      )
      .join('; ');
    return [
      reached,
      {
        area: 'temporal',
        status: 'fail',
        detail: [
          missing.length ? `search attributes not registered: ${missing.join(', ')}` : '',
          wrong.length ? `registered with another type: ${wrong.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
        fix: missing.length
          ? `${create} (on Temporal Cloud, add them to the namespace in the Cloud UI or with tcld)`
          : 'use a namespace where these names are free, or remove the conflicting attributes',
      },
    ];
  } catch (err) {
    if (connection && (err as { code?: number }).code === 5 /* NOT_FOUND */) {
      return [
        { area: 'temporal', status: 'pass', detail: `${address} reachable` },
        {
          area: 'temporal',
          status: 'fail',
          detail: `namespace ${namespace} does not exist`,
          fix: '`switchyard setup` creates it (on Temporal Cloud, create it in the Cloud UI or with tcld)',
        },
      ];
    }
    return [
      {
        area: 'temporal',
        status: 'fail',
        detail: `cannot reach ${address}: ${firstLine(err)}`,
        fix:
          'start it (`switchyard start`, or your cluster), or point --address / TEMPORAL_ADDRESS or a temporal.toml ' +
          'profile (--profile / TEMPORAL_PROFILE) at it; for TLS or an API key, set them in the profile or TEMPORAL_TLS_* / TEMPORAL_API_KEY',
      },
    ];
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export async function checkStore(databaseUrl: () => Promise<string>): Promise<Check[]> {
  let url: string;
  try {
    url = await databaseUrl();
  } catch (err) {
    return [
      { area: 'store', status: 'fail', detail: firstLine(err), fix: 'set DATABASE_URL, or run `switchyard start`' },
    ];
  }
  const { createPool } = await import('../activities/store/index.js');
  const { MIGRATIONS_DIR, readMigrations } = await import('../activities/store/migrate.js');
  // Everything up to the last @ is credentials (a password may hold an @ of its own).
  const where = url.replace(/\/\/.*@/, '//***@');
  let pool: ReturnType<typeof createPool> | undefined;
  try {
    pool = createPool(url, { max: 1, connectionTimeoutMs: 5000 });
    await pool.query('SELECT 1');
    const files = await readMigrations(MIGRATIONS_DIR);
    const table = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    const applied = table.rows[0]?.t
      ? new Set(
          (await pool.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) =>
            Number(r.version),
          ),
        )
      : new Set<number>();
    const pending = files.filter((f) => !applied.has(f.version)).map((f) => f.file);
    return [
      { area: 'store', status: 'pass', detail: `${where} reachable` },
      pending.length
        ? {
            area: 'store',
            status: 'fail',
            detail: `not migrated: ${pending.join(', ')} pending`,
            fix: 'start a worker (it applies the migrations before it takes work)',
          }
        : { area: 'store', status: 'pass', detail: `migrated (${files.length} migrations)` },
    ];
  } catch (err) {
    return [
      {
        area: 'store',
        status: 'fail',
        detail: `cannot reach ${where}: ${firstLine(err)}`,
        fix: 'start PostgreSQL, or fix DATABASE_URL',
      },
    ];
  } finally {
    await pool?.end().catch(() => undefined);
  }
}

export async function checkRepos(config: Config, env: NodeJS.ProcessEnv, cwd: string): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [name, repo] of Object.entries(config.repos)) {
    const res = await run(['git', 'ls-remote', '--exit-code', '--', repo.url, `refs/heads/${repo.base}`], {
      cwd,
      // The worker's own GIT_SSH_COMMAND (a deploy key) is what its fetches use: keep it.
      env: { ...env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' },
    });
    const shown = repo.url.replace(/\/\/[^/]*@/, '//***@');
    if (res.ok) checks.push({ area: 'repos', status: 'pass', detail: `${name}: ${shown} has ${repo.base}` });
    else if (res.exitCode === 2) {
      checks.push({
        area: 'repos',
        status: 'fail',
        detail: `${name}: ${shown} has no branch ${repo.base}`,
        fix: `push ${repo.base}, or set repos.${name}.base to the branch tasks start from`,
      });
    } else {
      checks.push({
        area: 'repos',
        status: 'fail',
        detail: `${name}: git ls-remote ${shown} failed: ${res.firstLine}`,
        fix: 'check the URL, and that this machine can read it without a prompt (a key, a credential helper)',
      });
    }
  }
  return checks;
}

export function checkTestCommands(config: Config, env: NodeJS.ProcessEnv): Check[] {
  return Object.entries(config.repos).map(([name, repo]) =>
    repo.testCommand
      ? programCheck('tests', `${name}`, repo.testCommand, env)
      : {
          area: 'tests',
          status: 'warn' as const,
          detail: `${name}: no testCommand`,
          fix: `set repos.${name}.testCommand: tasks on ${name} hold at testing without one`,
        },
  );
}

export async function checkStaging(config: Config, env: NodeJS.ProcessEnv, cwd: string): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [name, target] of Object.entries(config.staging)) {
    if (target.transport === 'local') {
      checks.push(programCheck('staging', name, target.command, env));
      continue;
    }
    const where = `${target.user}@${target.host}:${target.port}`;
    const res = await run(['ssh', ...sshArgv(target, 'exit 0')], {
      cwd,
      env,
      timeoutMs: (target.connectTimeoutSec + 10) * 1000,
    });
    if (res.ok) {
      checks.push({ area: 'staging', status: 'pass', detail: `${name}: ${where} accepts the key; host key pinned` });
      continue;
    }
    const text = res.output;
    const fix = /Host key verification failed|host key is known/i.test(text)
      ? `the host's key is not the one in ${target.knownHostsFile}: compare fingerprints (ssh-keygen -lf) and pin the right one`
      : /Permission denied/i.test(text)
        ? `authorize ${target.identityFile}.pub for ${target.user} on ${target.host}`
        : `check that ${target.host} is up and accepts ssh on port ${target.port}`;
    checks.push({ area: 'staging', status: 'fail', detail: `${name}: ssh ${where} failed: ${res.firstLine}`, fix });
  }
  return checks;
}

/** Account directories (CLAUDE_CONFIG_DIR, CODEX_HOME, …) present; `$NAME` secrets set in this environment. */
export function checkAccounts(config: Config, env: NodeJS.ProcessEnv): Check[] {
  const checks: Check[] = [];
  for (const [provider, p] of Object.entries(config.providers)) {
    if (p.kind === 'command' || p.kind === 'delegated') continue;
    for (const account of p.accounts) {
      for (const [variable, value] of Object.entries(account.env)) {
        const what = `${provider}/${account.name} ${variable}`;
        if (value.startsWith('$')) {
          const name = value.slice(1);
          checks.push(
            env[name]
              ? { area: 'agents', status: 'pass', detail: `${what}: $${name} is set` }
              : {
                  area: 'agents',
                  status: 'fail',
                  detail: `${what}: the worker variable ${name} is not set`,
                  fix: `set ${name} in the worker's environment`,
                },
          );
        } else {
          const isDir = existsSync(value) && statSync(value).isDirectory();
          checks.push(
            isDir
              ? { area: 'agents', status: 'pass', detail: `${what}: ${value}` }
              : {
                  area: 'agents',
                  status: 'fail',
                  detail: `${what}: ${value} is not a directory`,
                  fix: `log that account in once with ${variable}=${value} set, or fix the path`,
                },
          );
        }
      }
    }
  }
  return checks;
}

export async function checkDelegation(config: Config, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const d = config.delegation;
  if (!d) return [];
  const token = env[d.tokenEnv];
  if (!token) {
    return [
      {
        area: 'delegation',
        status: 'fail',
        detail: `${d.tokenEnv} (delegation.tokenEnv) is not set`,
        fix: `set ${d.tokenEnv} to the job platform's token in the worker's environment`,
      },
    ];
  }
  const url = `${d.url.replace(/\/+$/, '')}/jobs/switchyard-doctor`;
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(Math.min(d.requestTimeoutSec, 10) * 1000),
      redirect: 'error',
    });
    const raw = await res.text();
    const text = platformMessage(raw).replaceAll(token, '[REDACTED]');
    if (res.status === 401 || res.status === 403) {
      return [
        {
          area: 'delegation',
          status: 'fail',
          detail: `${d.url} refused the token in ${d.tokenEnv} (${res.status}: ${text.slice(0, 200)})`,
          fix: `put a valid token in ${d.tokenEnv}`,
        },
      ];
    }
    if (res.status >= 500) {
      return [
        {
          area: 'delegation',
          status: 'warn',
          detail: `${d.url} answered ${res.status}`,
          fix: 'the platform is having trouble; delegated stages retry and then hold',
        },
      ];
    }
    // The contract answers an unknown job with 404 and a JSON `error`; anything else is not the platform's base URL.
    const contractLike = res.status === 404 && /^\s*\{/.test(raw) && platformMessage(raw) !== raw.trim();
    if (!res.ok && !contractLike) {
      return [
        {
          area: 'delegation',
          status: 'warn',
          detail: `${d.url} answered ${res.status} without the contract's JSON error`,
          fix: 'check that delegation.url is the job platform’s base URL (GET {url}/jobs/{id} must be its API)',
        },
      ];
    }
    return [{ area: 'delegation', status: 'pass', detail: `${d.url} answers and takes the token in ${d.tokenEnv}` }];
  } catch (err) {
    return [
      {
        area: 'delegation',
        status: 'fail',
        detail: `cannot reach ${d.url}: ${firstLine(err)}`,
        fix: 'check delegation.url and this machine’s network path to it',
      },
    ];
  }
}

async function run(
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ ok: boolean; exitCode: number | null; output: string; firstLine: string }> {
  try {
    const res = await runProcess(argv, { cwd: opts.cwd, env: opts.env, timeoutMs: opts.timeoutMs ?? TIMEOUT_MS });
    const output = res.output.trim();
    const first = res.timedOut
      ? `no answer within ${(opts.timeoutMs ?? TIMEOUT_MS) / 1000} s`
      : printable(output.split('\n').find((l) => l.trim()) ?? `exit ${res.exitCode ?? res.signal}`);
    return { ok: res.exitCode === 0, exitCode: res.exitCode, output, firstLine: first };
  } catch (err) {
    if (err instanceof ProcessStartError) {
      return { ok: false, exitCode: null, output: '', firstLine: `${argv[0]} cannot be started (${err.code})` };
    }
    throw err;
  }
}

function firstLine(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string } };
  const msg = e?.message ?? String(err);
  return printable(`${msg.split('\n')[0]}${e?.cause?.code ? ` (${e.cause.code})` : ''}`);
}
