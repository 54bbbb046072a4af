/**
 * How taskWorkflow's state is shown: the memo snapshot, the Web UI's current details, the search
 * attributes and the store's events. Pure functions over the state; nothing here changes it.
 */
import {
  SA_COST_USD,
  SA_PROVIDER,
  SA_REPO,
  SA_STAGE,
  SA_STATE,
  type NoticeFacts,
  type StagingSummary,
  type StatusMemo,
  type TaskEvent,
  type TaskStatus,
  type Transition,
} from './api/index.js';
import type { SearchAttributePair } from '@temporalio/common';
import { preview } from './preview.js';
import type { EventLog } from './task-state.js';

/** How a transition is filed in the store's events table. */
export function eventKind(t: Transition): string {
  if (t.outcome === 'answered') return 'answer';
  if (t.outcome === 'resumed') return 'resume';
  if (t.to === 'cancelled') return 'cancel';
  if (t.outcome === 'pause requested' || t.outcome === 'paused by an operator') return 'pause';
  if (t.outcome === 'unpaused') return 'unpause';
  return 'transition';
}

/** Markdown for the Web UI's "current details": the story of the task at a glance. */
export function currentDetails(s: TaskStatus): string {
  // Blank lines between blocks: the Web UI's markdown joins adjacent lines into one paragraph.
  const blocks = [`**${s.state}** · ${s.stage} · ${s.detail}`];
  if (s.questions?.length) {
    blocks.push('**Questions**', s.questions.map((q) => `- ${q}`).join('\n'));
    blocks.push(
      `**Answer** with \`switchyard answer ${s.taskId} --text "…"\`, or here: More Actions → Send a Signal → ` +
        '`answer`, Data: `{"text": "…"}`',
    );
  }
  if (s.state === 'hold' && s.holdReason) {
    blocks.push(
      `**On hold:** ${s.holdReason}`,
      `**Resume** with \`switchyard resume ${s.taskId}\` (or \`--abort\`), or here: More Actions → Send a Signal → ` +
        '`resume`, Data: `{"action": "retry"}` (or `"abort"`)',
    );
  }
  if (s.ignoredSignals.length) {
    const shown = s.ignoredSignals.slice(-DETAILS_IGNORED);
    blocks.push(
      `**Ignored signals** (${s.ignoredSignals.length})`,
      shown.map((i) => `- \`${i.signal}\` at ${i.at} (${i.state}): ${i.reason}`).join('\n'),
    );
  }
  const facts: string[] = [];
  const attempts = Object.entries(s.attempts)
    .filter(([, n]) => n > 0)
    .map(([stage, n]) => `${stage} ${n}`)
    .join(', ');
  if (attempts) facts.push(`Attempts: ${attempts}`);
  if (s.branch) facts.push(`Branch: \`${s.branch}\`${s.commit ? ` @ \`${s.commit.slice(0, 12)}\`` : ''}`);
  if (s.lastTest) facts.push(`Last test run: ${s.lastTest.status}${countsText(s)}`);
  if (s.lastStaging) facts.push(`Last staging run: ${stagingText(s.lastStaging)}`);
  facts.push(
    `Provider: ${s.provider}${s.providerMode === 'delegated' ? ', on the job platform' : ''} (${s.providerReason})`,
  );
  facts.push(`Cost: $${s.costUsd.toFixed(4)}${s.budgetUsd !== undefined ? ` of $${s.budgetUsd.toFixed(2)}` : ''}`);
  blocks.push(facts.map((f) => `- ${f}`).join('\n'));
  return webUiMarkdown(blocks.join('\n\n'));
}

/**
 * Markdown for the Web UI's frames (summary, details, current details). The UI sizes each frame to its
 * body without the body's margins, so about the last line is cut off: a blank paragraph takes the cut.
 */
export function webUiMarkdown(md: string): string {
  return `${md.trimEnd()}\n\n\u00a0\n`; // a no-break space: a paragraph that shows nothing (entities show as text)
}

/** `env-permanent on **prod-like** (deploy@10.0.0.5:22, ssh)`: the class, the target and where it ran. */
export function stagingText(st: StagingSummary): string {
  const where = st.host ? `${st.host}, ssh` : (st.transport ?? 'local');
  return `${st.outcomeClass ?? st.status} on **${st.target}** (${where})`;
}

function countsText(s: TaskStatus): string {
  const c = s.lastTest?.counts;
  return c ? ` (${c.passed} passed, ${c.failed} failed)` : '';
}

const DETAILS_IGNORED = 3;

/** Caps of the memo snapshot: with every field at its cap it stays under 5 KiB of JSON. */
export const MEMO_CAPS = {
  title: 200,
  /** detail, holdReason */
  text: 300,
  /** each question (what a person must read to answer) */
  question: 250,
  /** transition outcome, ignored-signal reason, provider reason */
  short: 150,
  /** who sent a signal (a transition's note) */
  actor: 80,
  questions: 5,
  transitions: 4,
  ignoredSignals: 3,
} as const;

/** The status snapshot kept in the memo (see StatusMemo): what `status` shows when no worker polls. */
export function statusMemo(s: TaskStatus): StatusMemo {
  const cut = (t: string, max: number = MEMO_CAPS.text) => preview(t, max);
  const memo: StatusMemo = {
    v: 1,
    taskId: s.taskId,
    title: cut(s.title, MEMO_CAPS.title),
    repo: cut(s.repo),
    state: s.state,
    stage: s.stage,
    detail: cut(s.detail),
    paused: s.paused,
    attempts: { ...s.attempts },
    maxDevAttempts: s.maxDevAttempts,
    provider: s.provider,
    providerReason: cut(s.providerReason, MEMO_CAPS.short),
    ...(s.providerMode ? { providerMode: s.providerMode } : {}),
    costUsd: s.costUsd,
    transitions: s.transitions.slice(-MEMO_CAPS.transitions).map((t) => ({
      ...t,
      outcome: cut(t.outcome, MEMO_CAPS.short),
      ...(t.note === undefined ? {} : { note: cut(t.note, MEMO_CAPS.actor) }),
    })),
    transitionCount: s.transitions.length,
    ignoredSignals: s.ignoredSignals
      .slice(-MEMO_CAPS.ignoredSignals)
      .map((i) => ({ ...i, reason: cut(i.reason, MEMO_CAPS.short) })),
    ignoredSignalCount: s.ignoredSignals.length,
  };
  if (s.questions?.length) {
    memo.questions = s.questions.slice(0, MEMO_CAPS.questions).map((q) => cut(q, MEMO_CAPS.question));
    memo.questionCount = s.questions.length;
  }
  if (s.holdReason !== undefined) memo.holdReason = cut(s.holdReason);
  if (s.heldStage !== undefined) memo.heldStage = s.heldStage;
  if (s.budgetUsd !== undefined) memo.budgetUsd = s.budgetUsd;
  if (s.branch !== undefined) memo.branch = s.branch;
  if (s.commit !== undefined) memo.commit = s.commit;
  return memo;
}

/** The search attributes the task keeps current (list filters and columns in the Web UI). */
export function searchAttributes(s: TaskStatus): SearchAttributePair[] {
  return [
    { key: SA_STATE, value: s.state },
    { key: SA_STAGE, value: s.stage },
    { key: SA_REPO, value: s.repo },
    { key: SA_PROVIDER, value: s.provider },
    { key: SA_COST_USD, value: s.costUsd },
  ];
}

/** Transitions not yet in the store, as its events, with what a transition alone does not say. */
export function pendingEvents(s: TaskStatus, events: EventLog): { upto: number; batch: TaskEvent[] } | undefined {
  if (events.filed >= s.transitions.length) return undefined;
  const upto = s.transitions.length;
  const batch = s.transitions.slice(events.filed, upto).map((t, i) => ({
    ...t,
    kind: eventKind(t),
    actor: t.note,
    details: events.details[events.filed + i],
    index: events.filed + i,
  }));
  return { upto, batch };
}

/** What a notice tells a webhook beside its message: short, from the state the task is in now. */
export function noticeFacts(s: TaskStatus): NoticeFacts {
  const questions = s.state === 'needs-input' ? (s.rounds.at(-1)?.questions ?? []) : [];
  return {
    title: preview(s.title, MEMO_CAPS.title),
    repo: s.repo,
    state: s.state,
    stage: s.stage,
    ...(questions.length ? { questions: questions.slice(0, 20).map((q) => preview(q, 500)) } : {}),
    ...(s.state === 'hold' ? { reason: preview(s.holdReason ?? s.detail, MEMO_CAPS.text) } : {}),
    ...(s.state === 'failed' ? { reason: preview(s.detail, MEMO_CAPS.text) } : {}),
  };
}
