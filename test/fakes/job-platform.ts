/**
 * The only stand-in for the remote AI job platform: a real HTTP server on 127.0.0.1 that answers
 * the platform's contract (submit, poll, cancel, bearer auth, idempotency keys) and reproduces its
 * failure modes on demand (error statuses, slow answers, dropped connections, lost responses, the
 * whole service going away), so client code is tested against the wire and not against mocks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Method = 'POST' | 'GET' | 'DELETE';
export type Role = 'analyst' | 'developer';
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface JobResult {
  text: string;
  patch?: string;
}

export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}

/** The POST /jobs body, as validated. */
export interface SubmitBody {
  provider: string;
  role: Role;
  prompt: string;
  repo: string;
  base: string;
  commit?: string;
  metadata: Record<string, unknown>;
  idempotencyKey: string;
}

/** What a job will do, decided by the test's `onJob` handler when the job is created. `fail` wins over `result`. */
export interface JobScript {
  runMs?: number;
  result?: JobResult;
  fail?: string;
  costUsd?: number;
  usage?: Usage;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string>; times?: number; on?: Method }
  | { kind: 'slow'; delayMs: number; times?: number; on?: Method }
  | { kind: 'reset'; times?: number; on?: Method; afterProcessing?: boolean };

export interface FakeJob {
  id: string;
  key: string;
  body: SubmitBody;
  status: JobStatus;
  result?: JobResult;
  error?: string;
  costUsd?: number;
  usage?: Usage;
  provider: string;
  createdAt: number;
  cancelled: boolean;
  deleteRequests: number;
  polls: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: string;
  /** The outcome: the status sent, 'reset' when the socket was destroyed instead, 0 while still in flight. */
  status: number | 'reset';
  at: number;
}

export interface FakePlatform {
  /** e.g. http://127.0.0.1:43121 (no trailing slash) */
  url: string;
  jobs: FakeJob[];
  /** Every request, in arrival order, with the final outcome. */
  requests: RecordedRequest[];
  /** The POST /jobs requests. */
  submits(): RecordedRequest[];
  inject(fault: Fault): void;
  onJob(handler: (job: FakeJob) => JobScript | Promise<JobScript>): void;
  /** Stop answering: close the server and destroy open sockets, so clients see connection refused; `start()` again listens on the SAME port */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface FakePlatformOptions {
  token: string;
  port?: number;
}

export async function startFakePlatform(opts: FakePlatformOptions): Promise<FakePlatform> {
  const platform = new JobPlatform(opts.token, opts.port ?? 0);
  await platform.start();
  return platform;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

/** A job's script once its handler has settled; `handlerError` when the test's handler threw. */
interface Scripted {
  script: JobScript;
  handlerError?: string;
}

const DEFAULT_SCRIPT: JobScript = { result: { text: 'done' } };

class JobPlatform implements FakePlatform {
  url = '';
  jobs: FakeJob[] = [];
  requests: RecordedRequest[] = [];

  private port: number;
  private nextId = 1;
  private server: Server | undefined;
  private closed = false;
  private readonly sockets = new Set<Socket>();
  private readonly faults: QueuedFault[] = [];
  private readonly byKey = new Map<string, FakeJob>();
  private readonly byId = new Map<string, FakeJob>();
  private readonly scripts = new Map<string, Promise<Scripted>>();
  /** Pending `slow` delays; stop() cuts them short so no request is answered by a stopped server. */
  private readonly delays = new Set<() => void>();
  private handler: (job: FakeJob) => JobScript | Promise<JobScript> = () => DEFAULT_SCRIPT;

  constructor(
    private readonly token: string,
    port: number,
  ) {
    this.port = port;
  }

  submits(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && pathnameOf(r.path) === '/jobs');
  }

  inject(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`fault times must be a positive integer, got ${times}`);
    this.faults.push({ fault: { ...fault }, remaining: times });
  }

  onJob(handler: (job: FakeJob) => JobScript | Promise<JobScript>): void {
    this.handler = handler;
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('fake job platform is closed');
    if (this.server) return;
    const server = createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // A malformed request or a client that vanished mid-request must not take the fake down.
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const cancel of [...this.delays]) cancel();
    const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    // close() alone waits for keep-alive connections; destroying them makes clients see the service gone now.
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);
    // Faults are taken in arrival order, before the body is read, so they hit the requests the test expects.
    const fault = this.takeFault(record.method);
    req.on('error', () => {});
    res.on('error', () => {});
    readBody(req).then(
      async (body) => {
        if (body.length > 0) record.body = body;
        try {
          await this.answer(fault, record, req, res);
        } catch (err) {
          this.send(res, record, { status: 500, body: { error: `fake job platform bug: ${messageOf(err)}` } });
        }
      },
      () => this.reset(req, record),
    );
  }

  private takeFault(method: string): Fault | undefined {
    const i = this.faults.findIndex((q) => q.fault.on === undefined || q.fault.on === method);
    if (i < 0) return undefined;
    const queued = this.faults[i];
    if (--queued.remaining === 0) this.faults.splice(i, 1);
    return queued.fault;
  }

  private async answer(
    fault: Fault | undefined,
    record: RecordedRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    // Faults come before auth: a 503 from a load balancer never reaches the platform's auth check.
    if (fault?.kind === 'status') {
      const body = fault.body ?? { error: `injected fault: status ${fault.status}` };
      return this.send(res, record, { status: fault.status, body, headers: fault.headers });
    }
    if (fault?.kind === 'reset' && !fault.afterProcessing) return this.reset(req, record);
    if (fault?.kind === 'slow' && !(await this.delay(fault.delayMs))) return this.reset(req, record);
    const reply = await this.route(record);
    // A lost response: the platform did the work (a POST created its job) but the client never hears of it.
    if (fault?.kind === 'reset') return this.reset(req, record);
    this.send(res, record, reply);
  }

  private async route(record: RecordedRequest): Promise<Reply> {
    if (record.authorization !== `Bearer ${this.token}`) {
      return { status: 401, body: { error: 'unauthorized: missing or wrong bearer token' } };
    }
    const pathname = pathnameOf(record.path);
    if (pathname === '/jobs' && record.method === 'POST') return this.submit(record.body ?? '');
    const match = /^\/jobs\/([^/]+)$/.exec(pathname);
    const id = match ? decodeSegment(match[1]) : undefined;
    if (id !== undefined && (record.method === 'GET' || record.method === 'DELETE')) {
      const job = this.byId.get(id);
      if (!job) return { status: 404, body: { error: `no job ${id}` } };
      return record.method === 'GET' ? this.poll(job) : this.cancel(job);
    }
    return { status: 404, body: { error: `no route ${record.method} ${pathname}` } };
  }

  private async submit(text: string): Promise<Reply> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { status: 400, body: { error: 'body: invalid JSON' } };
    }
    const body = validateSubmit(raw);
    if (typeof body === 'string') return { status: 400, body: { error: body } };
    const existing = this.byKey.get(body.idempotencyKey);
    if (existing) return { status: 200, body: { id: existing.id, status: existing.status } };

    // Registered before the handler runs, so a concurrent retry with the same key finds this job.
    const job: FakeJob = {
      id: `job-${this.nextId++}`,
      key: body.idempotencyKey,
      body,
      status: 'queued',
      provider: body.provider,
      createdAt: Date.now(),
      cancelled: false,
      deleteRequests: 0,
      polls: 0,
    };
    this.jobs.push(job);
    this.byKey.set(job.key, job);
    this.byId.set(job.id, job);
    const handler = this.handler;
    const scripted = (async (): Promise<Scripted> => {
      try {
        return { script: await handler(job) };
      } catch (err) {
        const handlerError = `onJob handler threw: ${messageOf(err)}`;
        return { script: { fail: handlerError }, handlerError };
      }
    })();
    this.scripts.set(job.id, scripted);
    const { handlerError } = await scripted;
    // A throwing handler is a bug in the test: make it loud rather than a quietly failed job.
    if (handlerError) return { status: 500, body: { error: handlerError } };
    return { status: 201, body: { id: job.id, status: job.status } };
  }

  private async poll(job: FakeJob): Promise<Reply> {
    const { script } = await this.scripts.get(job.id)!;
    job.polls++;
    // The first poll always sees 'running', so a client's poll loop is exercised even when runMs is 0.
    if (job.status === 'queued') job.status = 'running';
    else this.advance(job, script);
    const { id, status, result, error, provider, costUsd, usage } = job;
    return { status: 200, body: { id, status, result, error, provider, costUsd, usage } };
  }

  private async cancel(job: FakeJob): Promise<Reply> {
    const { script } = await this.scripts.get(job.id)!;
    job.deleteRequests++;
    // A job whose time is up has finished, whether or not anyone polled it since.
    this.advance(job, script);
    if (job.status === 'queued' || job.status === 'running') {
      job.status = 'failed';
      job.error = 'cancelled';
      job.cancelled = true;
    }
    return { status: 200, body: { id: job.id, status: job.status } };
  }

  /** A running job turns terminal once its runMs has passed since creation. */
  private advance(job: FakeJob, script: JobScript): void {
    if (job.status !== 'running' || Date.now() - job.createdAt < (script.runMs ?? 0)) return;
    if (script.fail !== undefined) {
      job.status = 'failed';
      job.error = script.fail;
    } else {
      job.status = 'completed';
      job.result = script.result ?? DEFAULT_SCRIPT.result;
    }
    job.costUsd = script.costUsd;
    job.usage = script.usage;
  }

  /** Resolves true after ms, or false at once if the server is stopped first. */
  private delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = (): void => {
        clearTimeout(timer);
        this.delays.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.delays.delete(cancel);
        resolve(true);
      }, ms);
      this.delays.add(cancel);
    });
  }

  private send(res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    record.status = reply.status;
    // The client may have given up (a slow fault): writing to a dead socket is dropped, not thrown.
    if (res.destroyed || res.headersSent) return;
    res.setHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.writeHead(reply.status);
    res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  }

  private reset(req: IncomingMessage, record: RecordedRequest): void {
    record.status = 'reset';
    req.socket.destroy();
  }
}

/** The POST /jobs body, or a message naming its first wrong field. */
function validateSubmit(raw: unknown): SubmitBody | string {
  if (!isPlainObject(raw)) return 'body: expected a JSON object';
  const check = (field: keyof SubmitBody, ok: boolean, expected: string): string | undefined =>
    ok ? undefined : raw[field] === undefined ? `${field}: missing` : `${field}: expected ${expected}`;
  const problem =
    check('provider', typeof raw.provider === 'string', 'a string') ??
    check('role', raw.role === 'analyst' || raw.role === 'developer', "'analyst' or 'developer'") ??
    check('prompt', typeof raw.prompt === 'string', 'a string') ??
    check('repo', typeof raw.repo === 'string', 'a string') ??
    check('base', typeof raw.base === 'string', 'a string') ??
    check('commit', raw.commit === undefined || typeof raw.commit === 'string', 'a string') ??
    check('metadata', isPlainObject(raw.metadata), 'an object') ??
    check('idempotencyKey', typeof raw.idempotencyKey === 'string', 'a string');
  if (problem) return problem;
  const { provider, role, prompt, repo, base, commit, metadata, idempotencyKey } = raw as unknown as SubmitBody;
  return { provider, role, prompt, repo, base, ...(commit !== undefined && { commit }), metadata, idempotencyKey };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function pathnameOf(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
