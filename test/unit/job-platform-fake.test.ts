/**
 * The fake job platform against its own contract, over real HTTP with global fetch: other tests
 * trust it to behave like the remote platform, faults included, so it is checked here first.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { startFakePlatform, type FakePlatform, type SubmitBody } from '../fakes/job-platform.js';

const TOKEN = 'test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let platform: FakePlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

async function start(): Promise<FakePlatform> {
  platform = await startFakePlatform({ token: TOKEN });
  return platform;
}

const submitBody = (over: Partial<SubmitBody> = {}): SubmitBody => ({
  provider: 'acme',
  role: 'analyst',
  prompt: 'look at it',
  repo: 'org/repo',
  base: 'main',
  metadata: { task: 't-1' },
  idempotencyKey: 'key-1',
  ...over,
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(p: FakePlatform, method: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${p.url}${path}`, { method, headers: AUTH, ...init });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const post = (p: FakePlatform, body: unknown, init: RequestInit = {}): Promise<Answer> =>
  call(p, 'POST', '/jobs', { body: typeof body === 'string' ? body : JSON.stringify(body), ...init });
const get = (p: FakePlatform, id: string): Promise<Answer> => call(p, 'GET', `/jobs/${id}`);
const del = (p: FakePlatform, id: string): Promise<Answer> => call(p, 'DELETE', `/jobs/${id}`);

/** The low-level cause of a rejected fetch (ECONNREFUSED, UND_ERR_SOCKET, ...). */
async function failure(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => expect.fail('fetch should have rejected'),
    (e: unknown) => e as Error & { cause?: { code?: string } },
  );
  expect(err).toBeInstanceOf(TypeError);
  return err.cause?.code ?? err.message;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('fake job platform: submit', () => {
  it('creates a job: 201 queued, job-1, with the parsed body', async () => {
    const p = await start();
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post(p, submitBody({ commit: 'abc123' }));
    expect(res).toMatchObject({ status: 201, body: { id: 'job-1', status: 'queued' } });
    expect(p.jobs).toHaveLength(1);
    expect(p.jobs[0]).toMatchObject({
      id: 'job-1',
      key: 'key-1',
      status: 'queued',
      provider: 'acme',
      body: submitBody({ commit: 'abc123' }),
      cancelled: false,
      deleteRequests: 0,
      polls: 0,
    });
    expect(p.submits()).toHaveLength(1);
    expect(p.submits()[0]).toMatchObject({ method: 'POST', path: '/jobs', authorization: AUTH.authorization });
    expect(p.submits()[0].status).toBe(201);
    expect(JSON.parse(p.submits()[0].body!)).toEqual(submitBody({ commit: 'abc123' }));
  });

  it('answers a repeated idempotency key with 200 and the same job, and a new key with a new job', async () => {
    const p = await start();
    const first = await post(p, submitBody());
    const again = await post(p, submitBody({ prompt: 'different prompt, same key' }));
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, status: 'queued' } });
    expect(p.jobs).toHaveLength(1);
    const other = await post(p, submitBody({ idempotencyKey: 'key-2' }));
    expect(other).toMatchObject({ status: 201, body: { id: 'job-2' } });
    expect(p.jobs.map((j) => j.id)).toEqual(['job-1', 'job-2']);
    expect(p.submits().map((r) => r.status)).toEqual([201, 200, 201]);
  });

  it('refuses a request without the right bearer token with 401, before creating anything', async () => {
    const p = await start();
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }];
    for (const headers of attempts) {
      const res = await post(p, submitBody(), { headers });
      expect(res).toMatchObject({ status: 401, body: { error: 'unauthorized: missing or wrong bearer token' } });
    }
    expect((await call(p, 'GET', '/jobs/job-1', { headers: {} })).status).toBe(401);
    expect(p.jobs).toHaveLength(0);
    expect(p.requests.map((r) => [r.authorization, r.status])).toEqual([
      [undefined, 401],
      ['Bearer wrong', 401],
      [TOKEN, 401],
      [undefined, 401],
    ]);
  });

  it('refuses a bad body with 400 naming the wrong field', async () => {
    const p = await start();
    const cases: [unknown, RegExp][] = [
      ['{not json', /JSON/],
      ['', /JSON/],
      [[submitBody()], /body/],
      [{ ...submitBody(), provider: undefined }, /^provider: missing/],
      [submitBody({ role: 'boss' as never }), /^role:/],
      [{ ...submitBody(), prompt: 42 }, /^prompt:/],
      [{ ...submitBody(), repo: null }, /^repo:/],
      [{ ...submitBody(), base: undefined }, /^base:/],
      [{ ...submitBody(), commit: 7 }, /^commit:/],
      [{ ...submitBody(), metadata: [] }, /^metadata:/],
      [{ ...submitBody(), metadata: 'x' }, /^metadata:/],
      [{ ...submitBody(), idempotencyKey: undefined }, /^idempotencyKey: missing/],
    ];
    for (const [body, message] of cases) {
      const res = await post(p, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error, JSON.stringify(body)).toMatch(message);
    }
    expect(p.jobs).toHaveLength(0);
  });

  it('answers unknown jobs and unknown routes with 404 JSON', async () => {
    const p = await start();
    expect(await get(p, 'job-9')).toMatchObject({ status: 404, body: { error: 'no job job-9' } });
    expect(await del(p, 'job-9')).toMatchObject({ status: 404, body: { error: 'no job job-9' } });
    for (const [method, path] of [
      ['GET', '/jobs'],
      ['PUT', '/jobs/job-1'],
      ['GET', '/'],
      ['POST', '/jobs/job-1'],
      ['GET', '/jobs/job-1/extra'],
    ]) {
      const res = await call(p, method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(typeof res.body.error).toBe('string');
    }
  });
});

describe('fake job platform: lifecycle', () => {
  it('goes queued → running on the first poll → completed once runMs has passed, per its script', async () => {
    const p = await start();
    p.onJob(() => ({
      runMs: 80,
      result: { text: 'analysis' },
      costUsd: 0.25,
      usage: { inputTokens: 10, outputTokens: 5 },
    }));
    const { body } = await post(p, submitBody());
    const id = body.id as string;
    expect(p.jobs[0].status).toBe('queued');
    expect((await get(p, id)).body).toEqual({ id, status: 'running', provider: 'acme' });
    expect((await get(p, id)).body.status).toBe('running');
    await sleep(100);
    expect(await get(p, id)).toMatchObject({
      status: 200,
      body: {
        id,
        status: 'completed',
        provider: 'acme',
        result: { text: 'analysis' },
        costUsd: 0.25,
        usage: { inputTokens: 10, outputTokens: 5 },
      },
    });
    expect(p.jobs[0]).toMatchObject({ status: 'completed', polls: 3, cancelled: false });
  });

  it('with the default script: running on the first poll, completed with text "done" on the next', async () => {
    const p = await start();
    await post(p, submitBody());
    expect((await get(p, 'job-1')).body.status).toBe('running');
    expect((await get(p, 'job-1')).body).toEqual({
      id: 'job-1',
      status: 'completed',
      provider: 'acme',
      result: { text: 'done' },
    });
  });

  it('fails a job whose script says fail', async () => {
    const p = await start();
    p.onJob(() => ({ fail: 'model overloaded', costUsd: 0.01 }));
    await post(p, submitBody());
    await get(p, 'job-1');
    const res = await get(p, 'job-1');
    expect(res.body).toMatchObject({ id: 'job-1', status: 'failed', error: 'model overloaded', costUsd: 0.01 });
    expect(res.body.result).toBeUndefined();
  });

  it('hands the job with its body to an async handler, which can script by role', async () => {
    const p = await start();
    p.onJob(async (job) => {
      await sleep(10);
      return job.body.role === 'developer'
        ? { result: { text: 'changed it', patch: 'diff --git a/x b/x\n' } }
        : { result: { text: 'read it' } };
    });
    await post(p, submitBody({ role: 'analyst', idempotencyKey: 'a' }));
    await post(p, submitBody({ role: 'developer', idempotencyKey: 'd' }));
    for (const id of ['job-1', 'job-2']) await get(p, id);
    expect((await get(p, 'job-1')).body.result).toEqual({ text: 'read it' });
    expect((await get(p, 'job-2')).body.result).toEqual({ text: 'changed it', patch: 'diff --git a/x b/x\n' });
  });

  it('cancels a job on DELETE; deleting a finished job leaves it as it was', async () => {
    const p = await start();
    p.onJob((job) => ({ runMs: job.key === 'long' ? 60_000 : 0 }));
    await post(p, submitBody({ idempotencyKey: 'long' }));
    await get(p, 'job-1');
    expect(await del(p, 'job-1')).toMatchObject({ status: 200, body: { id: 'job-1', status: 'failed' } });
    expect((await get(p, 'job-1')).body).toMatchObject({ status: 'failed', error: 'cancelled' });
    expect(p.jobs[0]).toMatchObject({ cancelled: true, deleteRequests: 1 });

    await post(p, submitBody({ idempotencyKey: 'short' }));
    await get(p, 'job-2');
    await get(p, 'job-2');
    expect(await del(p, 'job-2')).toMatchObject({ status: 200, body: { id: 'job-2', status: 'completed' } });
    expect(p.jobs[1]).toMatchObject({
      status: 'completed',
      result: { text: 'done' },
      cancelled: false,
      deleteRequests: 1,
    });
    expect((await get(p, 'job-2')).body).toMatchObject({ status: 'completed', result: { text: 'done' } });
  });

  it('cancels a queued job that was never polled', async () => {
    const p = await start();
    await post(p, submitBody());
    expect((await del(p, 'job-1')).body).toEqual({ id: 'job-1', status: 'failed' });
    expect(p.jobs[0]).toMatchObject({ status: 'failed', error: 'cancelled', cancelled: true });
  });
});

describe('fake job platform: faults', () => {
  it('status: 503 twice, then the request goes through', async () => {
    const p = await start();
    p.inject({ kind: 'status', status: 503, times: 2 });
    expect((await post(p, submitBody())).status).toBe(503);
    expect((await post(p, submitBody())).status).toBe(503);
    expect(p.jobs).toHaveLength(0);
    expect(await post(p, submitBody())).toMatchObject({ status: 201, body: { id: 'job-1' } });
    expect(p.submits().map((r) => r.status)).toEqual([503, 503, 201]);
  });

  it('status: 429 with a Retry-After header and a given body', async () => {
    const p = await start();
    p.inject({ kind: 'status', status: 429, headers: { 'Retry-After': '2' }, body: { error: 'slow down' } });
    const res = await post(p, submitBody());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.body).toEqual({ error: 'slow down' });
  });

  it('faults come before auth, and are still logged', async () => {
    const p = await start();
    p.inject({ kind: 'status', status: 503 });
    expect((await post(p, submitBody(), { headers: {} })).status).toBe(503);
    expect((await post(p, submitBody(), { headers: {} })).status).toBe(401);
    expect(p.requests.map((r) => r.status)).toEqual([503, 401]);
  });

  it('a fault with `on` hits only that method; faults apply in the order injected', async () => {
    const p = await start();
    p.inject({ kind: 'status', status: 500, on: 'GET' });
    p.inject({ kind: 'status', status: 502 });
    expect((await post(p, submitBody())).status).toBe(502);
    expect((await post(p, submitBody())).status).toBe(201);
    expect((await get(p, 'job-1')).status).toBe(500);
    expect((await get(p, 'job-1')).status).toBe(200);
  });

  it('slow: a client with a shorter timeout gives up; the fake survives and answers the next request', async () => {
    const p = await start();
    p.inject({ kind: 'slow', delayMs: 300, on: 'POST' });
    const err = await post(p, submitBody(), { signal: AbortSignal.timeout(50) }).then(
      () => expect.fail('should have timed out'),
      (e: unknown) => e as Error,
    );
    expect(err.name).toBe('TimeoutError');
    expect((await get(p, 'job-1')).status).toBe(404);
    // The platform still did the work after the client left: a timed-out submit may have created its job.
    await sleep(400);
    expect(p.submits()[0].status).toBe(201);
    expect(p.jobs).toHaveLength(1);
    expect(await post(p, submitBody())).toMatchObject({ status: 200, body: { id: 'job-1' } });
  });

  it('slow: a patient client gets the normal answer', async () => {
    const p = await start();
    p.inject({ kind: 'slow', delayMs: 100 });
    const t0 = Date.now();
    expect((await post(p, submitBody())).status).toBe(201);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  });

  it('reset: the socket is destroyed without a response, and nothing happens', async () => {
    const p = await start();
    p.inject({ kind: 'reset' });
    expect(await failure(post(p, submitBody()))).toBe('UND_ERR_SOCKET');
    expect(p.jobs).toHaveLength(0);
    expect(p.requests[0].status).toBe('reset');
    expect((await post(p, submitBody())).status).toBe(201);
  });

  it('reset afterProcessing on POST: a lost response; the job exists and a retry with the same key gets it', async () => {
    const p = await start();
    p.inject({ kind: 'reset', on: 'POST', afterProcessing: true });
    expect(await failure(post(p, submitBody()))).toBe('UND_ERR_SOCKET');
    expect(p.jobs).toHaveLength(1);
    expect(p.submits()[0].status).toBe('reset');
    expect(await post(p, submitBody())).toMatchObject({ status: 200, body: { id: 'job-1', status: 'queued' } });
    expect(p.jobs).toHaveLength(1);
  });

  it('refuses a fault with a bad times', async () => {
    const p = await start();
    expect(() => p.inject({ kind: 'reset', times: 0 })).toThrow(/times/);
  });
});

describe('fake job platform: stop and start', () => {
  it('stop() refuses connections; start() listens on the same port with the same state', async () => {
    const p = await start();
    await post(p, submitBody());
    const url = p.url;
    await p.stop();
    expect(await failure(get(p, 'job-1'))).toBe('ECONNREFUSED');
    await p.start();
    expect(p.url).toBe(url);
    expect((await get(p, 'job-1')).body).toMatchObject({ id: 'job-1', status: 'running' });
    expect(await post(p, submitBody({ idempotencyKey: 'key-2' }))).toMatchObject({
      status: 201,
      body: { id: 'job-2' },
    });
  });

  it('stop() cuts a request in flight', async () => {
    const p = await start();
    p.inject({ kind: 'slow', delayMs: 5_000 });
    const pending = failure(post(p, submitBody()));
    await sleep(50);
    await p.stop();
    expect(await pending).toBe('UND_ERR_SOCKET');
    expect(p.requests[0].status).toBe('reset');
    expect(p.jobs).toHaveLength(0);
  });
});
