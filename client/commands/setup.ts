/**
 * `switchyard setup`: what a deployment needs once before workers run, done idempotently — the namespace
 * when the cluster has none yet, Switchyard's search attributes in it, and the store's migrations when DATABASE_URL names a store. Run it
 * again at any time: it changes only what is missing. (docker-compose.yml runs it as a one-shot service.)
 */
import type { Command } from 'commander';
import type { Connection } from '@temporalio/client';
import { ExitCode, targetFlags, type CliIo, type CliRun, type GlobalOptions } from './common.js';

/** gRPC status codes the operator API answers with where a client may not change the namespace (Temporal Cloud). */
const NOT_ALLOWED = new Set([7 /* PERMISSION_DENIED */, 12 /* UNIMPLEMENTED */, 16 /* UNAUTHENTICATED */]);

export function registerSetup(program: Command, io: CliIo, run: CliRun): void {
  program
    .command('setup')
    .description("register Switchyard's search attributes in the namespace and migrate the store (idempotent)")
    .action(async (_opts: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const { connectionOptions, describeTarget, resolveTarget } = await import('../../worker/connection.js');
      const { Connection } = await import('@temporalio/client');
      const { SEARCH_ATTRIBUTES } = await import('../../workflows/api/index.js');
      const target = resolveTarget(targetFlags(globals), io.env);
      const { namespace } = target;
      let ok = true;
      const connection = await Connection.connect({ ...connectionOptions(target), connectTimeout: 10_000 }).catch(
        (err: unknown) => {
          io.stderr(`setup: cannot reach Temporal at ${describeTarget(target)}: ${(err as Error).message}\n`);
          return undefined;
        },
      );
      if (!connection) {
        run.exitCode = ExitCode.failed;
        return;
      }
      // Loaded here: the other commands need none of the dev server's code.
      const { ensureSearchAttributes, SearchAttributeMismatch } = await import('../../worker/dev-server.js');
      try {
        if (await ensureNamespace(connection, namespace))
          io.stdout(`namespace: created ${namespace} (7 days of retention)\n`);
        const added = await ensureSearchAttributes(connection, namespace);
        io.stdout(
          added.length
            ? `search attributes: registered ${added.join(', ')} in namespace ${namespace}\n`
            : `search attributes: all ${Object.keys(SEARCH_ATTRIBUTES).length} already registered in namespace ${namespace}\n`,
        );
      } catch (err) {
        ok = false;
        const code = (err as { code?: number }).code;
        if (err instanceof SearchAttributeMismatch) io.stderr(`setup: ${err.message}\n`);
        else if (code !== undefined && NOT_ALLOWED.has(code)) {
          io.stderr(
            `setup: this connection may not add search attributes to namespace ${namespace} (${(err as Error).message}).\n` +
              'On Temporal Cloud the namespace admin adds them (Cloud UI → Namespaces → Custom Search Attributes, or ' +
              `\`tcld namespace search-attributes add\`): ${Object.entries(SEARCH_ATTRIBUTES)
                .map(([n, t]) => `${n} (${t})`)
                .join(', ')}.\n`,
          );
        } else io.stderr(`setup: registering search attributes failed: ${(err as Error).message}\n`);
      } finally {
        await connection.close();
      }
      if (io.env.DATABASE_URL) {
        const { createPool, migrate } = await import('../../activities/store/index.js');
        const pool = createPool(io.env.DATABASE_URL, { max: 1 });
        try {
          const applied = await migrate(pool);
          io.stdout(applied.length ? `store: applied ${applied.join(', ')}\n` : 'store: migrations up to date\n');
        } catch (err) {
          ok = false;
          io.stderr(`setup: migrating the store failed: ${(err as Error).message}\n`);
        } finally {
          await pool.end();
        }
      } else {
        io.stdout(
          'store: DATABASE_URL is not set; nothing to migrate (`switchyard start` and workers migrate their own)\n',
        );
      }
      run.exitCode = ok ? ExitCode.ok : ExitCode.failed;
    });
}

/** A fresh cluster (the server image, unlike the dev server) has no namespace yet: make it, and wait until it serves. */
async function ensureNamespace(connection: Connection, namespace: string): Promise<boolean> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if ((err as { code?: number }).code !== 5 /* NOT_FOUND */) throw err;
  }
  const { msToTs } = await import('@temporalio/common/lib/time.js');
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('7 days'),
  });
  for (let i = 0; ; i++) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return true;
    } catch (err) {
      if (i >= 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
