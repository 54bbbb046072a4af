/**
 * The log line of a notice (needs-input, hold, reminders, done, failed); the notify activity also files
 * it in the store and hands it to the webhooks (webhooks.ts, workflows/notice.ts).
 */
import type { NotifyInput } from '../workflows/api/index.js';

export function formatNotification(input: NotifyInput): string {
  return `notify ${input.kind.toUpperCase()} ${input.taskId}: ${input.message}`;
}
