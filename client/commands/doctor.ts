/**
 * `switchyard doctor`: the checks of client/doctor.ts, plus, for every configured agent-CLI provider,
 * `<binary> --version` and whether the contract suite covered that version (worker/agent-clis.ts).
 * Exit 0 when nothing failed (a version outside the tested ones is a warning), 1 when anything did.
 */
import type { Command } from 'commander';
import { ADAPTERS } from '../../activities/agents/registry.js';
import { ProcessStartError } from '../../activities/errors.js';
import { runProcess } from '../../activities/process.js';
import { loadConfig } from '../../worker/config.js';
import { parseCliVersion, TESTED_VERSIONS } from '../../worker/agent-clis.js';
import {
  CHECK_AREAS,
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
import { ExitCode, UsageError, targetFlags, type CliIo, type CliRun, type GlobalOptions } from './common.js';
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

export function registerDoctor(program: Command, io: CliIo, run: CliRun): void {
  program
    .command('doctor')
    .description(
      'check that this machine can run what the config describes: Temporal and its search attributes, the store, ' +
        'repos, test and staging commands, ssh targets, agent CLIs and accounts, the job platform',
    )
    .option('--config <file>', 'config file (default: switchyard.config.yaml here or $SWITCHYARD_CONFIG)')
    .option('--check <areas>', `only these, comma-separated: ${CHECK_AREAS.join(', ')} (default: all)`)
    .action(async (opts: { config?: string; check?: string }, cmd: Command) => {
      const areas = opts.check === undefined ? [...CHECK_AREAS] : opts.check.split(',').map((a) => a.trim());
      const unknown = areas.filter((a) => !(CHECK_AREAS as readonly string[]).includes(a));
      if (unknown.length) {
        throw new UsageError(`--check ${unknown.join(', ')}: not a check (checks: ${CHECK_AREAS.join(', ')})`);
      }
      const want = (a: CheckArea) => areas.includes(a);
      const { config } = loadConfig(requireConfig(io, opts.config).path);
      const globals = cmd.optsWithGlobals<GlobalOptions>();
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
        checks.push(...cliCheckLines(await checkProviders(io, opts.config)), ...checkAccounts(config, io.env));
      if (want('delegation')) checks.push(...(await checkDelegation(config, io.env)));
      const { text, ok } = formatDoctor(checks);
      (ok ? io.stdout : io.stderr)(text);
      run.exitCode = ok ? ExitCode.ok : ExitCode.failed;
    });
}
