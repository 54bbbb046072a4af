/**
 * The job platform's HTTP client against a real HTTP server on loopback (the fake platform): what each
 * answer becomes — a retryable ProviderUnavailable (with Retry-After as the next delay), a
 * DelegationRejected with the platform's message, or the parsed job — and that the token never leaks.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelJob,
  createJob,
  getJob,
  platformMessage,
  retryAfter,
  type PlatformConnection,
  type SubmitBody,
} from '../../activities/platform-client.js';
import { awaitJob, type Platform } from '../../activities/delegation.js';
import { startFakePlatform, type FakePlatform } from '../fakes/job-platform.js';

const TOKEN = `client-test-${'z'.repeat(30)}`;
let platform: FakePlatform;
let conn: PlatformConnection;

const body = (key: string): SubmitBody => ({
  provider: 'gpu',
  role: 'analyst',
  prompt: 'Read the repo.',
  repo: 'https://example.com/app.git',
  base: 'main',
  metadata: { taskId: 't', stage: 'analysis', attempt: 1 },
  idempotencyKey: key,
});

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

beforeAll(async () => {
  platform = await startFakePlatform({ token: TOKEN });
  conn = { url: platform.url, token: TOKEN, requestTimeoutMs: 500 };
});
afterAll(async () => {
  await platform.close();
});

describe('platform client', () => {
  it('creates a job, finds it again by its key, polls it to completion and cancels', async () => {
    platform.onJob(() => ({ result: { text: 'done', patch: 'diff --git a/x b/x' }, costUsd: 0.5 }));
    const created = await createJob(conn, body('k-1'));
    expect(created).toEqual({ id: expect.stringMatching(/^job-\d+$/), status: 'queued' });
    expect(await createJob(conn, body('k-1'))).toEqual(created);
    expect((await getJob(conn, created.id)).status).toBe('running');
    const job = await getJob(conn, created.id);
    expect(job).toMatchObject({ status: 'completed', result: { text: 'done' }, costUsd: 0.5 });
    expect(await cancelJob(conn, created.id)).toBeUndefined();
    expect(platform.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('5xx, 408 and 429 are retryable ProviderUnavailable; 429 carries its Retry-After as the next delay', async () => {
    for (const status of [500, 502, 503, 408]) {
      platform.inject({ kind: 'status', status, body: { error: 'overloaded' } });
      const f = await failureOf(createJob(conn, body(`k-${status}`)));
      expect(f.type).toBe('ProviderUnavailable');
      expect(f.nonRetryable).toBe(false);
      expect(f.message).toBe(`the job platform answered ${status} to POST /jobs: overloaded`);
    }
    platform.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '7' }, body: { message: 'slow down' } });
    const limited = await failureOf(createJob(conn, body('k-429')));
    expect(limited.type).toBe('ProviderUnavailable');
    expect(limited.message).toBe('the job platform is rate limiting (429 on POST /jobs, retry after 7 s): slow down');
    expect(limited.nextRetryDelay).toBe(7000);
  });

  it('other 4xx are DelegationRejected with the platform message, never retried', async () => {
    platform.inject({ kind: 'status', status: 422, body: { error: 'repo: cannot clone' } });
    const f = await failureOf(createJob(conn, body('k-422')));
    expect(f.type).toBe('DelegationRejected');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toBe('the job platform refused POST /jobs (422): repo: cannot clone');
    const wrongToken = await failureOf(createJob({ ...conn, token: `wrong-${'y'.repeat(30)}` }, body('k-401')));
    expect(wrongToken.message).toMatch(/refused POST \/jobs \(401\): unauthorized/);
    expect((await failureOf(getJob(conn, 'job-999'))).message).toBe(
      'the job platform refused GET /jobs/job-999 (404): no job job-999',
    );
  });

  it('resets, refused connections and slow answers are retryable, with what happened', async () => {
    platform.inject({ kind: 'reset', on: 'POST' });
    const reset = await failureOf(createJob(conn, body('k-reset')));
    expect(reset.type).toBe('ProviderUnavailable');
    expect(reset.message).toMatch(/^the job platform did not answer POST \/jobs: UND_ERR_SOCKET/);
    platform.inject({ kind: 'slow', delayMs: 1500, on: 'POST' });
    const slow = await failureOf(createJob(conn, body('k-slow')));
    expect(slow.message).toBe('the job platform did not answer POST /jobs: no answer within 0.5 s');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await failureOf(createJob({ ...conn, url: `http://127.0.0.1:${port}` }, body('k-refused')));
    expect(refused.type).toBe('ProviderUnavailable');
    expect(refused.message).toMatch(/ECONNREFUSED/);
  });

  it('a token the platform echoes back is masked; answers outside the contract are rejected', async () => {
    const echo = createServer((req, res) => {
      res.writeHead(req.url === '/jobs/bad-shape' ? 200 : 403, { 'content-type': 'application/json' });
      res.end(
        req.url === '/jobs/bad-shape'
          ? JSON.stringify({ id: 'bad-shape', status: 'exploded' })
          : JSON.stringify({ error: `token ${req.headers.authorization} is not allowed` }),
      );
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    try {
      const f = await failureOf(createJob({ ...conn, url }, body('k-echo')));
      expect(f.message).not.toContain(TOKEN);
      expect(f.message).toContain('[REDACTED]');
      const shape = await failureOf(getJob({ ...conn, url }, 'bad-shape'));
      expect(shape.type).toBe('DelegationRejected');
      expect(shape.message).toMatch(
        /^the job platform's answer to GET \/jobs\/bad-shape is not the contract's: status:/,
      );
    } finally {
      await new Promise((r) => echo.close(r));
    }
  });

  it('a failed cancel is reported, not thrown', async () => {
    platform.inject({ kind: 'status', status: 503, on: 'DELETE' });
    expect(await cancelJob(conn, 'job-1')).toMatch(/answered 503 to DELETE \/jobs\/job-1/);
  });
});

describe('retryAfter and platformMessage', () => {
  it('reads Retry-After as seconds or an HTTP date, capped at ten minutes', () => {
    const now = Date.parse('2026-12-07T00:00:00Z');
    expect(retryAfter('3', now)).toBe(3000);
    expect(retryAfter('1.5', now)).toBe(1500);
    expect(retryAfter('Mon, 07 Dec 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfter('Mon, 06 Dec 2026 00:00:30 GMT', now)).toBe(0);
    expect(retryAfter('86400', now)).toBe(600_000);
    expect(retryAfter('soon', now)).toBeUndefined();
    expect(retryAfter(null, now)).toBeUndefined();
  });

  it("takes the platform's error or message field, else its text", () => {
    expect(platformMessage('{"error":"bad repo"}')).toBe('bad repo');
    expect(platformMessage('{"message":"try later"}')).toBe('try later');
    expect(platformMessage('<html>502 Bad Gateway</html>')).toBe('<html>502 Bad Gateway</html>');
    expect(platformMessage('{"error":42}')).toBe('{"error":42}');
    expect(platformMessage('  ')).toBe('(no message)');
  });
});

describe('awaitJob and the deadline', () => {
  const platformOf = (): Platform => ({
    delegation: {
      url: platform.url,
      tokenEnv: 'X',
      pollIntervalSec: 0.05,
      timeoutSec: 1,
      requestTimeoutSec: 1,
      fallbackToLocal: false,
    },
    provider: { kind: 'delegated', target: 'gpu' },
    connection: conn,
    redact: (t) => t,
  });
  const refOf = (jobId: string, submittedAt: number) => ({
    jobId,
    provider: 'gpu',
    target: 'gpu',
    status: 'queued' as const,
    commit: 'c'.repeat(40),
    submittedAt,
    pollIntervalSec: 0.05,
    timeoutSec: 1,
  });

  it('a job that finished is taken even when it is read after its deadline', async () => {
    platform.onJob(() => ({ result: { text: 'late but done' } }));
    const { id } = await createJob(conn, body('k-late'));
    await getJob(conn, id); // running, then completed on the next read
    const job = await awaitJob(platformOf(), refOf(id, Date.now() - 60_000));
    expect(job).toMatchObject({ status: 'completed', result: { text: 'late but done' } });
    expect(platform.jobs.find((j) => j.id === id)?.cancelled).toBe(false);
  });

  it('a job still running at its deadline is cancelled, and the stage fails saying so', async () => {
    platform.onJob(() => ({ runMs: 60_000, result: { text: 'never' } }));
    const { id } = await createJob(conn, body('k-deadline'));
    const f = await failureOf(awaitJob(platformOf(), refOf(id, Date.now() - 500)));
    expect(f.type).toBe('DelegatedJobFailed');
    expect(f.message).toMatch(
      new RegExp(`job ${id} on gpu did not finish within 1 s .*last seen running.*it was cancelled`),
    );
    expect(platform.jobs.find((j) => j.id === id)?.cancelled).toBe(true);
  });

  it('a failed job says why and what it cost', async () => {
    platform.onJob(() => ({ fail: 'OOM', costUsd: 0.25 }));
    const { id } = await createJob(conn, body('k-fails'));
    const f = await failureOf(awaitJob(platformOf(), refOf(id, Date.now())));
    expect(f.message).toBe(`job ${id} on gpu failed: OOM`);
    expect(f.details).toEqual([{ costUsd: 0.25, jobId: id }]);
  });
});
