import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_ATTRIBUTES } from '../../workflows/api/index.js';
import { startDevServer, type DevServer } from '../../worker/dev-server.js';
import { isAlive } from '../../worker/pid.js';
import { isPortFree } from '../../worker/ports.js';
import { ensureTemporalCli } from '../../worker/temporal-cli.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// IndexedValueType numbers from the Temporal API.
const INDEX_TYPE: Record<string, number> = { Text: 1, Keyword: 2, Double: 4 };

let temporalCli: string;
const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'switchyard-dev-server-'));
  tempDirs.push(dir);
  return dir;
}

async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  temporalCli = await ensureTemporalCli();
});

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
});

describe('startDevServer with a SQLite file', () => {
  let dataDir: string;
  let server: DevServer;
  const namespace = 'switchyard-e2e';

  beforeAll(async () => {
    dataDir = await tempDir();
    server = await startDevServer({ dataDir, port: 0, uiPort: 0, namespace, temporalCli });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers gRPC calls and serves the Web UI', async () => {
    const connection = await Connection.connect({ address: server.address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/\d+\.\d+/);
    } finally {
      await connection.close();
    }
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(server.namespace).toBe(namespace);
    const ui = await fetch(server.uiUrl);
    expect(ui.status).toBe(200);
    expect(fs.existsSync(path.join(dataDir, 'temporal.sqlite'))).toBe(true);
  });

  it('registers all search attributes with their types, in its namespace and in default', async () => {
    expect(Object.keys(SEARCH_ATTRIBUTES)).toHaveLength(6);
    const connection = await Connection.connect({ address: server.address });
    try {
      for (const ns of [namespace, 'default']) {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: ns });
        for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
          expect({ ns, name, type: customAttributes?.[name] }).toEqual({ ns, name, type: INDEX_TYPE[type] });
        }
      }
    } finally {
      await connection.close();
    }
  });

  it('refuses a second server on the same port, naming the port', async () => {
    const other = await tempDir();
    await expect(
      startDevServer({ dataDir: other, port: server.port, headless: true, dbFile: null, temporalCli }),
    ).rejects.toThrow(new RegExp(`port ${server.port} on 127\\.0\\.0\\.1 is already in use.*--port`));
    expect(fs.existsSync(path.join(other, 'dev-server.log'))).toBe(false);
  });

  it('refuses a second server on the same data directory while the first runs', async () => {
    await expect(startDevServer({ dataDir, port: 0, headless: true, temporalCli })).rejects.toThrow(
      `The data directory ${dataDir} is in use by a running Temporal dev server (pid ${server.pid}`,
    );
  });

  it('stops without leaving a process, and keeps workflows across a restart on the same file', async () => {
    const workflowId = `dev-server-e2e-${process.pid}`;
    let runId: string;
    {
      const connection = await Connection.connect({ address: server.address });
      try {
        const client = new Client({ connection, namespace });
        // No worker polls this queue: the execution just stays open, which is all we need to see.
        const handle = await client.workflow.start('noWorkerRunsThis', {
          workflowId,
          taskQueue: `nobody-${process.pid}`,
          args: [],
        });
        runId = handle.firstExecutionRunId;
      } finally {
        await connection.close();
      }
    }

    const { pid, port } = server;
    await server.stop();
    expect(isAlive(pid)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    await server.stop(); // idempotent
    expect(fs.existsSync(path.join(dataDir, 'dev-server.pid'))).toBe(false);

    server = await startDevServer({ dataDir, port, headless: true, namespace, temporalCli });
    expect(server.pid).not.toBe(pid);
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace });
      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.runId).toBe(runId);
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }
  });

  it('fails with the tail of the log when the server cannot start', async () => {
    const dir = await tempDir();
    // A directory where the SQLite file should be: the server exits at once.
    await fsp.mkdir(path.join(dir, 'temporal.sqlite'));
    await expect(startDevServer({ dataDir: dir, port: 0, headless: true, temporalCli })).rejects.toThrow(
      /The Temporal dev server stopped during start-up \(exit code \d+\)\. Last lines of .*dev-server\.log:\n[\s\S]*temporal\.sqlite/,
    );
  });
});

describe('a dev server whose parent dies', () => {
  const devServerModule = path.join(root, 'dist', 'worker', 'dev-server.js');
  const guardModule = path.join(root, 'dist', 'activities', 'process-guard.js');

  /** Starts a dev server from a separate Node process running the built module. */
  async function startInChild(dataDir: string, mode: 'crash' | 'hang') {
    if (!fs.existsSync(devServerModule)) throw new Error(`${devServerModule} is missing: run npm run build`);
    const script = `
      const { startDevServer } = await import(${JSON.stringify(devServerModule)});
      const { watchdogPid } = await import(${JSON.stringify(guardModule)});
      const s = await startDevServer({ dataDir: process.env.DATA_DIR, port: 0, headless: true, dbFile: null,
        temporalCli: process.env.CLI });
      console.log(JSON.stringify({ pid: s.pid, watchdog: watchdogPid() }));
      if (process.env.MODE === 'crash') setTimeout(() => { throw new Error('parent crashed on purpose'); }, 10);
      else setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DATA_DIR: dataDir, CLI: temporalCli, MODE: mode },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | string | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    const first = await new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).once('line', resolve);
      void exited.then((code) => reject(new Error(`child exited (${code}) before starting: ${stderr}`)));
    });
    const started = JSON.parse(first) as { pid: number; watchdog: number };
    return { child, exited, serverPid: started.pid, watchdogPid: started.watchdog };
  }

  it('stops the server when the parent process crashes', async () => {
    const { exited, serverPid } = await startInChild(await tempDir(), 'crash');
    expect(await exited).toBe(1);
    await waitFor(`dev server pid ${serverPid} to end`, () => !isAlive(serverPid));
  });

  it('stops the server when the parent process is terminated by a signal', async () => {
    const { child, exited, serverPid } = await startInChild(await tempDir(), 'hang');
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    await waitFor(`dev server pid ${serverPid} to end`, () => !isAlive(serverPid));
  });

  it('stops the server within seconds when the parent process is SIGKILLed (the watchdog)', async () => {
    const { child, exited, serverPid } = await startInChild(await tempDir(), 'hang');
    child.kill('SIGKILL');
    await exited;
    const t0 = Date.now();
    await waitFor(`dev server pid ${serverPid} to end`, () => !isAlive(serverPid), 15_000);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('stops a leftover server from a SIGKILLed parent when the data directory is used again', async () => {
    const dataDir = await tempDir();
    const { child, exited, serverPid, watchdogPid } = await startInChild(dataDir, 'hang');
    // The watchdog lost too (a whole-tree SIGKILL): nothing stops the server until the next start.
    process.kill(watchdogPid, 'SIGKILL');
    await waitFor('the watchdog to end', () => !isAlive(watchdogPid));
    child.kill('SIGKILL');
    await exited;
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(serverPid)).toBe(true); // no exit hook runs on SIGKILL

    const messages: string[] = [];
    const server = await startDevServer({
      dataDir,
      port: 0,
      headless: true,
      dbFile: null,
      temporalCli,
      log: (m) => messages.push(m),
    });
    try {
      expect(isAlive(serverPid)).toBe(false);
      expect(messages).toContain(
        `Stopping a leftover Temporal dev server (pid ${serverPid}) whose parent process is gone…`,
      );
    } finally {
      await server.stop();
    }
  });
});

describe('a dev server that loses a port race at start-up', () => {
  it('is started again, and says why; a start that fails for another reason is not', async () => {
    const dir = await tempDir();
    const marker = path.join(dir, 'lost-once');
    // Exits the way the dev server does when one of its internal ports was taken between its pick and its bind.
    const flaky = path.join(dir, 'temporal');
    await fsp.writeFile(
      flaky,
      `#!/bin/sh\nif [ ! -f "${marker}" ]; then touch "${marker}"; ` +
        `echo 'panic: listen tcp 127.0.0.1:41999: bind: address already in use'; exit 2; fi\n` +
        `exec "${temporalCli}" "$@"\n`,
    );
    await fsp.chmod(flaky, 0o755);
    const said: string[] = [];
    const server = await startDevServer({
      dataDir: dir,
      port: 0,
      headless: true,
      dbFile: null,
      temporalCli: flaky,
      log: (m) => said.push(m),
    });
    try {
      expect(said.join('\n')).toContain('lost a port to another program at start-up; starting it again');
      const log = await fsp.readFile(server.logFile, 'utf8');
      expect(log.match(/^=== /gm)).toHaveLength(2);
    } finally {
      await server.stop();
    }

    const broken = path.join(dir, 'broken');
    await fsp.writeFile(broken, `#!/bin/sh\necho 'panic: something else entirely'; exit 2\n`);
    await fsp.chmod(broken, 0o755);
    await expect(
      startDevServer({ dataDir: dir, port: 0, headless: true, dbFile: null, temporalCli: broken }),
    ).rejects.toThrow(/stopped during start-up \(exit code 2\)[\s\S]*panic: something else entirely/);
  });
});
