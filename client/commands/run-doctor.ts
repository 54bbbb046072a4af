/**
 * What `switchyard doctor` runs once its flags are checked (commands/doctor.ts): the checks of
 * client/doctor.ts, and `<binary> --version` for every agent-CLI provider. Loaded only by `doctor`.
 */
import { ADAPTERS } from '../../activities/agents/registry.js';
import { ProcessStartError } from '../../activities/errors.js';
import { runProcess } from '../../activities/process.js';
import { loadConfig } from '../../worker/config.js';
import { parseCliVersion, TESTED_VERSIONS } from '../../worker/agent-clis.js';
import {
  checkAccounts,
  checkDelegation,
  checkRepos,
  checkStaging,
  checkStore,
  checkTemporal,
  checkTestCommands,
  formatDoctor,
  type Check,
  type CheckArea,
} from '../doctor.js';
import { ConnectionSettingsError, resolveTarget } from '../../worker/connection.js';
import { ExitCode, targetFlags, type CliIo, type GlobalOptions } from './common.js';
import { resolveDatabaseUrl } from './database.js';
import { requireConfig } from './config-path.js';

const VERSION_TIMEOUT_MS = 30_000;

export interface CliCheck {
  provider: string;
  kind: string;
  binary: string;
  /** found: ran and printed a version; missing: cannot be started; broken: started but no version. */
  status: 'found' | 'missing' | 'broken';
  version?: string;
  tested: readonly string[];
  detail?: string;
}

export async function checkProviders(io: CliIo, configFlag?: string): Promise<CliCheck[]> {
  const { config } = loadConfig(requireConfig(io, configFlag).path);
  const checks: CliCheck[] = [];
  for (const [name, provider] of Object.entries(config.providers)) {
    // Delegated providers have no CLI on this machine (the job platform runs them).
    if (provider.kind === 'command' || provider.kind === 'delegated') continue;
    const binary = provider.binary ?? ADAPTERS[provider.kind].defaultBinary;
    const tested = TESTED_VERSIONS[provider.kind] ?? [];
    const base = { provider: name, kind: provider.kind, binary, tested };
    try {
      const res = await runProcess([binary, '--version'], {
        cwd: io.cwd,
        env: io.env,
        timeoutMs: VERSION_TIMEOUT_MS,
      });
      const out = res.output.trim();
      const version = res.exitCode === 0 ? parseCliVersion(out) : undefined;
      checks.push(
        version
          ? { ...base, status: 'found', version }
          : {
              ...base,
              status: 'broken',
              detail: res.timedOut
                ? `\`${binary} --version\` did not answer within ${VERSION_TIMEOUT_MS / 1000} s`
                : `\`${binary} --version\` exited ${res.exitCode ?? res.signal}: ${out.split('\n')[0]?.slice(0, 200) ?? ''}`,
            },
      );
    } catch (err) {
      if (!(err instanceof ProcessStartError)) throw err;
      checks.push({ ...base, status: 'missing', detail: `cannot start \`${binary}\` (${err.code})` });
    }
  }
  return checks;
}

/** The agent CLI checks as doctor lines: a version outside the tested ones is a warning. */
export function cliCheckLines(checks: CliCheck[]): Check[] {
  return checks.map((c): Check => {
    const head = `${c.provider} (${c.kind}): ${c.binary}`;
    if (c.status !== 'found') {
      return {
        area: 'agents',
        status: 'fail',
        detail: `${head}: ${c.status.toUpperCase()} — ${c.detail}`,
        fix: `install it on this machine or set providers.${c.provider}.binary in the config`,
      };
    }
    if (!c.tested.length) {
      return {
        area: 'agents',
        status: 'warn',
        detail: `${head}: ${c.version}`,
        fix: `no version of ${c.kind} is covered by the contract suite`,
      };
    }
    if (!c.tested.includes(c.version!)) {
      return {
        area: 'agents',
        status: 'warn',
        detail: `${head}: ${c.version}`,
        fix: `the contract suite covers ${c.tested.join(', ')}; other versions may print events Switchyard does not know`,
      };
    }
    return { area: 'agents', status: 'pass', detail: `${head}: ${c.version} (tested)` };
  });
}

/** Runs the checks of `areas`, prints them, and returns the exit code: 0 when nothing failed. */
export async function runDoctor(
  io: CliIo,
  areas: CheckArea[],
  configFlag: string | undefined,
  globals: GlobalOptions,
): Promise<number> {
  const want = (a: CheckArea) => areas.includes(a);
  const { config } = loadConfig(requireConfig(io, configFlag).path);
  const checks: Check[] = [];
  if (want('temporal')) {
    let target;
    try {
      target = resolveTarget(targetFlags(globals), io.env);
    } catch (err) {
      // A setting that cannot be used is one failed check; the others still run.
      if (!(err instanceof ConnectionSettingsError)) throw err;
      for (const issue of err.issues) {
        checks.push({
          area: 'temporal',
          status: 'fail',
          detail: issue,
          fix: 'see docs/deploy.md, "Temporal Cloud and TLS"',
        });
      }
    }
    if (target) checks.push(...(await checkTemporal(target)));
  }
  if (want('store')) checks.push(...(await checkStore(() => resolveDatabaseUrl(io.env, config.dataDir))));
  if (want('repos')) checks.push(...(await checkRepos(config, io.env, io.cwd)));
  if (want('tests')) checks.push(...checkTestCommands(config, io.env));
  if (want('staging')) checks.push(...(await checkStaging(config, io.env, io.cwd)));
  if (want('agents'))
    checks.push(...cliCheckLines(await checkProviders(io, configFlag)), ...checkAccounts(config, io.env));
  if (want('delegation')) checks.push(...(await checkDelegation(config, io.env)));
  const { text, ok } = formatDoctor(checks);
  (ok ? io.stdout : io.stderr)(text);
  return ok ? ExitCode.ok : ExitCode.failed;
}
