/**
 * Notifications to people (needs-input, hold, reminders, done). For now a clear log line; the
 * store and real channels come later behind the same activity.
 */
import type { NotifyInput } from '../workflows/api/index.js';

export function formatNotification(input: NotifyInput): string {
  return `notify ${input.kind.toUpperCase()} ${input.taskId}: ${input.message}`;
}

export async function notify(input: NotifyInput, log: (msg: string) => void): Promise<void> {
  log(formatNotification(input));
}
