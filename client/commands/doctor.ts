/**
 * `switchyard doctor`: for every configured agent-CLI provider, runs `<binary> --version` and says
 * whether it is a version the contract suite covered (worker/agent-clis.ts). Exit 0 when every CLI
 * was found (a version outside the tested ones is a warning), 1 when one is missing or broken.
 */
import type { Command } from 'commander';
import { ADAPTERS } from '../../activities/agents/registry.js';
import { ProcessStartError } from '../../activities/errors.js';
import { runProcess } from '../../activities/process.js';
import { loadConfig } from '../../worker/config.js';
import { parseCliVersion, TESTED_VERSIONS } from '../../worker/agent-clis.js';
import { ExitCode, type CliIo, type CliRun } from './common.js';
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

export function formatChecks(checks: CliCheck[]): { text: string; ok: boolean } {
  if (!checks.length) return { text: 'No agent CLI providers are configured.\n', ok: true };
  const lines: string[] = [];
  for (const c of checks) {
    const head = `${c.provider} (${c.kind}): ${c.binary}`;
    if (c.status !== 'found') {
      lines.push(`${head}: ${c.status.toUpperCase()} — ${c.detail}`);
      lines.push(`  install it on this machine or set providers.${c.provider}.binary in the config`);
      continue;
    }
    if (!c.tested.length)
      lines.push(`${head}: ${c.version} (warning: no version of ${c.kind} is covered by the contract suite)`);
    else if (!c.tested.includes(c.version!))
      lines.push(`${head}: ${c.version} (warning: the contract suite covers ${c.tested.join(', ')})`);
    else lines.push(`${head}: ${c.version} (tested)`);
  }
  const ok = checks.every((c) => c.status === 'found');
  if (!ok) lines.push('Some configured agent CLIs are missing or do not work: tasks routed to them will hold.');
  return { text: `${lines.join('\n')}\n`, ok };
}

export function registerDoctor(program: Command, io: CliIo, run: CliRun): void {
  program
    .command('doctor')
    .description('check each configured agent CLI: found, its version, and whether the contract suite covers it')
    .option('--config <file>', 'config file (default: switchyard.config.yaml here or $SWITCHYARD_CONFIG)')
    .action(async (opts: { config?: string }) => {
      const { text, ok } = formatChecks(await checkProviders(io, opts.config));
      (ok ? io.stdout : io.stderr)(text);
      run.exitCode = ok ? ExitCode.ok : ExitCode.failed;
    });
}
