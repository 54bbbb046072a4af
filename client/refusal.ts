/** Why an operator message does not fit a task, in words that say what to do instead. */
import type { TaskStatus } from '../workflows/api/index.js';
import { signalFits } from '../workflows/transitions.js';
import { FINAL_STATES, type MessageKind } from './views.js';

/** Why `kind` does not fit a task in this status, or undefined when it does. */
export function refusalReason(
  kind: MessageKind,
  status: Pick<TaskStatus, 'taskId' | 'state' | 'paused' | 'holdReason'>,
): string | undefined {
  const { taskId: id, state } = status;
  const where = `task ${id} is ${state}${status.paused && !FINAL_STATES.includes(state) ? ' (paused)' : ''}`;
  // The workflow's own rule decides; this only explains a refusal.
  if (kind !== 'cancel' && signalFits(kind, status)) return undefined;
  switch (kind) {
    case 'answer':
      return `${where}; answers are accepted only while it is needs-input${state === 'hold' ? ` — to go on, use \`switchyard resume ${id}\`` : ''}`;
    case 'resume':
      return `${where}; resume applies only while it is on hold${state === 'needs-input' ? ` — it waits for an answer: \`switchyard answer ${id} --text "…"\`` : ''}${status.paused ? ` — to un-park it, use \`switchyard unpause ${id}\`` : ''}`;
    case 'pause':
      if (status.paused && !FINAL_STATES.includes(state))
        return `${where}; it is already paused (\`switchyard unpause ${id}\` to go on)`;
      return `${where}; only a queued, running or waiting task can be paused`;
    case 'unpause':
      return `${where}; it is not paused`;
    case 'cancel':
      if (!FINAL_STATES.includes(state)) return undefined;
      return `${where}; it has already ended`;
  }
}
