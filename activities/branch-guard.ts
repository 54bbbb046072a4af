/**
 * The task branch belongs to one run of one task. Before a developer is paid to work, the branch
 * is checked: at the tip this run last pushed (or absent before its first push) it is ours to
 * extend; at a commit whose trailer names this very stage attempt, an earlier attempt of the
 * activity already finished the work (the worker died after the push); anything else holds
 * commits Switchyard did not make in this run, and nothing is pushed over them.
 */
import { taskBranch } from '../workflows/api/index.js';
import { commitMessage, remoteBranchTip, type Worktree } from './git.js';

/** Whether `branch` is one of the task's own: `switchyard/<taskId>` or `switchyard/<taskId>.run-<n>`. */
export function isTaskBranch(taskId: string, branch: string): boolean {
  const m = /\.run-(\d{1,6})$/.exec(branch);
  const run = m ? Number(m[1]) : 1;
  return run >= 1 && branch === taskBranch(taskId, run);
}

const ATTEMPT_TRAILER = 'Switchyard-Attempt';

/** Trailer lines of a development commit: the task, and the run and stage attempt that made it. */
export function commitTrailers(taskId: string, trailer: string): string {
  return `Switchyard-Task: ${taskId}\n${ATTEMPT_TRAILER}: ${trailer}\n`;
}

/** Whether a commit message carries the trailer of this stage attempt. */
export function madeByAttempt(message: string, trailer: string): boolean {
  return message.split('\n').some((line) => line.trim() === `${ATTEMPT_TRAILER}: ${trailer}`);
}

export type BranchState =
  { kind: 'ours' } | { kind: 'already-pushed'; commit: string } | { kind: 'foreign'; tip: string | undefined };

/** Reads the branch as the worktree's fetch left it. */
export async function branchState(
  wt: Worktree,
  branch: string,
  expectedTip: string | null,
  trailer: string,
): Promise<BranchState> {
  const tip = await remoteBranchTip(wt, branch);
  if (tip === (expectedTip ?? undefined)) return { kind: 'ours' };
  if (tip && madeByAttempt(await commitMessage(wt, tip), trailer)) return { kind: 'already-pushed', commit: tip };
  return { kind: 'foreign', tip };
}

/** Why a foreign branch stops the stage, and what a person can do about it. */
export function foreignBranchMessage(branch: string, repo: string, state: { tip: string | undefined }): string {
  const what = state.tip
    ? `holds commit ${state.tip.slice(0, 12)}, which Switchyard did not make in this run`
    : 'was deleted after this run pushed to it';
  return (
    `branch ${branch} of repo ${repo} ${what}; nothing was pushed over it. ` +
    'Move or delete the branch and resume, or start the task again with `switchyard submit --rerun` (a new branch).'
  );
}
