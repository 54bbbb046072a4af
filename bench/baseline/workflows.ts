/**
 * The bare baseline: the same real work as a Switchyard task (clone, the same agent, commit, push,
 * `node --test`, a staging command) as a plain Temporal workflow with four children and nothing else.
 */
import { condition, defineSignal, executeChild, proxyActivities, setHandler } from '@temporalio/workflow';
import type { BareActivities } from './activities.js';

export const bareAnswerSignal = defineSignal<[string]>('answer');

export interface BareTaskInput {
  taskId: string;
  repoDir: string;
  prompt: string;
}

// A hung attempt is retried after a minute, as a Switchyard heartbeat timeout would.
const acts = proxyActivities<BareActivities>({ startToCloseTimeout: '1 minute' });

export async function bareTask(input: BareTaskInput): Promise<string> {
  let answer: string | undefined;
  setHandler(bareAnswerSignal, (a) => void (answer = a));
  let attempt = 1;
  while (await executeChild(bareAnalysis, { args: [input, attempt, answer], workflowId: child(input, 'a', attempt) })) {
    await condition(() => answer !== undefined);
    attempt++;
  }
  const sha = await executeChild(bareDevelopment, { args: [input], workflowId: child(input, 'd', 1) });
  await executeChild(bareTesting, { args: [input, sha], workflowId: child(input, 't', 1) });
  await executeChild(bareStaging, { args: [input, sha], workflowId: child(input, 's', 1) });
  return sha;
}

const child = (input: BareTaskInput, stage: string, n: number) => `bare-${input.taskId}-${stage}${n}`;

/** True when the analyst asked a question. */
export async function bareAnalysis(input: BareTaskInput, attempt: number, answer?: string): Promise<boolean> {
  return acts.analyse(input, attempt, answer);
}

export async function bareDevelopment(input: BareTaskInput): Promise<string> {
  return acts.develop(input);
}

export async function bareTesting(input: BareTaskInput, sha: string): Promise<void> {
  await acts.test(input, sha);
}

export async function bareStaging(input: BareTaskInput, sha: string): Promise<void> {
  await acts.stage(input, sha);
}
