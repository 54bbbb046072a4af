/** `switchyard inbox <dir>`: watch a folder for task files and submit each once (client/inbox.ts). */
import path from 'node:path';
import type { Command } from 'commander';
import { positiveNumber, withClient, type CliIo, type GlobalOptions } from './common.js';
import { prepareSubmission } from './submit.js';

export function registerInbox(program: Command, io: CliIo): void {
  program
    .command('inbox')
    .description(
      'watch a folder: submit each .md task file once; bad ones go to rejected/, results to done/ or failed/',
    )
    .argument('<dir>', 'the folder to watch (submitted/, rejected/, done/ and failed/ are made inside it)')
    .option('--interval <seconds>', 'how often to look', positiveNumber('--interval'), 2)
    .option('--once', 'one pass, then exit')
    .option('--config <file>', 'config file (default: switchyard.config.yaml or $SWITCHYARD_CONFIG)')
    .action(async (dir: string, opts: { interval: number; once?: boolean; config?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const { requireConfig } = await import('./config-path.js');
      const { loadConfig } = await import('../../worker/config.js');
      const { Inbox } = await import('../inbox.js');
      const { clock } = await import('../output.js');
      const { config } = loadConfig(requireConfig(io, opts.config).path);
      const root = path.resolve(io.cwd, dir);
      await withClient(io, globals, async (client) => {
        const inbox = new Inbox(root, {
          client,
          prepare: (file) => prepareSubmission(io, file, opts.config),
          log: (line) => io.stdout(`${clock()} ${line}\n`),
          webUi: config.notifications?.webUi,
          namespace: client.namespace,
        });
        await inbox.init();
        io.stdout(`watching ${root} for task files (every ${opts.interval} s; stop with Ctrl-C)\n`);
        let stopping = false;
        const stop = () => (stopping = true);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          for (;;) {
            try {
              await inbox.scan();
            } catch (err) {
              // Temporal or the disk having a bad moment: the folders still say where every file is.
              io.stderr(
                `${clock()} inbox pass failed, trying again: ${err instanceof Error ? err.message : String(err)}\n`,
              );
            }
            if (opts.once || stopping) return;
            for (let waited = 0; waited < opts.interval * 1000 && !stopping; waited += 100) {
              await new Promise((r) => setTimeout(r, 100));
            }
            if (stopping) return;
          }
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      });
    });
}
