/** Human-readable renderings of task status, task lists and watch progress. */
import { STAGES, type TaskStatus, type Transition } from '../workflows/api/index.js';
import type { CostRow, ListedArtifact, StoredEvent } from '../activities/store/index.js';
import type { DelegatedJobRow, TaskListRow, TaskStatusView } from './views.js';

export function formatUsd(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

/** `2024-05-01 12:03:04` in local time: precise enough for people, sortable. */
export function formatTime(iso: string | Date | undefined): string {
  if (!iso) return '-';
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function clock(d: Date = new Date()): string {
  return formatTime(d).slice(11);
}

export const shortSha = (sha?: string) => (sha ? sha.slice(0, 10) : undefined);

/** Double quotes for a shell, for the commands we print for people to copy. */
export function shellQuote(text: string): string {
  return `"${text.replace(/(["\\$`])/g, '\\$1')}"`;
}

export function formatStatus(s: TaskStatusView): string {
  const out: string[] = [];
  const row = (label: string, value: string | undefined) => {
    if (value) out.push(`  ${label.padEnd(10)} ${value}`);
  };
  out.push(`${s.taskId} — ${s.title}`);
  row('state', `${s.state}${s.paused ? ' (paused)' : ''} · stage ${s.stage}`);
  row('detail', s.detail);
  row('repo', s.repo);
  if (s.branch || s.commit)
    row('branch', [s.branch, shortSha(s.commit) && `@ ${shortSha(s.commit)}`].filter(Boolean).join(' '));
  const mode = s.providerMode === 'delegated' ? ' (delegated)' : '';
  row('provider', s.provider && `${s.provider}${mode}${s.providerReason ? ` — ${s.providerReason}` : ''}`);
  // Pieced together from a record without the status memo, the counts are all 0: not worth a row.
  if (!s.queryError || STAGES.some((stage) => s.attempts?.[stage])) row('attempts', formatAttempts(s));
  row('cost', `${formatUsd(s.costUsd)}${s.budgetUsd !== undefined ? ` of ${formatUsd(s.budgetUsd)} budget` : ''}`);
  if (s.lastTest) row('last test', testLine(s.lastTest));
  if (s.lastStaging) {
    const st = s.lastStaging;
    const where = st.host ? `${st.host} over ssh` : (st.transport ?? 'local');
    row(
      'staging',
      `${st.outcomeClass ?? st.status} on ${st.target} (${where}, exit ${st.exitCode ?? '-'}, ${formatMs(st.durationMs)}) @ ${shortSha(st.commit)}`,
    );
    if (st.outcomeClass && st.outcomeClass !== 'passed') row('', st.reason);
  }
  if (s.lastSummary) row('summary', firstLine(s.lastSummary));
  if (s.queryError) row('note', s.queryError);

  if (s.ignoredSignals?.length) {
    // Messages the task did not act on (a wrong payload, or one that did not fit its state): the last few.
    out.push('', `Ignored signals (${s.ignoredSignals.length}):`);
    for (const i of s.ignoredSignals.slice(-3))
      out.push(indent(`${i.at} ${i.signal} (${i.state}): ${i.reason}`, '  ', '    '));
  }
  if (s.state === 'needs-input' && s.questions?.length) {
    out.push('', 'Questions:');
    s.questions.forEach((q, i) => out.push(indent(`${i + 1}. ${q}`, '  ', '     ')));
    out.push('', 'Answer with:', `  switchyard answer ${s.taskId} --text ${shellQuote('…')}`);
    out.push(`  (or --file answer.md for a longer answer)`);
  }
  if (s.state === 'hold') {
    out.push('', `On hold${s.heldStage ? ` at ${s.heldStage}` : ''}:`);
    out.push(indent(s.holdReason || '(no reason recorded)', '  ', '  '));
    out.push('', 'Resume with:', `  switchyard resume ${s.taskId}            # retry ${s.heldStage ?? 'the stage'}`);
    out.push(`  switchyard resume ${s.taskId} --abort    # give up: the task fails`);
    out.push(`  (add --budget USD / --attempts N / --note TEXT as needed)`);
  }
  if (s.paused && (s.state === 'queued' || s.state === 'running')) {
    out.push('', `Paused: it stops at the next stage boundary. Continue with: switchyard unpause ${s.taskId}`);
  }
  if (s.transitions.length) {
    out.push('', 'Transitions:');
    for (const t of s.transitions) out.push(`  ${transitionLine(t)}`);
  }
  return out.join('\n') + '\n';
}

function formatAttempts(s: TaskStatus): string {
  return STAGES.map((stage) => {
    const n = s.attempts?.[stage] ?? 0;
    return stage === 'development' && s.maxDevAttempts ? `${stage} ${n}/${s.maxDevAttempts}` : `${stage} ${n}`;
  }).join(' · ');
}

function testLine(t: NonNullable<TaskStatus['lastTest']>): string {
  const counts = t.counts
    ? ` ${t.counts.passed} passed, ${t.counts.failed} failed${t.counts.skipped ? `, ${t.counts.skipped} skipped` : ''} (${t.counts.framework})`
    : '';
  return `${t.status}${counts}, exit ${t.exitCode ?? '-'} in ${formatMs(t.durationMs)} @ ${shortSha(t.commit)}`;
}

export function transitionLine(t: Transition): string {
  return `${formatTime(t.at)}  ${t.from} → ${t.to}  (${firstLine(t.outcome)})${t.note ? `  ${firstLine(t.note)}` : ''}`;
}

function firstLine(text: string, max = 160): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function indent(text: string, first: string, rest: string): string {
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? first : rest) + l)
    .join('\n');
}

export function formatList(rows: TaskListRow[]): string {
  if (!rows.length) return 'no tasks\n';
  const header = ['TASK', 'STATE', 'STAGE', 'REPO', 'PROVIDER', 'COST', 'STARTED', 'TITLE'];
  const body = rows.map((r) => [
    r.taskId,
    r.state,
    r.stage || '-',
    r.repo || '-',
    r.provider || '-',
    formatUsd(r.costUsd),
    formatTime(r.startTime),
    r.title,
  ]);
  return table([header, ...body]);
}

export function formatDelegatedJobs(rows: DelegatedJobRow[]): string {
  if (!rows.length) return 'no task waits on the job platform\n';
  const header = ['TASK', 'STAGE', 'JOB', 'TARGET', 'PLATFORM STATUS', 'ELAPSED', 'NOTE'];
  const body = rows.map((r) => [
    r.taskId,
    r.stage,
    r.jobId ?? '-',
    r.target ?? '-',
    r.platformStatus,
    formatMs(r.elapsedMs),
    r.lastFailure ? `attempt ${r.attempt}; last: ${r.lastFailure}` : '',
  ]);
  return table([header, ...body]);
}

/** Left-aligned columns; the last column is not padded so long titles do not add trailing spaces. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') +
    '\n'
  );
}

/** Lines for one observed change during `watch`, each with a timestamp. */
export function formatChange(
  s: TaskStatusView,
  previous: TaskStatusView | undefined,
  newTransitions: Transition[],
  now: Date = new Date(),
): string[] {
  const t = clock(now);
  const lines: string[] = [];
  for (const tr of newTransitions) {
    // A transition happened when the workflow says, not when this poll noticed it.
    lines.push(
      `${clock(new Date(tr.at))}  ${tr.from} → ${tr.to} (${firstLine(tr.outcome)})${tr.note ? ` — ${firstLine(tr.note)}` : ''}`,
    );
  }
  const attempt = s.attempts?.[s.stage];
  const head = `${s.state}${s.paused ? ' (paused)' : ''} · ${s.stage}${attempt ? ` #${attempt}` : ''}`;
  if (
    !previous ||
    previous.state !== s.state ||
    previous.stage !== s.stage ||
    previous.detail !== s.detail ||
    previous.paused !== s.paused ||
    JSON.stringify(previous.attempts) !== JSON.stringify(s.attempts)
  ) {
    lines.push(`${t}  ${head}${s.detail ? ` — ${firstLine(s.detail)}` : ''}`);
  }
  if (s.commit && s.commit !== previous?.commit) lines.push(`${t}  commit ${shortSha(s.commit)} on ${s.branch ?? '?'}`);
  const progress = progressLine(s.progress);
  if (progress && progress !== progressLine(previous?.progress)) lines.push(`${t}  ${progress}`);
  if (s.state === 'needs-input' && previous?.state !== 'needs-input' && s.questions?.length) {
    s.questions.forEach((q, i) => lines.push(`${t}  question ${i + 1}: ${firstLine(q)}`));
    lines.push(`${t}  answer with: switchyard answer ${s.taskId} --text ${shellQuote('…')}`);
  }
  if (s.state === 'hold' && previous?.state !== 'hold') {
    lines.push(`${t}  on hold: ${firstLine(s.holdReason ?? '(no reason recorded)')}`);
    lines.push(`${t}  resume with: switchyard resume ${s.taskId}   (or --abort)`);
  }
  return lines;
}

/** `switchyard logs`: each artifact with a header, newest last; then the task's events. */
export function formatLogs(artifacts: ListedArtifact[], events: StoredEvent[]): string {
  const out: string[] = [];
  for (const a of artifacts) {
    out.push(
      `=== ${a.stage} #${a.attempt} · ${a.kind} · ${a.size} bytes · ${formatTime(a.createdAt)} (artifact ${a.id})`,
    );
    out.push(a.text !== undefined ? a.text.replace(/\n?$/, '\n') : `(binary ${a.contentType}: ${a.preview})\n`);
  }
  if (events.length) {
    out.push('=== events');
    for (const e of events) {
      const p = (e.payload ?? {}) as Record<string, unknown>;
      const what =
        typeof p.from === 'string' ? `${p.from} → ${String(p.to)}  (${String(p.outcome)})` : String(p.message ?? '');
      out.push(`${formatTime(e.at)}  ${e.kind.padEnd(18)} ${what}${e.actor ? `  ${e.actor}` : ''}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** `switchyard cost`: a table with a total line. */
export function formatCostTable(by: string, rows: CostRow[]): string {
  if (!rows.length) return 'no usage recorded\n';
  const total = rows.reduce(
    (t, r) => ({
      runs: t.runs + r.runs,
      inputTokens: t.inputTokens + r.inputTokens,
      outputTokens: t.outputTokens + r.outputTokens,
      costUsd: t.costUsd + r.costUsd,
    }),
    { runs: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
  );
  const line = (group: string, r: Omit<CostRow, 'group'>) => [
    group,
    String(r.runs),
    String(r.inputTokens),
    String(r.outputTokens),
    `$${r.costUsd.toFixed(4)}`,
  ];
  return table([
    [by.toUpperCase(), 'RUNS', 'TOKENS IN', 'TOKENS OUT', 'COST'],
    ...rows.map((r) => line(r.group, r)),
    line('total', total),
  ]);
}

/** One line of live agent progress from the pending activity's heartbeat. */
export function progressLine(p: TaskStatusView['progress']): string | undefined {
  if (!p) return undefined;
  const d = p.details ?? {};
  const parts: string[] = [];
  if (typeof d.turns === 'number') parts.push(`turn ${d.turns}`);
  if (typeof d.lastTool === 'string') parts.push(`last tool ${d.lastTool}`);
  else if (typeof d.lastLine === 'string') parts.push(firstLine(d.lastLine, 100));
  if (typeof d.costSoFar === 'number') parts.push(formatUsd(d.costSoFar));
  if (typeof d.account === 'string') parts.push(`account ${d.account}`);
  if (p.attempt > 1)
    parts.push(`attempt ${p.attempt}${p.lastFailure ? ` after: ${firstLine(p.lastFailure, 100)}` : ''}`);
  if (!parts.length) return undefined;
  return `${p.activity}${typeof d.phase === 'string' ? ` (${d.phase})` : ''}: ${parts.join(' · ')}`;
}
