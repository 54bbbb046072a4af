/**
 * Webhook notifications end to end: the built CLI and a real worker, real HTTP receivers on loopback — one
 * that verifies the signature, one that fails twice first, one that is always down. The task goes
 * needs-input → answered → done; each notice reaches every webhook that wants it, a failing endpoint is
 * retried without delaying the task, and every attempt is an event in `logs`.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature, type WebhookBody } from '../../activities/webhooks.js';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { storeDump } from '../helpers/store.js';

const SECRET = `hook-secret-${'s'.repeat(24)}`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  status: number;
  at: number;
}

let env: E2eEnv;
let server: Server;
let base: string;
const received: Received[] = [];
let flakyFailures = 0;

const bodies = (path: string, kind?: string) =>
  received
    .filter((r) => r.path === path && r.status === 200)
    .map((r) => JSON.parse(r.raw) as WebhookBody)
    .filter((b) => !kind || b.kind === kind);

async function waitFor<T>(check: () => T | undefined, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      // The flaky endpoint fails the first two deliveries of each notice kind it is sent.
      const status = path === '/down' ? 503 : path === '/flaky' && flakyFailures++ % 3 < 2 ? 500 : 200;
      received.push({ path, headers: req.headers, raw, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { ok: true } : { error: 'busy' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  env = await e2eEnv('notifications');
  await appendFile(
    env.configPath,
    [
      'notifications:',
      '  webUi: http://localhost:8233/',
      '  webhooks:',
      `    - { name: team, url: "${base}/good", secretEnv: HOOK_SECRET }`,
      '    - { name: flaky, urlEnv: FLAKY_HOOK_URL, events: [needs-input, done] }',
      `    - { name: down, url: "${base}/down", events: [needs-input, done], timeoutSec: 2 }`,
      '',
    ].join('\n'),
  );
  env.env.HOOK_SECRET = SECRET;
  env.env.FLAKY_HOOK_URL = `${base}/flaky`;
  await env.startWorker();
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await new Promise((r) => server?.close(r));
});

describe('webhook notifications', () => {
  it('needs-input and done reach each webhook, signed; failures are retried and never hold the task up', async () => {
    const file = await env.writeTask('hooked', 'Fix the greeting.\n\nfake-agent: ask');
    expect((await env.cli(['submit', file])).exitCode).toBe(0);
    await env.waitForState('hooked', ['needs-input']);

    const [asked] = await waitFor(() => {
      const b = bodies('/good', 'needs-input');
      return b.length ? b : undefined;
    }, 'the needs-input notice');
    expect(asked).toMatchObject({
      kind: 'needs-input',
      task: { id: 'hooked', title: 'Greeting task hooked', repo: env.repoName },
      state: 'needs-input',
      stage: 'analysis',
      questions: ['Which greeting should greet() return?'],
      link: 'http://localhost:8233/namespaces/default/workflows/task-hooked',
    });
    expect(asked.text).toContain('Task hooked needs input:\n- Which greeting should greet() return?');
    expect(asked.text).toContain('<http://localhost:8233/namespaces/default/workflows/task-hooked|Open hooked');

    // The signature as README documents it: HMAC-SHA256 of "<timestamp>.<raw body>" with the secret.
    const delivery = received.find((r) => r.path === '/good')!;
    const ts = String(delivery.headers['x-switchyard-timestamp']);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${delivery.raw}`).digest('hex')}`;
    expect(delivery.headers['x-switchyard-signature']).toBe(expected);
    expect(verifySignature(SECRET, { signature: expected, timestamp: ts }, delivery.raw)).toBe(true);
    expect(verifySignature(SECRET, { signature: expected, timestamp: ts }, `${delivery.raw} `)).toBe(false);
    expect(received.find((r) => r.path === '/flaky')?.headers['x-switchyard-signature']).toBeUndefined();

    // The flaky endpoint takes the notice on its third attempt (2 s and 4 s of backoff).
    await waitFor(
      () => (bodies('/flaky').length === 1 ? true : undefined),
      'the needs-input notice at the flaky endpoint',
    );

    // The task goes on while the down endpoint is still being retried.
    expect((await env.cli(['answer', 'hooked', '--text', 'hello'])).exitCode).toBe(0);
    const done = await env.waitForState('hooked', ['done', 'hold', 'failed']);
    expect(done.state, done.holdReason).toBe('done');
    const [finished] = await waitFor(() => {
      const b = bodies('/good', 'done');
      return b.length ? b : undefined;
    }, 'the done notice');
    expect(finished).toMatchObject({ kind: 'done', state: 'done', task: { id: 'hooked' } });
    expect(received.filter((r) => r.path === '/down').every((r) => r.status === 503)).toBe(true);

    // The flaky endpoint got both notices on the third attempt each.
    await waitFor(() => (bodies('/flaky').length === 2 ? true : undefined), 'both notices at the flaky endpoint');
    expect(bodies('/flaky').map((b) => b.kind)).toEqual(['needs-input', 'done']);
    expect(received.filter((r) => r.path === '/flaky').map((r) => r.status)).toEqual([500, 500, 200, 500, 500, 200]);

    // Every attempt is an event in `logs`, with what the endpoint said.
    const logs = JSON.parse((await env.cli(['logs', 'hooked', '--json'])).stdout) as {
      events: { kind: string; payload: Record<string, unknown> }[];
    };
    const attempts = (name: string) => logs.events.filter((e) => e.kind === `webhook:${name}`).map((e) => e.payload);
    expect(attempts('flaky').filter((p) => p.notice === 'needs-input')).toEqual([
      expect.objectContaining({ attempt: 1, error: 'webhook flaky answered 500: busy' }),
      expect.objectContaining({ attempt: 2, error: 'webhook flaky answered 500: busy' }),
      expect.objectContaining({ attempt: 3, status: 200 }),
    ]);
    expect(attempts('down').length).toBeGreaterThanOrEqual(2);
    expect(attempts('team').map((p) => p.notice)).toEqual(expect.arrayContaining(['needs-input', 'done']));

    // The secret and the URL kept in a variable appear in no stored record.
    const stored = await storeDump(env.db.url);
    expect(stored).toContain('webhook:flaky');
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain('/flaky');
  });
});
