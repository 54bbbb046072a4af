/**
 * The Temporal client's own way in: start inputs and signal payloads typed by hand (as the `temporal`
 * CLI, the Web UI's forms or a person's own code send them), against the real workflow code on the
 * dev server. A bad start fails at once with every problem listed; a bad signal is recorded as
 * ignored with its reason, and the task stays queryable and able to finish.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorType,
  gateStateQuery,
  gateWorkflowId,
  SA_STATE,
  statusQuery,
  taskWorkflowId,
  type AnalystResult,
  type DeveloperResult,
  type TaskStatus,
} from '../../workflows/api/index.js';
import { MAX_MESSAGE_CHARS } from '../../workflows/messages.js';
import { eventually, startWorkflowWorker, type TestWorker } from '../helpers/workflow-worker.js';

const analystCalls = new Map<string, number>();
const developerCalls = new Map<string, number>();
const bump = (m: Map<string, number>, id: string) => {
  const n = (m.get(id) ?? 0) + 1;
  m.set(id, n);
  return n;
};

let w: TestWorker;

beforeAll(async () => {
  // The analyst asks once, the developer changes nothing once: the task waits for an answer, then a resume.
  w = await startWorkflowWorker({
    async runAnalyst(i) {
      const n = bump(analystCalls, i.taskId);
      return {
        provider: 'fake',
        exitCode: 0,
        durationMs: 1,
        summary: '',
        outputTail: '',
        costUsd: 0.01,
        artifacts: [],
        ok: true,
        analysis: 'plan',
        questions: n === 1 ? ['Which locale?'] : [],
      } satisfies AnalystResult;
    },
    async runDeveloper(i) {
      const n = bump(developerCalls, i.taskId);
      return {
        provider: 'fake',
        exitCode: 0,
        durationMs: 1,
        summary: '',
        outputTail: '',
        costUsd: 0.01,
        artifacts: [],
        outcome: n === 1 ? 'no-changes' : 'committed',
        branch: i.branch,
        commit: n === 1 ? undefined : 'c'.repeat(40),
        changedFiles: n === 1 ? [] : ['a.txt'],
      } satisfies DeveloperResult;
    },
    async runTests(i) {
      return {
        status: 'PASS',
        exitCode: 0,
        durationMs: 1,
        output: 'ok',
        outputBytes: 2,
        truncated: false,
        command: ['npm', 'test'],
        commit: i.commit,
      };
    },
    async runStagingCheck(i) {
      return {
        status: 'PASS',
        outcomeClass: 'passed',
        transport: 'local',
        reason: `staging target ${i.target}: passed`,
        exitCode: 0,
        durationMs: 1,
        output: 'ok',
        outputBytes: 2,
        truncated: false,
        target: i.target,
        commit: i.commit,
      };
    },
    // Nothing here is delegated (the delegation suites are workflows/task.test.ts and e2e/delegation.test.ts).
    async submitDelegatedJob() {
      throw new Error('no delegated provider in this suite');
    },
    async awaitDelegatedAnalysis() {
      throw new Error('no delegated provider in this suite');
    },
    async awaitDelegatedDevelopment() {
      throw new Error('no delegated provider in this suite');
    },
    async cancelDelegatedJob() {
      throw new Error('no delegated provider in this suite');
    },
    async deliverWebhook() {
      throw new Error('no webhook in this suite');
    },
    async notify() {},
    async recordEvents() {},
    async storeTaskBody() {
      return { id: 1, kind: 'task-body', size: 0, truncated: false };
    },
  });
});

afterAll(async () => {
  await w?.stop();
});

let seq = 0;
const newId = (what: string) => `raw-${what}-${Date.now().toString(36)}-${++seq}`;

function validInput(id: string) {
  return {
    task: { id, repo: `repo-${id}`, title: `Raw ${id}`, body: 'Do the thing.' },
    provider: 'fake',
    serial: false,
  };
}

async function historyEventTypes(h: WorkflowHandle): Promise<string[]> {
  const history = JSON.parse(historyToJSON(await h.fetchHistory())) as { events: { eventType: string }[] };
  return history.events.map((e) => e.eventType);
}

describe('raw start inputs', () => {
  const id = newId('start');
  it.each<[string, string, unknown[], RegExp[]]>([
    ['a bare string', `${id}-a`, ['fix-login'], [/^input: expected an object/]],
    ['null', `${id}-b`, [null], [/^input: expected an object .*got null/]],
    ['no input at all', `${id}-c`, [], [/^input: missing$/]],
    [
      'a task with only an id',
      `${id}-d`,
      [{ task: { id: `${id}-d` } }],
      [/^task\.repo: missing$/, /^task\.title: missing$/, /^task\.body: missing$/, /^provider: missing$/],
    ],
    ['a task id starting with "-"', `${id}-e`, [{ ...validInput('--help') }], [/^task\.id: "--help" is not a task id/]],
    [
      'a missing repo',
      `${id}-f`,
      [{ task: { id: `${id}-f`, title: 't', body: 'b' }, provider: 'fake' }],
      [/^task\.repo: missing$/],
    ],
    [
      'wrong types',
      `${id}-g`,
      [{ ...validInput(`${id}-g`), budgetUsd: 'abc', serial: 'yes', waitTimeoutMs: -1 }],
      [/^budgetUsd: expected a number, got a string$/, /^serial: expected true or false/, /^waitTimeoutMs: /],
    ],
    [
      'a repo that would be a git option',
      `${id}-h`,
      [
        {
          ...validInput(`${id}-h`),
          task: { ...validInput(`${id}-h`).task, repo: '--upload-pack=touch${IFS}PWNED;x@y:' },
        },
      ],
      [/^task\.repo: .*starts with "-"/],
    ],
    ['a workflow id that is not task-<id>', `${id}-i`, [validInput(`${id}-other`)], [/^workflowId: .* must be "task-/]],
    [
      // Too long for the repo search attribute and the gate's workflow id: refused, not wedged on the upsert.
      'a 5000-character repo and provider',
      `${id}-j`,
      [
        {
          ...validInput(`${id}-j`),
          task: { ...validInput(`${id}-j`).task, repo: `/srv/${'a'.repeat(4995)}` },
          provider: 'p'.repeat(5000),
        },
      ],
      [/^task\.repo: .*5000 characters long; at most 512/, /^provider: is 5000 characters long; .* at most 64$/],
    ],
  ])('%s fails the run at once, listing every problem', async (_what, taskId, args, expected) => {
    const h = await w.client.workflow.start('taskWorkflow', {
      workflowId: taskWorkflowId(taskId),
      taskQueue: w.taskQueue,
      args,
    });
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const failure = cause as ApplicationFailure;
    expect(failure.type).toBe(ErrorType.InvalidInput);
    expect(failure.nonRetryable).toBe(true);
    const problems = (failure.details?.[0] as { problems: string[] }).problems;
    expect(problems).toHaveLength(expected.length);
    expected.forEach((re, n) => expect(problems[n]).toMatch(re));
    expect(failure.message).toContain(problems[0]);

    // Failed in its first workflow task: never retried, never left Running.
    const desc = await h.describe();
    expect(desc.status.name).toBe('FAILED');
    const types = await historyEventTypes(h);
    expect(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_FAILED')).toEqual([]);
    expect(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED')).toHaveLength(1);
    expect(desc.typedSearchAttributes.get(SA_STATE)).toBe('failed');
    // The Web UI's current details list the problems.
    const meta = await h.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toContain('invalid start input');
    for (const p of problems) expect(meta.currentDetails).toContain(p);
  });

  it('a hand-typed minimal input runs to the end with the defaults', async () => {
    const taskId = newId('minimal');
    const h = await w.client.workflow.start('taskWorkflow', {
      workflowId: taskWorkflowId(taskId),
      taskQueue: w.taskQueue,
      args: [validInput(taskId)],
    });
    await eventually(
      async () => ((await h.query(statusQuery)).state === 'needs-input' ? true : undefined),
      'a question',
    );
    await h.signal('answer', 'en-GB');
    await eventually(async () => ((await h.query(statusQuery)).state === 'hold' ? true : undefined), 'hold');
    await h.signal('resume', { action: 'retry' });
    const done = (await h.result()) as TaskStatus;
    expect(done.state).toBe('done');
    expect(done.maxDevAttempts).toBe(3);
    expect(done.branch).toBe(`switchyard/${taskId}`);
  });
});

describe('raw signal payloads', () => {
  it('malformed answer/resume/pause/unpause and internal payloads are ignored with reasons; the task finishes', async () => {
    const taskId = newId('signals');
    const h = await w.client.workflow.start('taskWorkflow', {
      workflowId: taskWorkflowId(taskId),
      taskQueue: w.taskQueue,
      args: [validInput(taskId)],
    });
    const status = () => h.query(statusQuery);
    await eventually(async () => ((await status()).state === 'needs-input' ? true : undefined), 'a question');

    let ignored = 0;
    /** Sends one payload; the task must record it as ignored with a reason matching `reason`, and stay queryable. */
    const refused = async (signal: string, args: unknown[], reason: RegExp) => {
      await h.signal(signal, ...args);
      ignored++;
      const s = await eventually(
        async () => {
          const s = await status();
          return s.ignoredSignals.length >= ignored ? s : undefined;
        },
        `${signal} ${JSON.stringify(args).slice(0, 80)} to be ignored`,
      );
      const last = s.ignoredSignals.at(-1)!;
      expect(last.signal, JSON.stringify(args).slice(0, 80)).toBe(signal);
      expect(last.reason, JSON.stringify(args).slice(0, 80)).toMatch(reason);
      return s;
    };

    const huge = 'x'.repeat(MAX_MESSAGE_CHARS * 4);
    // While it waits for an answer.
    await refused('answer', [null], /invalid payload: payload: expected an object .*got null/);
    await refused('answer', [['en-GB']], /invalid payload: payload: .*got an array/);
    await refused('answer', [{ text: 5 }], /invalid payload: text: expected a string, got 5/);
    await refused('answer', [{}], /invalid payload: text: missing/);
    await refused('answer', [], /invalid payload: payload: missing/);
    await refused('answer', [huge], new RegExp(`invalid payload: text: is longer than ${MAX_MESSAGE_CHARS}`));
    await refused('answer', [{ text: 'en-GB', extra: true }], /invalid payload: extra: unknown field/);
    await refused('answer', [''], /invalid payload: text: is empty/);
    await refused('pause', [null], /invalid payload: payload: .*got null/);
    await refused('pause', ['now please'], /invalid payload: payload: .*got a string/);
    await refused('pause', [{ by: 5 }], /invalid payload: by: expected a string, got 5/);
    await refused('unpause', [{ note: ['x'] }], /invalid payload: note: expected a string/);
    await refused('resume', [{ action: 'retry' }], /^not on hold$/);
    await refused('stageProgress', [{ stage: 'nowhere', detail: 'x' }], /invalid payload: stage: /);
    await refused('gateGranted', ['yes'], /invalid payload: payload: .*got a string/);
    await refused('gateGranted', [{ repo: `repo-${taskId}` }], /not waiting for the repo gate/);
    const waiting = await status();
    expect(waiting.state).toBe('needs-input');
    expect(waiting.paused).toBe(false);

    // A bare JSON string is what the Web UI's signal form sends: it is the answer.
    await h.signal('answer', 'use en-GB');
    const held = await eventually(async () => {
      const s = await status();
      return s.state === 'hold' ? s : undefined;
    }, 'hold after the answer');
    expect(held.rounds[0]).toMatchObject({ questions: ['Which locale?'], answer: 'use en-GB' });

    // While it is on hold: the payload that wedged tasks for good, and its relatives.
    await refused(
      'resume',
      [{ action: 'explode', budgetUsd: 'abc' }],
      /action: must be "retry" or "abort"; budgetUsd: expected a number, got a string/,
    );
    await refused('resume', [null], /payload: .*got null/);
    await refused('resume', [{}], /action: must be "retry" or "abort"/);
    await refused('resume', ['retry'], /payload: .*got a string/);
    await refused('resume', [[{ action: 'retry' }]], /payload: .*got an array/);
    await refused('resume', [{ action: 'retry', budgetUsd: 'abc' }], /budgetUsd: expected a number, got a string/);
    await refused('resume', [{ action: 'retry', maxDevAttempts: -1 }], /maxDevAttempts: /);
    await refused('resume', [{ action: 'retry', note: huge }], /note: is longer than/);
    await refused('resume', [{ action: 'retry', budget: 9 }], /budget: unknown field/);
    await refused('answer', ['late'], /^not waiting for an answer$/);
    const still = await status();
    expect(still.state).toBe('hold');
    expect(still.budgetUsd).toBeUndefined();
    expect(still.maxDevAttempts).toBe(3);

    await h.signal('resume', { action: 'retry', note: 'try again' });
    const done = (await h.result()) as TaskStatus;
    expect(done.state).toBe('done');
    expect(done.ignoredSignals).toHaveLength(ignored);
    expect(ignored).toBeGreaterThanOrEqual(25);
    // Never a failed workflow task: nothing was thrown into the workflow.
    expect((await historyEventTypes(h)).filter((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_FAILED')).toEqual([]);
    // The Web UI's current details show the latest ignored signals.
    const meta = await h.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toContain(`**Ignored signals** (${ignored})`);
  });
});

describe('the repo gate', () => {
  const gateRepo = newId('gate');

  it.each<[string, string, unknown[], RegExp[]]>([
    ['no input at all', `gate-${gateRepo}-a`, [], [/^repo: missing$/]],
    ['null', `gate-${gateRepo}-b`, [null], [/^repo: expected a string, got null$/]],
    ['an object', `gate-${gateRepo}-c`, [{ repo: `${gateRepo}-c` }], [/^repo: expected a string, got an object$/]],
    [
      'a 5000-character repo',
      `gate-${gateRepo}-d`,
      [`/srv/${'a'.repeat(4995)}`],
      [/^repo: .*5000 characters long; at most 512/],
    ],
    ['another repo than its id says', `gate-${gateRepo}-e`, [`${gateRepo}-x`], [/^workflowId: .* must be "gate-/]],
    [
      'carried state of the wrong shape',
      `gate-${gateRepo}-f`,
      [`${gateRepo}-f`, { repo: `${gateRepo}-f`, queue: 'none' }],
      [/^carried\.queue: expected array/],
    ],
  ])('a start input of %s fails the gate at once, listing every problem', async (_what, workflowId, args, expected) => {
    const h = await w.client.workflow.start('repoGateWorkflow', { workflowId, taskQueue: w.taskQueue, args });
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(ErrorType.InvalidInput);
    expect(failure.nonRetryable).toBe(true);
    const problems = (failure.details?.[0] as { problems: string[] }).problems;
    expect(problems).toHaveLength(expected.length);
    expected.forEach((re, n) => expect(problems[n]).toMatch(re));
    expect((await h.describe()).status.name).toBe('FAILED');
    const types = await historyEventTypes(h);
    expect(types.filter((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_FAILED')).toEqual([]);
    const meta = await h.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    for (const p of problems) expect(meta.currentDetails).toContain(p);
  });

  it('malformed gateAcquire/gateRelease payloads are ignored with reasons; a real task still gets through', async () => {
    const repo = `${gateRepo}-live`;
    const gate = await w.client.workflow.start('repoGateWorkflow', {
      workflowId: gateWorkflowId(repo),
      taskQueue: w.taskQueue,
      args: [repo],
    });
    const state = () => gate.query(gateStateQuery);

    let ignored = 0;
    const refused = async (signal: string, args: unknown[], reason: RegExp) => {
      await gate.signal(signal, ...args);
      ignored++;
      const what = `${signal} ${JSON.stringify(args).slice(0, 80)}`;
      const s = await eventually(async () => {
        const s = await state();
        return (s.ignored?.length ?? 0) >= ignored ? s : undefined;
      }, `${what} to be ignored`);
      const last = s.ignored!.at(-1)!;
      expect(last.signal, what).toBe(signal);
      expect(last.reason, what).toMatch(reason);
      expect(last.reason.length, what).toBeLessThan(400);
      expect(s.holder, what).toBeUndefined();
      expect(s.queue, what).toEqual([]);
    };

    const huge = 'x'.repeat(50_000);
    await refused('gateAcquire', [null], /invalid payload: payload: expected an object .*got null/);
    await refused('gateAcquire', [], /invalid payload: payload: missing/);
    await refused('gateAcquire', [{}], /invalid payload: workflowId: missing; taskId: missing/);
    await refused('gateAcquire', [[{ workflowId: 'task-a', taskId: 'a' }]], /payload: .*got an array/);
    await refused('gateAcquire', ['task-a'], /payload: .*got a string/);
    await refused('gateAcquire', [{ workflowId: 5, taskId: true }], /workflowId: expected a string, got 5/);
    await refused('gateAcquire', [{ workflowId: `task-${huge}`, taskId: huge }], /is not a task workflow id/);
    await refused('gateAcquire', [{ workflowId: 'task-other', taskId: 'mine' }], /workflowId: must be task-<taskId>/);
    await refused('gateAcquire', [{ workflowId: 'task---help', taskId: '--help' }], /"--help" is not a task id/);
    await refused('gateAcquire', [{ workflowId: 'task-a', taskId: 'a', extra: 1 }], /extra: unknown field/);
    await refused('gateRelease', [null], /invalid payload: payload: .*got null/);
    await refused('gateRelease', [], /invalid payload: payload: missing/);
    await refused('gateRelease', [{}], /invalid payload: workflowId: missing/);
    await refused('gateRelease', [['task-a']], /payload: .*got an array/);
    await refused('gateRelease', [{ workflowId: 42 }], /workflowId: expected a string, got 42/);
    await refused('gateRelease', [{ workflowId: huge }], /is not a task workflow id/);

    // The same request as an update is refused by its validator: nothing reaches history or state.
    await expect(
      gate.executeUpdate('gateAcquireNow', { args: [{ workflowId: 'task-other', taskId: 'mine' }] }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/invalid payload: workflowId: must be task-<taskId>/) },
    });
    expect((await state()).holder).toBeUndefined();

    // A well-formed request from a task that does not exist: granted, found unreachable, passed on.
    await gate.signal('gateAcquire', { workflowId: taskWorkflowId(`${gateRepo}-ghost`), taskId: `${gateRepo}-ghost` });

    // A real task on that repo takes the gate and finishes.
    const taskId = newId('gated');
    const h = await w.client.workflow.start('taskWorkflow', {
      workflowId: taskWorkflowId(taskId),
      taskQueue: w.taskQueue,
      args: [{ ...validInput(taskId), task: { ...validInput(taskId).task, repo }, serial: true }],
    });
    await eventually(
      async () => ((await h.query(statusQuery)).state === 'needs-input' ? true : undefined),
      'a question',
    );
    await h.signal('answer', 'en-GB');
    await eventually(async () => ((await h.query(statusQuery)).state === 'hold' ? true : undefined), 'hold');
    await h.signal('resume', { action: 'retry' });
    const done = (await h.result()) as TaskStatus;
    expect(done.state).toBe('done');
    expect(done.ignoredSignals).toEqual([]);

    const after = await eventually(async () => {
      const s = await state();
      return !s.holder && s.queue.length === 0 ? s : undefined;
    }, 'the gate to be free');
    expect(after.ignored).toHaveLength(ignored);
    expect((await gate.describe()).status.name).toBe('RUNNING');
    const gateEvents = await historyEventTypes(gate);
    expect(gateEvents.filter((t) => t === 'EVENT_TYPE_WORKFLOW_TASK_FAILED')).toEqual([]);
    // A grant by signal for the task that does not exist (it asked by signal); the real task asked twice
    // (its hold between gave the gate back) and took the free gate inside its update each time.
    expect(gateEvents.filter((t) => t === 'EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED')).toHaveLength(1);
    expect(gateEvents.filter((t) => t === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(2);
    const meta = await gate.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toContain(`Ignored signals: ${ignored}`);
    await gate.terminate('test over');
  });
});
