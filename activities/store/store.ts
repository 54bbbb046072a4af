/**
 * The store of docs/architecture.md §6: artifacts, usage, events and provider accounts in Postgres. Every write
 * carries an idempotency key so a retried activity replaces its row rather than adding one.
 */
import type pg from 'pg';
import type { ArtifactRef } from '../../workflows/api/index.js';
import { binaryPreview, isTextContentType, textPreview } from './preview.js';

export interface ArtifactInput {
  /** Idempotency key, e.g. `${workflowId}/${activityId}/${kind}`: the same key overwrites. */
  key: string;
  taskId: string;
  stage: string;
  attempt: number;
  kind: string;
  content: string | Buffer;
  /** Default: text/plain for strings, application/octet-stream for buffers. */
  contentType?: string;
}

/** The reference workflow state carries, with the stored preview (`truncated` says it is not the whole content). */
export interface StoredArtifactRef extends ArtifactRef {
  /** At most 4 KB. */
  preview: string;
}

export interface ArtifactMeta extends StoredArtifactRef {
  key: string;
  taskId: string;
  stage: string;
  attempt: number;
  contentType: string;
  createdAt: Date;
}

export interface Artifact extends ArtifactMeta {
  content: Buffer;
}

export interface ListedArtifact extends ArtifactMeta {
  /** The content as text when the content type is textual (text/*, JSON). */
  text?: string;
}

export interface ArtifactFilter {
  taskId: string;
  stage?: string;
  kind?: string;
  attempt?: number;
}

export interface UsageInput {
  /** Idempotency key: a retried activity replaces its row instead of counting twice. */
  key: string;
  taskId: string;
  stage: string;
  attempt: number;
  provider: string;
  account?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd: number;
  /** The job platform's job, for a delegated stage. */
  jobId?: string;
  /** Default: now. */
  at?: Date;
}

export type CostGrouping = 'task' | 'provider' | 'day' | 'job';

export interface CostRow {
  /** Task id, provider name, or UTC day as YYYY-MM-DD. */
  group: string;
  /** Usage rows (agent runs) in the group. */
  runs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface EventInput {
  /** Idempotency key: recording the same key again does nothing. */
  key: string;
  taskId: string;
  kind: string;
  actor?: string;
  payload?: unknown;
  /** Default: now. */
  at?: Date;
}

export interface StoredEvent {
  id: number;
  key: string;
  taskId: string;
  kind: string;
  actor: string | null;
  payload: unknown;
  at: Date;
}

export interface Account {
  provider: string;
  name: string;
  cooldownUntil: Date | null;
  lastError: string | null;
  updatedAt: Date;
}

export interface Store {
  putArtifact(input: ArtifactInput): Promise<StoredArtifactRef>;
  getArtifact(id: number): Promise<Artifact | undefined>;
  /** Oldest first. */
  listArtifacts(filter: ArtifactFilter): Promise<ListedArtifact[]>;
  /** The content decoded as UTF-8, or undefined when there is no such artifact. */
  artifactText(id: number): Promise<string | undefined>;
  recordUsage(input: UsageInput): Promise<void>;
  taskCost(taskId: string): Promise<number>;
  /** What the usage rows whose key starts with `keyPrefix` cost (one activity's earlier attempts). */
  costByKeyPrefix(keyPrefix: string): Promise<number>;
  costReport(opts: { since?: Date; by: CostGrouping }): Promise<CostRow[]>;
  /** True when the event was new. */
  recordEvent(input: EventInput): Promise<boolean>;
  /** Oldest first. */
  listEvents(taskId: string): Promise<StoredEvent[]>;
  setCooldown(provider: string, name: string, until: Date, lastError: string): Promise<void>;
  clearCooldown(provider: string, name: string): Promise<void>;
  listAccounts(provider: string): Promise<Account[]>;
  /** Throws when the database does not answer (for health checks). */
  ping(): Promise<void>;
  /** Ends the pool. */
  close(): Promise<void>;
}

const META_COLUMNS = `id, key, task_id, stage, attempt, kind, content_type, size, preview, truncated, created_at`;

export function createStore(pool: pg.Pool): Store {
  return {
    async putArtifact(input) {
      requireKeyed('artifact', input, true);
      requireText('artifact', 'kind', input.kind);
      requireAttempt('artifact', input.attempt);
      const content = typeof input.content === 'string' ? Buffer.from(input.content, 'utf8') : input.content;
      if (!Buffer.isBuffer(content)) throw new Error(`artifact ${input.key}: content must be a string or a Buffer`);
      const contentType =
        input.contentType ??
        (typeof input.content === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream');
      const { preview, truncated } = isTextContentType(contentType)
        ? textPreview(content)
        : binaryPreview(content.length, contentType);
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO artifacts (key, task_id, stage, attempt, kind, content_type, size, content, preview, truncated)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (key) DO UPDATE SET
           task_id = EXCLUDED.task_id, stage = EXCLUDED.stage, attempt = EXCLUDED.attempt, kind = EXCLUDED.kind,
           content_type = EXCLUDED.content_type, size = EXCLUDED.size, content = EXCLUDED.content,
           preview = EXCLUDED.preview, truncated = EXCLUDED.truncated, created_at = now()
         RETURNING id`,
        [
          input.key,
          input.taskId,
          input.stage,
          input.attempt,
          input.kind,
          contentType,
          content.length,
          content,
          preview,
          truncated,
        ],
      );
      return { id: Number(rows[0].id), kind: input.kind, size: content.length, preview, truncated };
    },

    async getArtifact(id) {
      const { rows } = await pool.query(`SELECT ${META_COLUMNS}, content FROM artifacts WHERE id = $1`, [id]);
      return rows[0] ? { ...toMeta(rows[0]), content: rows[0].content as Buffer } : undefined;
    },

    async listArtifacts(filter) {
      requireText('artifact filter', 'taskId', filter.taskId);
      const where = ['task_id = $1'];
      const params: unknown[] = [filter.taskId];
      for (const [column, value] of [
        ['stage', filter.stage],
        ['kind', filter.kind],
        ['attempt', filter.attempt],
      ] as const) {
        if (value === undefined) continue;
        params.push(value);
        where.push(`${column} = $${params.length}`);
      }
      const { rows } = await pool.query(
        // A superset of the textual types in SQL (binary content stays in the database); the exact rule in JS.
        `SELECT ${META_COLUMNS},
                CASE WHEN content_type ILIKE 'text/%' OR content_type ILIKE '%json%' THEN content END AS content
           FROM artifacts WHERE ${where.join(' AND ')} ORDER BY created_at, id`,
        params,
      );
      return rows.map((row) => {
        const meta: ListedArtifact = toMeta(row);
        if (row.content && isTextContentType(meta.contentType)) meta.text = (row.content as Buffer).toString('utf8');
        return meta;
      });
    },

    async artifactText(id) {
      const { rows } = await pool.query<{ content: Buffer }>('SELECT content FROM artifacts WHERE id = $1', [id]);
      return rows[0]?.content.toString('utf8');
    },

    async recordUsage(input) {
      requireKeyed('usage', input, true);
      requireText('usage', 'provider', input.provider);
      requireAttempt('usage', input.attempt);
      if (!Number.isFinite(input.costUsd) || input.costUsd < 0) {
        throw new Error(`usage ${input.key}: costUsd must be a non-negative number, got ${input.costUsd}`);
      }
      for (const field of ['inputTokens', 'outputTokens'] as const) {
        const n = input[field];
        if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) {
          throw new Error(`usage ${input.key}: ${field} must be a non-negative integer, got ${n}`);
        }
      }
      await pool.query(
        `INSERT INTO usage (key, task_id, stage, attempt, provider, account, model, input_tokens, output_tokens, cost_usd, at, job_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, now()), $12)
         ON CONFLICT (key) DO UPDATE SET
           task_id = EXCLUDED.task_id, stage = EXCLUDED.stage, attempt = EXCLUDED.attempt,
           provider = EXCLUDED.provider, account = EXCLUDED.account, model = EXCLUDED.model,
           input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
           cost_usd = EXCLUDED.cost_usd, at = EXCLUDED.at, job_id = EXCLUDED.job_id`,
        [
          input.key,
          input.taskId,
          input.stage,
          input.attempt,
          input.provider,
          input.account ?? null,
          input.model ?? null,
          input.inputTokens ?? null,
          input.outputTokens ?? null,
          input.costUsd,
          input.at ?? null,
          input.jobId ?? null,
        ],
      );
    },

    async ping() {
      await pool.query('SELECT 1');
    },

    async taskCost(taskId) {
      const { rows } = await pool.query<{ cost: string }>(
        'SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM usage WHERE task_id = $1',
        [taskId],
      );
      return Number(rows[0].cost);
    },

    async costByKeyPrefix(keyPrefix) {
      requireText('usage', 'key prefix', keyPrefix);
      const pattern = `${keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const { rows } = await pool.query<{ cost: string }>(
        'SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM usage WHERE key LIKE $1',
        [pattern],
      );
      return Number(rows[0].cost);
    },

    async costReport({ since, by }) {
      const group = {
        task: 'task_id',
        provider: 'provider',
        day: `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
        // A job row reads "job-7 (gpu, task fix-login)": what ran where, for whom.
        job: `job_id || ' (' || provider || ', task ' || task_id || ')'`,
      }[by];
      if (!group) throw new Error(`cost report: by must be task, provider, day or job, got ${JSON.stringify(by)}`);
      if (since !== undefined && Number.isNaN(since.getTime()))
        throw new Error('cost report: since is not a valid date');
      // Days read chronologically; tasks and providers most expensive first.
      const order = by === 'day' ? '"group"' : 'cost_usd DESC, "group"';
      const { rows } = await pool.query(
        `SELECT ${group} AS "group", COUNT(*) AS runs,
                COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
                COALESCE(SUM(cost_usd), 0) AS cost_usd
           FROM usage WHERE ($1::timestamptz IS NULL OR at >= $1)${by === 'job' ? ' AND job_id IS NOT NULL' : ''}
          GROUP BY 1 ORDER BY ${order}`,
        [since ?? null],
      );
      return rows.map((r) => ({
        group: r.group as string,
        runs: Number(r.runs),
        inputTokens: Number(r.input_tokens),
        outputTokens: Number(r.output_tokens),
        costUsd: Number(r.cost_usd),
      }));
    },

    async recordEvent(input) {
      requireKeyed('event', input, false);
      requireText('event', 'kind', input.kind);
      const { rowCount } = await pool.query(
        `INSERT INTO events (key, task_id, kind, actor, payload, at) VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()))
         ON CONFLICT (key) DO NOTHING`,
        [
          input.key,
          input.taskId,
          input.kind,
          input.actor ? noNul(input.actor) : null,
          input.payload === undefined ? null : noNul(JSON.stringify(input.payload)),
          input.at ?? null,
        ],
      );
      return rowCount === 1;
    },

    async listEvents(taskId) {
      const { rows } = await pool.query(
        'SELECT id, key, task_id, kind, actor, payload, at FROM events WHERE task_id = $1 ORDER BY at, id',
        [taskId],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        key: r.key,
        taskId: r.task_id,
        kind: r.kind,
        actor: r.actor,
        payload: r.payload,
        at: r.at,
      }));
    },

    async setCooldown(provider, name, until, lastError) {
      if (Number.isNaN(until.getTime()))
        throw new Error(`account ${provider}/${name}: cooldown until is not a valid date`);
      await pool.query(
        `INSERT INTO accounts (provider, name, cooldown_until, last_error, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (provider, name) DO UPDATE SET
           cooldown_until = EXCLUDED.cooldown_until, last_error = EXCLUDED.last_error, updated_at = now()`,
        [provider, name, until, noNul(lastError)],
      );
    },

    async clearCooldown(provider, name) {
      await pool.query(
        'UPDATE accounts SET cooldown_until = NULL, updated_at = now() WHERE provider = $1 AND name = $2',
        [provider, name],
      );
    },

    async listAccounts(provider) {
      const { rows } = await pool.query(
        'SELECT provider, name, cooldown_until, last_error, updated_at FROM accounts WHERE provider = $1 ORDER BY name',
        [provider],
      );
      return rows.map((r) => ({
        provider: r.provider,
        name: r.name,
        cooldownUntil: r.cooldown_until,
        lastError: r.last_error,
        updatedAt: r.updated_at,
      }));
    },

    close: () => pool.end(),
  };
}

function toMeta(row: Record<string, unknown>): ArtifactMeta {
  return {
    id: Number(row.id),
    key: row.key as string,
    taskId: row.task_id as string,
    stage: row.stage as string,
    attempt: row.attempt as number,
    kind: row.kind as string,
    contentType: row.content_type as string,
    size: Number(row.size),
    preview: row.preview as string,
    truncated: row.truncated as boolean,
    createdAt: row.created_at as Date,
  };
}

function requireKeyed(what: string, input: { key: string; taskId: string; stage?: string }, withStage: boolean): void {
  requireText(what, 'key', input.key);
  requireText(`${what} ${input.key}`, 'taskId', input.taskId);
  if (withStage) requireText(`${what} ${input.key}`, 'stage', input.stage);
}

function requireText(what: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`${what}: ${field} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
}

function requireAttempt(what: string, attempt: unknown): void {
  if (!Number.isSafeInteger(attempt) || (attempt as number) < 0) {
    throw new Error(`${what}: attempt must be a non-negative integer, got ${JSON.stringify(attempt)}`);
  }
}

/** Postgres text and jsonb refuse NUL; agent output and answers may contain one. */
function noNul(text: string): string {
  return text.replace(/\u0000/g, '').replace(/\\u0000/g, '');
}
