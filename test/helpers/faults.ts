/**
 * What the fault suite checks after a crash: processes of a dead worker (by the pids it recorded,
 * by its environment marker, by cwd), leftovers in the data dir, commits on the origin, the usage
 * ledger, and when Temporal started the retry (from history). Plus a private PostgreSQL server the
 * suite may stop without disturbing other tests.
 */
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time.js';
import pg from 'pg';
import { freePorts } from '../../worker/ports.js';
import { isAlive } from '../../worker/pid.js';
import { git, type WorkerProcess } from './e2e.js';

export const ownerTagOf = (w: Pick<WorkerProcess, 'pid' | 'startTime'>): string => `o${w.pid}-${w.startTime}`;

function procEntries(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** Live processes whose environment says the worker `tag` started them. */
export function processesMarkedBy(tag: string): number[] {
  return procEntries().filter((pid) => {
    try {
      return (
        isAlive(pid) && readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`SWITCHYARD_WORKER=${tag}`)
      );
    } catch {
      return false;
    }
  });
}

/** Live processes whose working directory is inside `dir`. */
export function processesWithCwdIn(dir: string): number[] {
  return procEntries().filter((pid) => {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      return isAlive(pid) && (cwd === dir || cwd.startsWith(`${dir}/`));
    } catch {
      return false;
    }
  });
}

/** Milliseconds until `cond` holds; throws after `ms`. */
export async function within(what: string, ms: number, cond: () => boolean | Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

/** Waits for a JSON file a fake agent or test command writes when it is running. */
export async function runningProcessFile(file: string, ms = 90_000): Promise<{ pid: number; child: number }> {
  await within(`${file} to appear`, ms, () => existsSync(file));
  return JSON.parse(readFileSync(file, 'utf8')) as { pid: number; child: number };
}

/** Entries of `<dataDir>/<sub>` (none when the directory is missing). */
export function entries(dataDir: string, sub: string): string[] {
  try {
    return readdirSync(join(dataDir, sub));
  } catch {
    return [];
  }
}

export async function commitsOnBranch(repoDir: string, branch: string, base = 'main'): Promise<number> {
  return Number(await git(repoDir, 'rev-list', '--count', `${base}..${branch}`));
}

export interface UsageRow {
  key: string;
  stage: string;
  attempt: number;
  costUsd: number;
}

export async function usageRows(databaseUrl: string, taskId: string): Promise<UsageRow[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ key: string; stage: string; attempt: number; cost_usd: string }>(
      'SELECT key, stage, attempt, cost_usd FROM usage WHERE task_id = $1 ORDER BY id',
      [taskId],
    );
    return r.rows.map((row) => ({
      key: row.key,
      stage: row.stage,
      attempt: row.attempt,
      costUsd: Number(row.cost_usd),
    }));
  } finally {
    await client.end();
  }
}

export interface ActivityAttempt {
  activityType: string;
  attempt: number;
  startedAt: number;
}

/**
 * The last attempt of every activity a workflow completed, with when that attempt started (a
 * retried activity's started event is written when it closes, stamped with the attempt's start).
 */
export async function activityAttempts(address: string, workflowId: string): Promise<ActivityAttempt[]> {
  const connection = await Connection.connect({ address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    const types = new Map<string, string>();
    const out: ActivityAttempt[] = [];
    for (const e of history.events ?? []) {
      const id = String(e.eventId);
      if (e.activityTaskScheduledEventAttributes)
        types.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
      const started = e.activityTaskStartedEventAttributes;
      if (started) {
        out.push({
          activityType: types.get(String(started.scheduledEventId)) ?? '?',
          attempt: started.attempt ?? 1,
          startedAt: tsToMs(e.eventTime),
        });
      }
    }
    return out;
  } finally {
    await connection.close();
  }
}

/** For each signal of `name`, how long until the first workflow task after it completed. */
export async function signalLatencies(address: string, workflowId: string, name: string): Promise<number[]> {
  const connection = await Connection.connect({ address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    const out: number[] = [];
    let pending: number | undefined;
    for (const e of history.events ?? []) {
      if (e.workflowExecutionSignaledEventAttributes?.signalName === name && pending === undefined)
        pending = tsToMs(e.eventTime);
      if (e.workflowTaskCompletedEventAttributes && pending !== undefined) {
        out.push(tsToMs(e.eventTime) - pending);
        pending = undefined;
      }
    }
    return out;
  } finally {
    await connection.close();
  }
}

/**
 * Waits until the worker process `pid` polls `taskQueue` for workflow tasks (the SDK's default
 * identity is `<pid>@<host>`): a restart is over once the new worker polls.
 */
export async function waitForPoller(address: string, taskQueue: string, pid: number, ms = 60_000): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await within(`worker ${pid} polling ${taskQueue}`, ms, async () => {
      const res = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
    });
  } finally {
    await connection.close();
  }
}

export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL server of its own (Debian's binaries, a temp dir, a free port, trust auth) that a
 * test may stop and start. PostgreSQL refuses to run as root: then it runs as `postgres`.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const versions = (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : []).sort(
    (a, b) => Number(b) - Number(a),
  );
  const bin = versions.map((v) => join('/usr/lib/postgresql', v, 'bin')).find((b) => existsSync(join(b, 'pg_ctl')));
  if (!bin)
    throw new Error(
      'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: install postgresql (.ci/run does), ' +
        'or set SWITCHYARD_TEST_PG=skip',
    );
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-fault-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    await chmod(dir, 0o777);
    await execa('chown', ['postgres:postgres', dir]);
  }
  const run = (cmd: string, args: string[]) =>
    execa(asRoot ? 'runuser' : join(bin, cmd), asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args, {
      cwd: dir,
      env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C' },
      extendEnv: false,
    });
  await run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const [port] = await freePorts(1);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const self: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: async () => {
      await run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', 'start']);
    },
    stop: async () => {
      await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    destroy: async () => {
      const pidFile = join(data, 'postmaster.pid');
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (isAlive(pid)) await self.stop().catch(() => process.kill(pid, 'SIGKILL'));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
