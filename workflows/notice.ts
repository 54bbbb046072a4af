/**
 * Delivers one notice to the webhooks that want it, each with its own retries, apart from the task: the
 * notify activity starts this workflow and returns, so a slow or failing webhook never delays or fails
 * the task. What happened to every attempt is in the store (`switchyard logs <task>`).
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { NoticeInput } from './api/index.js';
import { webhookActivity } from './activity-options.js';
import type { SwitchyardActivities } from './activity-types.js';
import { describeFailure, failureText } from './failures.js';

const { deliverWebhook } = proxyActivities<SwitchyardActivities>(webhookActivity);

export async function noticeWorkflow(input: NoticeInput): Promise<{ delivered: string[]; failed: string[] }> {
  const results = await Promise.all(
    input.webhooks.map(async (webhook) => {
      try {
        await deliverWebhook({ webhook, notice: input.notice, link: input.link });
        return { webhook, ok: true };
      } catch (err) {
        log.warn('webhook gave up', { webhook, error: failureText(describeFailure(err)) });
        return { webhook, ok: false };
      }
    }),
  );
  return {
    delivered: results.filter((r) => r.ok).map((r) => r.webhook),
    failed: results.filter((r) => !r.ok).map((r) => r.webhook),
  };
}
