/**
 * Webhook notifications (docs/architecture.md §5): the JSON body (a Slack-compatible `text` plus the
 * structured facts), its HMAC signature, and one delivery attempt. Temporal's retry policy on the
 * delivery activity does the backing off; every attempt is an event in the store (`switchyard logs`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config, WebhookConfig } from './config-schema.js';
import { ErrorType, type NoticeFacts, type NotifyInput } from '../workflows/api/index.js';
import { headText } from '../workflows/preview.js';
import { createRedactor } from './agents/redact.js';
import { failure } from './errors.js';
import { platformMessage } from './platform-client.js';

/** What a webhook receives. */
export interface WebhookBody {
  /** One message for a person: Slack, Mattermost and Teams incoming webhooks show it as is. */
  text: string;
  kind: NotifyInput['kind'];
  task: { id: string; title?: string; repo?: string };
  state?: string;
  stage?: string;
  questions?: string[];
  reason?: string;
  /** The task in the Temporal Web UI, when `notifications.webUi` is set. */
  link?: string;
  at: string;
}

export const SIGNATURE_HEADER = 'x-switchyard-signature';
export const TIMESTAMP_HEADER = 'x-switchyard-timestamp';

export function webhookBody(notice: NotifyInput, opts: { link?: string; at: string }): WebhookBody {
  const f: NoticeFacts = notice.facts ?? {};
  const link = opts.link ? `\n<${opts.link}|Open ${notice.taskId} in the Temporal Web UI>` : '';
  return {
    text: `${notice.message}${link}`,
    kind: notice.kind,
    task: { id: notice.taskId, ...(f.title ? { title: f.title } : {}), ...(f.repo ? { repo: f.repo } : {}) },
    ...(f.state ? { state: f.state } : {}),
    ...(f.stage ? { stage: f.stage } : {}),
    ...(f.questions?.length ? { questions: f.questions } : {}),
    ...(f.reason ? { reason: f.reason } : {}),
    ...(opts.link ? { link: opts.link } : {}),
    at: opts.at,
  };
}

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<raw body>"): the timestamp is signed too, so a replay shows. */
export function signature(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** What a receiver runs (README "Notifications"): the signature matches and the timestamp is recent. */
export function verifySignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: string,
  opts: { now?: number; toleranceSec?: number } = {},
): boolean {
  const { signature: got, timestamp } = headers;
  if (!got || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const age = Math.abs((opts.now ?? Date.now()) / 1000 - Number(timestamp));
  if (age > (opts.toleranceSec ?? 300)) return false;
  const want = Buffer.from(signature(secret, timestamp, rawBody));
  const have = Buffer.from(got);
  return want.length === have.length && timingSafeEqual(want, have);
}

/** The task in the Web UI: `<webUi>/namespaces/<ns>/workflows/<workflowId>`. */
export function webUiLink(webUi: string | undefined, namespace: string, workflowId: string): string | undefined {
  if (!webUi) return undefined;
  return `${webUi.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The webhooks that want this kind of notice, by name. */
export function webhooksFor(config: Config, kind: NotifyInput['kind']): string[] {
  return (config.notifications?.webhooks ?? []).filter((w) => w.events.includes(kind)).map((w) => w.name);
}

export interface Delivery {
  status: number;
  durationMs: number;
}

/**
 * One POST. 2xx delivers; 5xx, 408, 429 and network trouble are retryable; any other answer will not
 * change on a retry (a removed or misconfigured endpoint) and ends the delivery.
 */
export async function postWebhook(
  hook: WebhookConfig,
  body: WebhookBody,
  opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; now?: number } = {},
): Promise<Delivery> {
  const env = opts.env ?? process.env;
  const url = hook.url ?? (hook.urlEnv ? env[hook.urlEnv] : undefined);
  if (!url) {
    throw failure(ErrorType.ConfigInvalid, `webhook ${hook.name}: the worker variable ${hook.urlEnv} is not set`);
  }
  const secret = hook.secretEnv ? env[hook.secretEnv] : undefined;
  if (hook.secretEnv && !secret) {
    throw failure(ErrorType.ConfigInvalid, `webhook ${hook.name}: the worker variable ${hook.secretEnv} is not set`);
  }
  // The URL may be the secret (Slack's are): it is never part of a message.
  const redact = createRedactor([url, ...(secret ? [secret] : [])]);
  const raw = JSON.stringify(body);
  const timestamp = String(Math.floor((opts.now ?? Date.now()) / 1000));
  const timeout = AbortSignal.timeout(hook.timeoutSec * 1000);
  const started = Date.now();
  let res: Response;
  let answer: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'switchyard-webhook',
        [TIMESTAMP_HEADER]: timestamp,
        ...(secret ? { [SIGNATURE_HEADER]: signature(secret, timestamp, raw) } : {}),
      },
      body: raw,
      signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
      redirect: 'error',
    });
    answer = await res.text().catch(() => '');
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const why = timeout.aborted
      ? `no answer within ${hook.timeoutSec} s`
      : redact(String((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message));
    throw failure(ErrorType.ProviderUnavailable, `webhook ${hook.name}: ${why}`);
  }
  const durationMs = Date.now() - started;
  if (res.ok) return { status: res.status, durationMs };
  const text = redact(headText(platformMessage(answer), 300));
  const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
  throw failure(
    retryable ? ErrorType.ProviderUnavailable : ErrorType.ConfigInvalid,
    `webhook ${hook.name} answered ${res.status}${text && text !== '(no message)' ? `: ${text}` : ''}`,
    { details: [{ status: res.status }] },
  );
}
