/**
 * The job platform's HTTP contract (docs/architecture.md §8): POST /jobs, GET /jobs/{id}, DELETE /jobs/{id},
 * bearer token. One request per call: what a retry can fix (5xx, 408, 429, resets, timeouts) is a retryable
 * ProviderUnavailable, so Temporal's retry policy does the backing off; any other 4xx is DelegationRejected
 * with the platform's own message. The token never appears in a message.
 */
import { z } from 'zod';
import { CancelledFailure } from '@temporalio/common';
import { DELEGATED_JOB_STATUSES, ErrorType, type AgentRole } from '../workflows/api/index.js';
import { headText } from '../workflows/preview.js';
import { createRedactor } from './agents/redact.js';
import { failure } from './errors.js';

export interface PlatformConnection {
  /** Base URL, without a trailing slash. */
  url: string;
  token: string;
  requestTimeoutMs: number;
  /** The activity's cancellation. */
  signal?: AbortSignal;
}

export interface SubmitBody {
  provider: string;
  role: AgentRole;
  prompt: string;
  repo: string;
  base: string;
  commit?: string;
  metadata: Record<string, string | number>;
  idempotencyKey: string;
}

// The platform may add fields; only these are read.
const jobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'a job id of letters, digits, ".", "_", ":" or "-"');
const createdSchema = z.object({ id: jobIdSchema, status: z.enum(DELEGATED_JOB_STATUSES) });
export const jobSchema = z.object({
  id: jobIdSchema,
  status: z.enum(DELEGATED_JOB_STATUSES),
  result: z.object({ text: z.string(), patch: z.string().optional() }).optional(),
  error: z.string().optional(),
  provider: z.string().optional(),
  costUsd: z.number().nonnegative().optional(),
  usage: z
    .object({
      inputTokens: z.number().int().nonnegative().optional(),
      outputTokens: z.number().int().nonnegative().optional(),
    })
    .optional(),
});
export type PlatformJob = z.infer<typeof jobSchema>;

/** Longest wait a Retry-After may ask for before the retry policy's own backoff takes over. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;
const MESSAGE_CHARS = 500;

export async function createJob(conn: PlatformConnection, body: SubmitBody): Promise<{ id: string; status: string }> {
  return parsed(createdSchema, await call(conn, 'POST', '/jobs', JSON.stringify(body)), 'POST /jobs');
}

export async function getJob(conn: PlatformConnection, id: string): Promise<PlatformJob> {
  return parsed(jobSchema, await call(conn, 'GET', `/jobs/${encodeURIComponent(id)}`), `GET /jobs/${id}`);
}

/** Best effort: a cancelled or timed-out stage tells the platform to stop; failing to is only logged. */
export async function cancelJob(conn: PlatformConnection, id: string): Promise<string | undefined> {
  try {
    await call({ ...conn, signal: undefined }, 'DELETE', `/jobs/${encodeURIComponent(id)}`);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problem = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  // A platform answering in a shape we cannot read is not going to change on a retry.
  throw failure(ErrorType.DelegationRejected, `the job platform's answer to ${what} is not the contract's: ${problem}`);
}

async function call(conn: PlatformConnection, method: string, path: string, body?: string): Promise<unknown> {
  const redact = createRedactor([conn.token]);
  const what = `${method} ${path}`;
  const timeout = AbortSignal.timeout(conn.requestTimeoutMs);
  const signal = conn.signal ? AbortSignal.any([conn.signal, timeout]) : timeout;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${conn.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${conn.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
      signal,
      redirect: 'error',
    });
    text = await res.text();
  } catch (err) {
    if (conn.signal?.aborted) throw conn.signal.reason ?? new CancelledFailure('CANCELLED');
    const why = timeout.aborted ? `no answer within ${conn.requestTimeoutMs / 1000} s` : redact(networkReason(err));
    throw failure(ErrorType.ProviderUnavailable, `the job platform did not answer ${what}: ${why}`);
  }
  const message = () => redact(headText(platformMessage(text), MESSAGE_CHARS));
  if (res.ok) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw failure(ErrorType.DelegationRejected, `the job platform's answer to ${what} is not JSON: ${message()}`);
    }
  }
  if (res.status === 429) {
    const retryAfterMs = retryAfter(res.headers.get('retry-after'));
    throw failure(
      ErrorType.ProviderUnavailable,
      `the job platform is rate limiting (429 on ${what}${retryAfterMs !== undefined ? `, retry after ${Math.round(retryAfterMs / 1000)} s` : ''}): ${message()}`,
      retryAfterMs !== undefined ? { nextRetryDelayMs: retryAfterMs } : {},
    );
  }
  if (res.status >= 500 || res.status === 408) {
    throw failure(ErrorType.ProviderUnavailable, `the job platform answered ${res.status} to ${what}: ${message()}`);
  }
  throw failure(ErrorType.DelegationRejected, `the job platform refused ${what} (${res.status}): ${message()}`);
}

/** The platform's `error` (or `message`) field when it sent JSON, else its text. */
export function platformMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') {
      const { error, message } = body as Record<string, unknown>;
      if (typeof error === 'string' && error) return error;
      if (typeof message === 'string' && message) return message;
    }
  } catch {
    // not JSON: the text itself
  }
  return text.trim() || '(no message)';
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
