/**
 * What an activity keeps in the store: large outputs as artifacts, costs in the usage ledger,
 * transitions and notices as events. Keys derive from the workflow id and activity id, so a retried
 * activity replaces its rows instead of adding to them, and an unreachable store is waited out
 * (heartbeating) rather than losing the work already done.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store, StoredArtifactRef } from './store/index.js';
import { withStoreRetry } from './store/index.js';
import { activityContext, heartbeat } from './process.js';
import { ownedName } from './ownership.js';
import type { ArtifactRef, Usage } from '../workflows/api/index.js';

export interface RecorderScope {
  taskId: string;
  stage: string;
  attempt: number;
}

export interface Recorder {
  /** Stores `content` under `kind` and returns the reference workflow state carries. */
  artifact(kind: string, content: string | Buffer, contentType?: string): Promise<ArtifactRef>;
  /** Like `artifact`, from a spool file written by the process runner; the file is removed. */
  artifactFromFile(
    kind: string,
    path: string,
    contentType?: string,
    redact?: (text: string) => string,
  ): Promise<ArtifactRef>;
  /** One ledger row per attempt: every paid run counts, a retried one included. */
  usage(u: Usage & { provider: string; account?: string; model?: string; jobId?: string }): Promise<void>;
  /** What earlier attempts of this activity cost (their ledger rows). */
  earlierCost(): Promise<number>;
  /** A fresh spool path for a process's full output. */
  spoolPath(kind: string): string;
}

/**
 * Key of this activity execution: stable across its retries, distinct from every other activity —
 * including the same activity of an earlier run of the same workflow id (`submit --rerun`).
 */
export function activityKey(): string {
  const ctx = activityContext();
  const execution = ctx?.info.workflowExecution;
  if (!ctx || !execution?.workflowId) return `standalone/${randomUUID()}`;
  // Local activities count their ids apart from the others: the suffix keeps the two from meeting.
  return `${execution.workflowId}/${execution.runId}/${ctx.info.activityId}${ctx.info.isLocal ? 'L' : ''}`;
}

/** Which attempt of its activity this is (1 outside an activity). */
export function activityAttempt(): number {
  return activityContext()?.info.attempt ?? 1;
}

/** Retries while the store is unreachable; heartbeats so Temporal knows the activity still lives. */
export function storeRetry<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = activityContext();
  return withStoreRetry(fn, {
    signal: ctx?.cancellationSignal,
    onWait: (attempt) => heartbeat({ phase: 'waiting for the store', attempt }),
  });
}

export function createRecorder(store: Store, spoolDir: string, scope: RecorderScope): Recorder {
  const key = activityKey();
  // The preview stays in the store: workflow state carries only the reference.
  const toRef = (r: StoredArtifactRef): ArtifactRef => ({
    id: r.id,
    kind: r.kind,
    size: r.size,
    truncated: r.truncated,
  });
  const self: Recorder = {
    async artifact(kind, content, contentType) {
      const stored = await storeRetry(() =>
        store.putArtifact({ key: `${key}/${kind}`, ...scope, kind, content, contentType }),
      );
      return toRef(stored);
    },
    async artifactFromFile(kind, path, contentType, redact) {
      const raw = await readFile(path).catch(() => Buffer.alloc(0));
      const content = redact ? redact(raw.toString('utf8')) : raw;
      try {
        return await self.artifact(kind, content, contentType ?? 'text/plain; charset=utf-8');
      } finally {
        await rm(path, { force: true });
      }
    },
    async usage(u) {
      await storeRetry(() =>
        store.recordUsage({
          // A platform job is paid once, however many attempts awaited it; a local run is paid per attempt.
          key: u.jobId ? `${key}/job/${u.jobId}` : `${key}/usage/${activityAttempt()}`,
          ...scope,
          provider: u.provider,
          account: u.account,
          model: u.model,
          inputTokens: u.inputTokens,
          outputTokens: u.outputTokens,
          costUsd: u.costUsd ?? 0,
          jobId: u.jobId,
        }),
      );
    },
    async earlierCost() {
      if (activityAttempt() === 1) return 0;
      // Attempts are numbered from 1 and this one has not recorded yet: every row under the prefix is earlier.
      return storeRetry(() => store.costByKeyPrefix(`${key}/usage/`));
    },
    spoolPath(kind) {
      // Named for this worker process, so a later worker can remove what a crashed one left.
      return join(
        spoolDir,
        ownedName(`${key.replace(/[^A-Za-z0-9._-]+/g, '_')}-${kind}-${randomUUID().slice(0, 8)}.log`),
      );
    },
  };
  return self;
}

export async function ensureSpoolDir(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'spool');
  await mkdir(dir, { recursive: true });
  return dir;
}
