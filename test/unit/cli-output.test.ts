/** The pure parts of the CLI: what a message is refused for, how status and progress read. */
import { describe, expect, it } from 'vitest';
import type { TaskInput, TaskState, TaskStatus } from '../../workflows/api/index.js';
import { formatChange, formatList, formatStatus, progressLine, shellQuote } from '../../client/output.js';
import { refusalReason } from '../../client/refusal.js';
import { mergeExecutionStatus, taskDetailsMarkdown } from '../../client/status-render.js';
import type { MessageKind } from '../../client/views.js';
import { listQuery } from '../../client/visibility.js';
import { exitCodeForSettled } from '../../client/commands/watch.js';

function status(over: Partial<TaskStatus> = {}): TaskStatus {
  return {
    taskId: 'fix-slugify',
    workflowId: 'task-fix-slugify',
    title: 'Fix slugify',
    repo: 'sample-repo',
    state: 'running',
    stage: 'analysis',
    detail: 'analyst running',
    rounds: [],
    paused: false,
    attempts: { analysis: 1, development: 0, testing: 0, 'deploy-staging': 0 },
    maxDevAttempts: 3,
    provider: 'scripted',
    providerReason: 'configured default',
    costUsd: 0.1234,
    transitions: [],
    ignoredSignals: [],
    ...over,
  };
}

describe('refusalReason', () => {
  const allowed: Record<MessageKind, (s: TaskStatus) => boolean> = {
    answer: (s) => s.state === 'needs-input',
    resume: (s) => s.state === 'hold',
    pause: (s) => ['queued', 'running', 'needs-input'].includes(s.state) && !s.paused,
    unpause: (s) => s.paused && !['done', 'failed', 'cancelled'].includes(s.state),
    cancel: (s) => !['done', 'failed', 'cancelled'].includes(s.state),
  };
  const states: TaskState[] = ['queued', 'running', 'needs-input', 'hold', 'done', 'failed', 'cancelled'];

  for (const kind of Object.keys(allowed) as MessageKind[]) {
    it(`${kind}: allowed exactly where the design says, and a refusal names the state`, () => {
      for (const state of states) {
        for (const paused of [false, true]) {
          const s = status({ state, paused });
          const reason = refusalReason(kind, s);
          if (allowed[kind](s)) expect(reason, `${state} paused=${paused}`).toBeUndefined();
          else expect(reason, `${state} paused=${paused}`).toMatch(new RegExp(`task fix-slugify is ${state}`));
        }
      }
    });
  }

  it('points at the message that would fit', () => {
    expect(refusalReason('answer', status({ state: 'hold' }))).toContain('switchyard resume fix-slugify');
    expect(refusalReason('resume', status({ state: 'needs-input' }))).toContain('switchyard answer fix-slugify');
    expect(refusalReason('pause', status({ paused: true }))).toContain('switchyard unpause fix-slugify');
  });
});

describe('formatStatus', () => {
  it('lists the last ignored signals with their reasons', () => {
    const ignored = (n: number) => ({ signal: 'resume', state: 'hold' as const, at: `t${n}`, reason: `reason ${n}` });
    const text = formatStatus(status({ ignoredSignals: [1, 2, 3, 4].map(ignored) }));
    expect(text).toContain('Ignored signals (4):');
    expect(text).toContain('t4 resume (hold): reason 4');
    expect(text).not.toContain('reason 1');
  });

  it('shows questions with the exact answer command', () => {
    const text = formatStatus(
      status({ state: 'needs-input', questions: ['Transliterate é → e, or drop it?', 'Keep dashes?'] }),
    );
    expect(text).toMatch(/^fix-slugify — Fix slugify$/m);
    expect(text).toContain('1. Transliterate é → e, or drop it?');
    expect(text).toContain('2. Keep dashes?');
    expect(text).toContain('switchyard answer fix-slugify --text "…"');
    expect(text).toContain('cost       $0.12');
  });

  it('shows a hold with its reason and the resume commands', () => {
    const text = formatStatus(
      status({ state: 'hold', stage: 'testing', heldStage: 'testing', holdReason: 'test command not found: npm' }),
    );
    expect(text).toContain('On hold at testing:');
    expect(text).toContain('test command not found: npm');
    expect(text).toContain('switchyard resume fix-slugify ');
    expect(text).toContain('switchyard resume fix-slugify --abort');
    expect(text).not.toContain('switchyard answer');
  });

  it('shows branch, commit, the last test and transitions', () => {
    const text = formatStatus(
      status({
        stage: 'testing',
        branch: 'switchyard/fix-slugify',
        commit: '0123456789abcdef0123',
        attempts: { analysis: 1, development: 2, testing: 2, 'deploy-staging': 0 },
        lastTest: {
          status: 'FAIL',
          exitCode: 1,
          durationMs: 2300,
          counts: { framework: 'node:test', passed: 4, failed: 1 },
          output: '',
          outputBytes: 0,
          truncated: false,
          command: ['npm', 'test'],
          commit: '0123456789abcdef0123',
        },
        transitions: [{ from: 'analysis', to: 'development', outcome: 'ready', at: '2024-05-01T10:00:00.000Z' }],
      }),
    );
    expect(text).toContain('switchyard/fix-slugify @ 0123456789');
    expect(text).toContain('development 2/3');
    expect(text).toContain('FAIL 4 passed, 1 failed (node:test), exit 1 in 2.3s');
    expect(text).toMatch(/analysis → development {2}\(ready\)/);
  });
});

describe('formatChange', () => {
  it('prints the first status, then only what changed, each line timestamped', () => {
    const now = new Date(2024, 4, 1, 12, 3, 4);
    const first = status();
    expect(formatChange(first, undefined, [], now)).toEqual(['12:03:04  running · analysis #1 — analyst running']);
    const next = status({
      state: 'needs-input',
      detail: 'waiting for an answer',
      questions: ['Transliterate?'],
      transitions: [{ from: 'analysis', to: 'needs-input', outcome: 'needs-input', at: now.toISOString() }],
    });
    const lines = formatChange(next, first, next.transitions, now);
    expect(lines[0]).toBe('12:03:04  analysis → needs-input (needs-input)');
    expect(lines).toContain('12:03:04  needs-input · analysis #1 — waiting for an answer');
    expect(lines).toContain('12:03:04  question 1: Transliterate?');
    expect(lines.at(-1)).toContain('switchyard answer fix-slugify --text');
  });
});

describe('list and helpers', () => {
  it('builds the visibility query from the filters', () => {
    expect(listQuery({})).toBe(`WorkflowType = 'taskWorkflow'`);
    expect(listQuery({ state: 'hold', repo: 'webapp' })).toBe(
      `WorkflowType = 'taskWorkflow' AND SwitchyardState = 'hold' AND ExecutionStatus = 'Running' AND SwitchyardRepo = 'webapp'`,
    );
    expect(listQuery({ state: 'failed' })).toBe(
      `WorkflowType = 'taskWorkflow' AND (SwitchyardState = 'failed' OR ExecutionStatus IN ('Terminated', 'TimedOut', 'Failed'))`,
    );
    expect(listQuery({ state: 'cancelled' })).toBe(
      `WorkflowType = 'taskWorkflow' AND (SwitchyardState = 'cancelled' OR ExecutionStatus = 'Canceled')`,
    );
    expect(() => listQuery({ repo: "x' OR 1=1" })).toThrow(/--repo must not contain quotes/);
  });

  it('formats rows as aligned columns', () => {
    const text = formatList([
      {
        taskId: 'a',
        workflowId: 'task-a',
        title: 'Title A',
        state: 'running',
        stage: 'testing',
        repo: 'webapp',
        provider: 'scripted',
        costUsd: 1.5,
        startTime: '2024-05-01T10:00:00.000Z',
        status: 'RUNNING',
      },
    ]);
    const [header, row] = text.trimEnd().split('\n');
    expect(header.indexOf('STATE')).toBe(row.indexOf('running'));
    expect(row).toContain('$1.50');
    expect(formatList([])).toBe('no tasks\n');
  });

  it("Temporal's cancel/terminate wins over what the query says", () => {
    expect(mergeExecutionStatus(status(), 'CANCELLED').state).toBe('cancelled');
    expect(mergeExecutionStatus(status(), 'TERMINATED').state).toBe('failed');
    expect(mergeExecutionStatus(status({ state: 'done' }), 'COMPLETED').state).toBe('done');
    expect(mergeExecutionStatus(status(), 'RUNNING').state).toBe('running');
  });

  it('maps settled states to exit codes', () => {
    expect(exitCodeForSettled('done')).toBe(0);
    expect(exitCodeForSettled('failed')).toBe(1);
    expect(exitCodeForSettled('cancelled')).toBe(1);
    expect(exitCodeForSettled('needs-input')).toBe(3);
    expect(exitCodeForSettled('hold')).toBe(3);
  });

  it('quotes text for a shell', () => {
    expect(shellQuote('say "hi" for $5')).toBe('"say \\"hi\\" for \\$5"');
  });

  it('describes the task for the Web UI', () => {
    const input: TaskInput = {
      task: {
        id: 'fix-slugify',
        repo: 'webapp',
        title: 'Fix slugify',
        allowDelegation: false,
        needsClaudeCode: false,
        body: 'line 1\nline 2',
      },
      base: 'main',
      maxDevAttempts: 3,
      serial: true,
      provider: 'scripted',
      providerReason: 'configured default',
      waitTimeoutMs: 1,
      reminderEveryMs: 1,
    };
    const md = taskDetailsMarkdown(input);
    expect(md).toContain('`scripted` — configured default');
    expect(md).toContain('base `main`');
    expect(md).toContain('line 2');
  });
});

describe('progressLine', () => {
  it('says what the agent is doing from its heartbeat, and nothing without one', () => {
    expect(progressLine(undefined)).toBeUndefined();
    expect(
      progressLine({
        activity: 'runDeveloper',
        attempt: 2,
        details: { phase: 'agent', turns: 7, lastTool: 'Edit', costSoFar: 0.1234, account: 'seat-1' },
        lastFailure: 'ProviderUnavailable: 529 overloaded',
      }),
    ).toBe(
      'runDeveloper (agent): turn 7 · last tool Edit · $0.12 · account seat-1 · attempt 2 after: ProviderUnavailable: 529 overloaded',
    );
    expect(
      progressLine({ activity: 'runTests', attempt: 1, details: { phase: 'tests', lastLine: 'ok 3 - adds' } }),
    ).toBe('runTests (tests): ok 3 - adds');
  });
});

describe('the Web UI list links', () => {
  it('filters to tasks, and to tasks waiting for a person', async () => {
    const { taskListLinks } = await import('../../client/start.js');
    const links = taskListLinks('http://localhost:8233/namespaces/default/workflows');
    expect(decodeURIComponent(links.tasks)).toBe(
      'http://localhost:8233/namespaces/default/workflows?query=WorkflowType="taskWorkflow"',
    );
    expect(decodeURIComponent(links.needsInput)).toBe(
      'http://localhost:8233/namespaces/default/workflows?query=WorkflowType="taskWorkflow" AND SwitchyardState="needs-input"',
    );
  });
});
