/** What the bench reads off processes and histories: CPU, RSS, spawn counts, wall times, statistics. */
import proto from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

const TICKS_PER_SEC = 100;

/** User + system CPU seconds of one process (not its children). */
export function cpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SEC;
}

export function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The count the count-spawns preload keeps, after it has had time to write it. */
export async function spawnCount(file: string): Promise<number> {
  await delay(1100);
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
}

export async function wallMs(argv: string[], env: Record<string, string>): Promise<number> {
  const t = performance.now();
  const r = await execa(argv[0], argv.slice(1), { env, reject: false });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${r.exitCode}: ${r.stderr.slice(0, 500)}`);
  return performance.now() - t;
}

export interface Stats {
  min: number;
  median: number;
  max: number;
  n: number;
}

export function stats(values: number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { min: v[0], median, max: v[v.length - 1], n: v.length };
}

export function percentile(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 5,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await delay(everyMs);
  }
}

export interface HistoryTotals {
  events: number;
  bytes: number;
  /** Events and their encoded bytes by workflow id prefix and event type, for `--verbose`. */
  byType: Map<string, { events: number; bytes: number }>;
}

const { temporal } = proto;

/** A workflow's history and its children's, recursively: events and encoded bytes, also by event type. */
export async function historyTotals(client: Client, workflowId: string, into?: HistoryTotals): Promise<HistoryTotals> {
  const totals = into ?? { events: 0, bytes: 0, byType: new Map() };
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  totals.events += events.length;
  totals.bytes += temporal.api.history.v1.History.encode(history).finish().length;
  for (const e of events) {
    const type = `${workflowId.replace(/^(task|bare)-[a-z0-9]+-?/, '') || 'parent'} ${temporal.api.enums.v1.EventType[e.eventType ?? 0]}`;
    const seen = totals.byType.get(type) ?? { events: 0, bytes: 0 };
    seen.events++;
    seen.bytes += temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
    totals.byType.set(type, seen);
    if (e.childWorkflowExecutionStartedEventAttributes) {
      const child = e.childWorkflowExecutionStartedEventAttributes.workflowExecution?.workflowId;
      if (child) await historyTotals(client, child, totals);
    }
  }
  return totals;
}
