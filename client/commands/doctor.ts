/**
 * `switchyard doctor`: the checks of client/doctor.ts, plus, for every configured agent-CLI provider,
 * `<binary> --version` and whether the contract suite covered that version (worker/agent-clis.ts).
 * Exit 0 when nothing failed (a version outside the tested ones is a warning), 1 when anything did.
 */
import type { Command } from 'commander';
import { CHECK_AREAS, type CheckArea } from '../check-areas.js';
import { UsageError, type CliIo, type CliRun, type GlobalOptions } from './common.js';

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
      const { runDoctor } = await import('./run-doctor.js');
      run.exitCode = await runDoctor(io, areas as CheckArea[], opts.config, cmd.optsWithGlobals<GlobalOptions>());
    });
}
