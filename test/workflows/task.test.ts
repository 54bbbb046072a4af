/**
 * taskWorkflow, its stage children and the repo gate on a real dev server, with activities scripted
 * per task so each test can steer the story (agent, runner and staging activities have their own
 * tests against real processes).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerSignal,
  ErrorType,
  MEMO_STATUS_KEY,
  pauseSignal,
  SA_COST_USD,
  SA_PROVIDER,
  SA_REPO,
  SA_STAGE,
  SA_STATE,
  resumeSignal,
  statusQuery,
  taskWorkflowId,
  unpauseSignal,
  type AgentRunInput,
  type AnalystResult,
  type DelegatedJobRef,
  type DeveloperInput,
  type DeveloperResult,
  type NotifyInput,
  type RecordEventsInput,
  type StagingSummary,
  type StatusMemo,
  type TaskInput,
  type TaskStatus,
  type TestSummary,
} from '../../workflows/api/index.js';
import { eventually, startWorkflowWorker, type TestWorker } from '../helpers/workflow-worker.js';
import { recordHistory } from '../replay/record.js';

interface Script {
  analyst?: (i: AgentRunInput, n: number) => Partial<AnalystResult> | Promise<Partial<AnalystResult>>;
  developer?: (i: DeveloperInput, n: number) => Partial<DeveloperResult> | Promise<Partial<DeveloperResult>>;
  tests?: (commit: string, n: number) => Partial<TestSummary> | Promise<Partial<TestSummary>>;
  staging?: (commit: string, n: number) => Partial<StagingSummary> | Promise<Partial<StagingSummary>>;
  /** A delegated stage's submit: throw to fail it (as the platform client would). */
  submit?: (i: AgentRunInput, n: number) => void | Promise<void>;
  /** Runs in the analysis await before it answers. */
  awaitAnalysis?: () => Promise<void>;
}

const scripts = new Map<string, Script>();
const calls = new Map<
  string,
  {
    analyst: AgentRunInput[];
    developer: DeveloperInput[];
    tests: string[];
    staging: string[];
    submits: AgentRunInput[];
    awaited: DelegatedJobRef[];
    cancelled: string[];
  }
>();
const notices: NotifyInput[] = [];
const filed: RecordEventsInput[] = [];

function callsOf(taskId: string) {
  let c = calls.get(taskId);
  if (!c)
    calls.set(
      taskId,
      (c = { analyst: [], developer: [], tests: [], staging: [], submits: [], awaited: [], cancelled: [] }),
    );
  return c;
}

const agentBase = {
  provider: 'fake',
  exitCode: 0,
  durationMs: 1,
  summary: 'did things',
  outputTail: '',
  costUsd: 0.01,
};

let w: TestWorker;

beforeAll(async () => {
  w = await startWorkflowWorker({
    async runAnalyst(i) {
      const c = callsOf(i.taskId);
      c.analyst.push(i);
      const r = (await scripts.get(i.taskId)?.analyst?.(i, c.analyst.length)) ?? {};
      return { ...agentBase, ok: true, analysis: 'the plan', questions: [], ...r } as AnalystResult;
    },
    async runDeveloper(i) {
      const c = callsOf(i.taskId);
      c.developer.push(i);
      const r = (await scripts.get(i.taskId)?.developer?.(i, c.developer.length)) ?? {};
      return {
        ...agentBase,
        outcome: 'committed',
        branch: i.branch,
        commit: `c${c.developer.length}`.padEnd(40, '0'),
        changedFiles: ['a.txt'],
        ...r,
      } as DeveloperResult;
    },
    async runTests(i) {
      const c = callsOf(i.taskId);
      c.tests.push(i.commit);
      const r = (await scripts.get(i.taskId)?.tests?.(i.commit, c.tests.length)) ?? {};
      return {
        status: 'PASS',
        exitCode: 0,
        durationMs: 1,
        output: 'ok',
        outputBytes: 2,
        truncated: false,
        command: ['npm', 'test'],
        commit: i.commit,
        ...r,
      };
    },
    async runStagingCheck(i) {
      const c = callsOf(i.taskId);
      c.staging.push(i.commit);
      const r = (await scripts.get(i.taskId)?.staging?.(i.commit, c.staging.length)) ?? {};
      return {
        status: 'PASS',
        outcomeClass: r.status === 'FAIL' ? 'failed' : 'passed',
        transport: 'local',
        reason: `staging target ${i.target}: ${r.status === 'FAIL' ? 'the check failed' : 'passed'}`,
        exitCode: 0,
        durationMs: 1,
        output: 'staging ok',
        outputBytes: 10,
        truncated: false,
        target: i.target,
        commit: i.commit,
        ...r,
      };
    },
    async submitDelegatedJob(i) {
      const c = callsOf(i.taskId);
      c.submits.push(i);
      await scripts.get(i.taskId)?.submit?.(i, c.submits.length);
      return {
        jobId: `job-${i.role}-${i.attempt}`,
        provider: i.provider,
        target: 'gpu',
        status: 'queued',
        commit: 'b'.repeat(40),
        submittedAt: Date.now(),
        pollIntervalSec: 1,
        timeoutSec: 600,
      };
    },
    async awaitDelegatedAnalysis(i) {
      callsOf(i.taskId).awaited.push(i.job);
      await scripts.get(i.taskId)?.awaitAnalysis?.();
      return {
        ...agentBase,
        provider: i.provider,
        ok: true,
        analysis: 'the platform plan',
        questions: [],
        artifacts: [],
      };
    },
    async awaitDelegatedDevelopment(i) {
      const c = callsOf(i.taskId);
      c.awaited.push(i.job);
      return {
        ...agentBase,
        provider: i.provider,
        outcome: 'committed',
        branch: i.branch,
        commit: 'd'.repeat(40),
        changedFiles: ['p.txt'],
        artifacts: [],
      };
    },
    async cancelDelegatedJob(i) {
      callsOf(i.taskId).cancelled.push(i.jobId);
    },
    async notify({ events, ...n }) {
      notices.push(n);
      // The real activity files the transitions that travel with a notice, as recordEvents does.
      if (events) filed.push({ taskId: n.taskId, events });
    },
    async deliverWebhook() {
      throw new Error('notify is scripted here: it starts no deliveries');
    },
    async storeTaskBody(b) {
      return { id: 1, kind: 'task-body', size: b.body.length, truncated: false };
    },
    async recordEvents(e) {
      filed.push(e);
    },
  });
});

afterAll(async () => {
  await w?.stop();
});

let seq = 0;
function input({ repo, ...over }: Partial<TaskInput> & { repo?: string } = {}): TaskInput {
  const id = `wf-${Date.now().toString(36)}-${++seq}`;
  return {
    task: {
      id,
      repo: repo ?? `repo-${id}`,
      title: `Task ${id}`,
      allowDelegation: false,
      needsClaudeCode: false,
      body: 'Do the thing.',
    },
    base: 'main',
    maxDevAttempts: 3,
    serial: true,
    provider: 'fake',
    providerReason: 'default provider',
    waitTimeoutMs: 7 * 86_400_000,
    reminderEveryMs: 86_400_000,
    ...over,
  };
}

async function start(i: TaskInput, script: Script = {}, memo?: Record<string, unknown>) {
  scripts.set(i.task.id, script);
  return w.client.workflow.start('taskWorkflow', {
    workflowId: taskWorkflowId(i.task.id),
    taskQueue: w.taskQueue,
    args: [i],
    memo,
  });
}

type Handle = Awaited<ReturnType<typeof start>>;

async function waitForState(h: Handle, state: TaskStatus['state'], timeoutMs = 60_000): Promise<TaskStatus> {
  return eventually(
    async () => {
      const s = await h.query(statusQuery);
      return s.state === state ? s : undefined;
    },
    `state ${state} of ${h.workflowId}`,
    timeoutMs,
  );
}

describe('taskWorkflow', () => {
  it('asks, waits for an answer, then runs to done with the answer in the analyst prompt', async () => {
    const i = input();
    const h = await start(i, {
      analyst: (_, n) => (n === 1 ? { questions: ['Which locale?'] } : { analysis: 'use en-GB' }),
    });
    const waiting = await waitForState(h, 'needs-input');
    expect(waiting.questions).toEqual(['Which locale?']);

    await h.signal(answerSignal, { text: 'en-GB please', by: 'ana' });
    const done: TaskStatus = await h.result();
    expect(done.state).toBe('done');
    expect(done.attempts).toMatchObject({ analysis: 2, development: 1, testing: 1, 'deploy-staging': 0 });
    expect(done.branch).toBe(`switchyard/${i.task.id}`);
    expect(done.commit).toMatch(/^c1/);
    expect(done.costUsd).toBeCloseTo(0.03, 6);
    expect(done.rounds).toEqual([
      expect.objectContaining({ questions: ['Which locale?'], answer: 'en-GB please', answeredBy: 'ana' }),
    ]);
    const second = callsOf(i.task.id).analyst[1]!.prompt;
    expect(second).toContain('Which locale?');
    expect(second).toContain('en-GB please');
    expect(callsOf(i.task.id).developer[0]!.prompt).toContain('use en-GB');
    expect(done.transitions.map((t) => `${t.from}>${t.to}`)).toEqual([
      'submitted>analysis',
      'analysis>needs-input',
      'needs-input>analysis',
      'analysis>development',
      'development>testing',
      'testing>done',
    ]);
    expect(notices.some((n) => n.taskId === i.task.id && n.kind === 'needs-input')).toBe(true);
    // Every transition is filed once, in order, with the answer itself on the answer event.
    const events = filed.filter((e) => e.taskId === i.task.id).flatMap((e) => e.events);
    expect(events.map((e) => `${e.kind}:${e.to}`)).toEqual([
      'transition:analysis',
      'transition:needs-input',
      'answer:analysis',
      'transition:development',
      'transition:testing',
      'transition:done',
    ]);
    expect(events[2]).toMatchObject({ actor: 'ana', details: { answer: 'en-GB please' } });
    await recordHistory(w.client, h.workflowId, 'task-answer-done');
    await recordHistory(w.client, `${h.workflowId}-analysis-2`, 'analysis-ready');
    await recordHistory(w.client, `${h.workflowId}-development-1`, 'development-committed');
    await recordHistory(w.client, `${h.workflowId}-testing-1`, 'testing-passed');
  });

  it('sends a failing test report back to development, building on the previous commit', async () => {
    const i = input();
    const h = await start(i, {
      tests: (_, n) =>
        n === 1
          ? {
              status: 'FAIL',
              exitCode: 1,
              output: 'not ok 1 - slug keeps dashes',
              counts: { framework: 'node:test', passed: 2, failed: 1 },
            }
          : {},
    });
    const done: TaskStatus = await h.result();
    expect(done.state).toBe('done');
    expect(done.attempts.development).toBe(2);
    const dev = callsOf(i.task.id).developer;
    expect(dev[0]!.ref).toBe('main');
    expect(dev[1]!.ref).toBe('c1'.padEnd(40, '0'));
    expect(dev[1]!.prompt).toContain('## Previous attempt failed');
    expect(dev[1]!.prompt).toContain('not ok 1 - slug keeps dashes');
  });

  it('holds when attempts run out; resume --attempts continues and records who resumed', async () => {
    const i = input({ maxDevAttempts: 2 });
    const h = await start(i, { tests: (_, n) => (n <= 2 ? { status: 'FAIL', exitCode: 1, output: 'boom' } : {}) });
    const held = await waitForState(h, 'hold');
    expect(held.holdReason).toMatch(/all 2 development attempts are used/);
    expect(held.heldStage).toBe('development');
    await h.signal(resumeSignal, { action: 'retry', maxDevAttempts: 4, by: 'op', note: 'try harder' });
    const done: TaskStatus = await h.result();
    expect(done.state).toBe('done');
    expect(done.maxDevAttempts).toBe(4);
    expect(done.attempts.development).toBe(3);
    expect(callsOf(i.task.id).developer[2]!.prompt).toContain('try harder');
    await recordHistory(w.client, h.workflowId, 'task-attempts-hold-resume');
    expect(done.transitions).toContainEqual(
      expect.objectContaining({ from: 'hold', to: 'development', outcome: 'resumed', note: 'op' }),
    );
  });

  it('an environment problem in testing holds at testing and resume re-runs testing, not development', async () => {
    const i = input();
    const h = await start(i, {
      tests: (_, n) => {
        if (n === 1) throw ApplicationFailure.nonRetryable('test command "npx" not found', ErrorType.ToolMissing);
        return {};
      },
    });
    const held = await waitForState(h, 'hold');
    expect(held.heldStage).toBe('testing');
    expect(held.holdReason).toMatch(/environment problem.*ToolMissing: test command "npx" not found/);
    expect(held.attempts.development).toBe(1);
    await h.signal(resumeSignal, { action: 'retry' });
    const done: TaskStatus = await h.result();
    expect(done.attempts).toMatchObject({ development: 1, testing: 2 });
  });

  it('runs deploy-staging when the task has a target: failure goes back to development, env problem holds', async () => {
    const i = input({ staging: 'staging-1' });
    const h = await start(i, {
      staging: (_, n) => {
        if (n === 1) return { status: 'FAIL', exitCode: 2, output: 'health check failed' };
        if (n === 2)
          throw ApplicationFailure.nonRetryable('host key verification failed', ErrorType.StagingEnvPermanent);
        return {};
      },
    });
    const held = await waitForState(h, 'hold');
    expect(held.heldStage).toBe('deploy-staging');
    expect(held.attempts).toMatchObject({ development: 2, testing: 2, 'deploy-staging': 2 });
    expect(callsOf(i.task.id).developer[1]!.prompt).toContain('health check failed');
    await h.signal(resumeSignal, { action: 'retry' });
    const done: TaskStatus = await h.result();
    expect(done.state).toBe('done');
    expect(done.attempts['deploy-staging']).toBe(3);
    await recordHistory(w.client, h.workflowId, 'task-staging');
    await recordHistory(w.client, `${h.workflowId}-deploy-staging-2`, 'deploy-staging-env-problem');
  });

  it('a staging check that timed out holds at deploy-staging and never goes back to development', async () => {
    const i = input({ staging: 'staging-1' });
    const h = await start(i, {
      staging: (_, n) =>
        n === 1
          ? {
              status: 'FAIL',
              outcomeClass: 'timeout',
              exitCode: 124,
              reason: 'staging target staging-1: staging check timed out after 5 s',
            }
          : {},
    });
    const held = await waitForState(h, 'hold');
    expect(held.heldStage).toBe('deploy-staging');
    expect(held.holdReason).toContain('staging check timed out after 5 s');
    expect(held.lastStaging?.outcomeClass).toBe('timeout');
    expect(held.attempts.development).toBe(1);
    await h.signal(resumeSignal, { action: 'retry' });
    const done: TaskStatus = await h.result();
    expect(done.state).toBe('done');
    expect(done.attempts).toMatchObject({ development: 1, 'deploy-staging': 2 });
  });

  it('holds when the budget is crossed; resume with a higher budget continues', async () => {
    const i = input({ budgetUsd: 0.5 });
    const h = await start(i, { developer: () => ({ costUsd: 0.75 }) });
    const held = await waitForState(h, 'hold');
    expect(held.holdReason).toMatch(/budget exceeded/);
    expect(held.heldStage).toBe('testing');
    await h.signal(resumeSignal, { action: 'retry', budgetUsd: 5 });
    const done: TaskStatus = await h.result();
    expect(done.state).toBe('done');
    expect(done.budgetUsd).toBe(5);
  });

  it('resume abort fails the task; signals that do not fit the state are recorded and ignored', async () => {
    const i = input();
    const h = await start(i, { developer: () => ({ outcome: 'no-changes', commit: undefined }) });
    const held = await waitForState(h, 'hold');
    expect(held.holdReason).toMatch(/changed nothing/);
    await h.signal(answerSignal, { text: 'nobody asked' });
    await eventually(
      async () => ((await h.query(statusQuery)).ignoredSignals.length ? true : undefined),
      'ignored signal',
    );
    await h.signal(resumeSignal, { action: 'abort', by: 'op', note: 'not worth it' });
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const final = await h.query(statusQuery);
    expect(final.state).toBe('failed');
    expect(final.ignoredSignals[0]).toMatchObject({ signal: 'answer', state: 'hold' });
    expect(final.transitions.at(-1)).toMatchObject({ to: 'failed', outcome: 'aborted by op: not worth it' });
  });

  it('keeps a status snapshot in the memo, and an answer, note and actor go in redacted everywhere', async () => {
    const token = 'ghp_' + 'Q'.repeat(36);
    const i = input();
    const h = await start(
      i,
      {
        analyst: (_, n) => (n === 1 ? { questions: ['Which token?'] } : {}),
        developer: (_, n) => (n === 1 ? { outcome: 'no-changes', commit: undefined } : {}),
      },
      { title: 'as the client set it' },
    );
    await waitForState(h, 'needs-input');
    const asking = await eventually(async () => {
      const memo = (await h.describe()).memo?.[MEMO_STATUS_KEY] as StatusMemo | undefined;
      return memo?.state === 'needs-input' ? memo : undefined;
    }, 'the memo to show needs-input');
    expect(asking).toMatchObject({
      taskId: i.task.id,
      title: i.task.title,
      questions: ['Which token?'],
      paused: false,
    });
    // The status key is merged in: the title the client set at start stays.
    expect((await h.describe()).memo?.title).toBe('as the client set it');

    await h.signal(answerSignal, { text: `use ${token}`, by: `ana ${token}` });
    await waitForState(h, 'hold');
    await h.signal(resumeSignal, { action: 'retry', note: `Authorization: Bearer ${token}`, by: 'op' });
    const done: TaskStatus = await h.result();
    expect(done.state).toBe('done');
    const memo = (await h.describe()).memo?.[MEMO_STATUS_KEY] as StatusMemo;
    expect(memo).toMatchObject({ state: 'done', stage: 'testing', costUsd: done.costUsd, commit: done.commit });
    expect(memo.transitions.at(-1)).toMatchObject({ from: 'testing', to: 'done' });
    expect(JSON.stringify(memo).length).toBeLessThan(5 * 1024);

    const c = callsOf(i.task.id);
    const events = filed.filter((e) => e.taskId === i.task.id);
    for (const [where, text] of Object.entries({
      state: JSON.stringify(done),
      memo: JSON.stringify(memo),
      events: JSON.stringify(events),
      prompts: JSON.stringify([...c.analyst, ...c.developer].map((x) => x.prompt)),
    })) {
      expect(text, where).not.toContain(token);
    }
    expect(done.rounds[0]).toMatchObject({ answer: 'use [REDACTED]', answeredBy: 'ana [REDACTED]' });
    expect(c.developer[1]!.prompt).toContain('Authorization: Bearer [REDACTED]');
  });

  it('pause parks the task at the next stage boundary; unpause continues', async () => {
    const i = input();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = await start(i, { analyst: async () => (await gate, {}) });
    await eventually(async () => (callsOf(i.task.id).analyst.length ? true : undefined), 'analysis running');
    await h.signal(pauseSignal, { by: 'op' });
    release();
    const parked = await waitForState(h, 'hold');
    expect(parked.holdReason).toMatch(/paused/);
    expect(parked.heldStage).toBe('development');
    expect(callsOf(i.task.id).developer).toHaveLength(0);
    await h.signal(unpauseSignal, {});
    expect((await h.result()).state).toBe('done');
  });

  it('a wait without an answer times out into hold, with reminders on the way', async () => {
    const i = input({ waitTimeoutMs: 3000, reminderEveryMs: 1000 });
    const h = await start(i, { analyst: () => ({ questions: ['Anyone?'] }) });
    const held = await waitForState(h, 'hold', 30_000);
    expect(held.holdReason).toMatch(/no answer within 3s/);
    expect(held.heldStage).toBe('analysis');
    expect(notices.filter((n) => n.taskId === i.task.id && n.kind === 'reminder').length).toBeGreaterThanOrEqual(1);
    await h.cancel();
  });

  it('the repo gate lets one task at a time through development..testing, FIFO; holds and questions release it', async () => {
    const repo = `shared-${Date.now().toString(36)}`;
    let finishFirst!: () => void;
    const firstBlocked = new Promise<void>((r) => (finishFirst = r));
    const a = input({ repo });
    const b = input({ repo });
    const c = input({ repo });
    const ha = await start(a, {
      developer: async (_, n) => (n === 1 ? (await firstBlocked, { outcome: 'no-changes', commit: undefined }) : {}),
    });
    await eventually(async () => (callsOf(a.task.id).developer.length ? true : undefined), 'a in development');
    const hb = await start(b);
    const queued = await waitForState(hb, 'queued');
    expect(queued.detail).toMatch(/repo gate/);
    // A task waiting for an answer does not take the gate, nor wait for it.
    const hc = await start(c, { analyst: (_, n) => (n === 1 ? { questions: ['?'] } : {}) });
    await waitForState(hc, 'needs-input');
    expect(callsOf(b.task.id).developer).toHaveLength(0);
    finishFirst();
    // a goes on hold, which releases the gate: b runs to done while a waits for a person.
    await waitForState(ha, 'hold');
    expect((await hb.result()).state).toBe('done');
    await hc.signal(answerSignal, { text: 'go' });
    expect((await hc.result()).state).toBe('done');
    await ha.signal(resumeSignal, { action: 'retry' });
    const doneA: TaskStatus = await ha.result();
    expect(doneA.attempts.development).toBe(2);
    const queuedTransitions = doneA.transitions.filter((t) => t.from === 'hold');
    expect(queuedTransitions).toHaveLength(1);
    await recordHistory(w.client, hb.workflowId, 'task-queued-at-gate');
    await recordHistory(w.client, `gate-${repo}`, 'repo-gate');
  });

  it('a free gate is taken at once: no queued state, no grant signal, no timer, one upsert per state change', async () => {
    const i = input({ repo: `free-${Date.now().toString(36)}` });
    scripts.set(i.task.id, {});
    // As `switchyard submit` starts it: with the attributes of a task that begins analysis.
    const h = await w.client.workflow.start('taskWorkflow', {
      workflowId: taskWorkflowId(i.task.id),
      taskQueue: w.taskQueue,
      args: [i],
      typedSearchAttributes: [
        { key: SA_STATE, value: 'running' },
        { key: SA_STAGE, value: 'analysis' },
        { key: SA_REPO, value: i.task.repo },
        { key: SA_PROVIDER, value: i.provider },
        { key: SA_COST_USD, value: 0 },
      ],
    });
    expect(((await h.result()) as TaskStatus).state).toBe('done');
    const events = (await h.fetchHistory()).events ?? [];
    const { EventType } = proto.temporal.api.enums.v1;
    const count = (type: keyof typeof EventType) => events.filter((e) => e.eventType === EventType[type]).length;
    expect(count('EVENT_TYPE_TIMER_STARTED')).toBe(0);
    expect(count('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED')).toBe(0);
    // Development, testing and done; the start's own attributes came from the client.
    expect(count('EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')).toBe(3);
    // The transitions went to the store with the done notice, in one activity.
    const types = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(types.filter((t) => t === 'recordEvents')).toEqual([]);
    expect(filed.filter((e) => e.taskId === i.task.id).flatMap((e) => e.events.map((x) => x.to))).toEqual([
      'analysis',
      'development',
      'testing',
      'done',
    ]);
  });

  it('a staging target shared by two repos runs one check at a time; the second task shows it waits for it', async () => {
    const target = `shared-target-${Date.now().toString(36)}`;
    let finishFirst!: () => void;
    const firstBlocked = new Promise<void>((r) => (finishFirst = r));
    let running = 0;
    let overlapped = false;
    const check = async (block?: Promise<void>) => {
      running++;
      overlapped ||= running > 1;
      await block;
      running--;
      return {};
    };
    const a = input({ staging: target });
    const b = input({ staging: target, serial: false });
    const ha = await start(a, { staging: () => check(firstBlocked) });
    await eventually(async () => (callsOf(a.task.id).staging.length ? true : undefined), 'a in deploy-staging');
    const hb = await start(b, { staging: () => check() });
    const queued = await waitForState(hb, 'queued');
    expect(queued.stage).toBe('testing');
    expect(queued.detail).toBe(`waiting for staging target ${target}`);
    expect(callsOf(b.task.id).staging).toHaveLength(0);
    finishFirst();
    expect((await ha.result()).state).toBe('done');
    expect((await hb.result()).state).toBe('done');
    expect(overlapped).toBe(false);
    await recordHistory(w.client, `staging-gate-${target}`, 'staging-gate');
  });

  it('cancel stops the running stage and its activity, and the task reports cancelled', async () => {
    const i = input();
    let cancelled = false;
    const h = await start(i, {
      developer: async () => {
        const ctx = Context.current();
        for (;;) {
          ctx.heartbeat();
          try {
            await ctx.sleep(200);
          } catch (err) {
            cancelled = true;
            throw err;
          }
        }
      },
    });
    await eventually(async () => (callsOf(i.task.id).developer.length ? true : undefined), 'development started');
    await h.cancel();
    await expect(h.result()).rejects.toThrow();
    const s = await h.query(statusQuery);
    expect(s.state).toBe('cancelled');
    expect(cancelled).toBe(true);
    await recordHistory(w.client, h.workflowId, 'task-cancelled');
  });

  it('a delegated task submits and awaits analysis and development on the platform, then tests locally', async () => {
    const i = input({ provider: 'gpu', providerMode: 'delegated', providerReason: 'delegated to "gpu".' });
    const h = await start(i);
    await h.result();
    const c = callsOf(i.task.id);
    const first = (await h.describe()).raw.workflowExecutionInfo?.firstRunId;
    expect(first).toBeTruthy();
    expect(c.submits.map((s) => [s.role, s.attempt, s.base, s.jobKey])).toEqual([
      ['analyst', 1, 'main', `${h.workflowId}/${first}/analysis-1`],
      ['developer', 1, 'main', `${h.workflowId}/${first}/development-1`],
    ]);
    // The await carries the job, not a second copy of the prompt.
    expect(c.awaited.map((j) => j.commit)).toEqual(['b'.repeat(40), 'b'.repeat(40)]);
    expect(c.awaited.map((j) => j.jobId)).toEqual(['job-analyst-1', 'job-developer-1']);
    expect(c.analyst).toHaveLength(0);
    expect(c.developer).toHaveLength(0);
    expect(c.tests).toEqual(['d'.repeat(40)]);
    const s = await h.query(statusQuery);
    expect(s).toMatchObject({ state: 'done', provider: 'gpu', providerMode: 'delegated' });
  });

  it('platform unreachable at submit: with fallbackToLocal the stage runs locally and the reason says why', async () => {
    const i = input({ provider: 'gpu', providerMode: 'delegated', localFallback: 'fake' });
    const h = await start(i, {
      submit: () => {
        throw ApplicationFailure.create({
          type: ErrorType.ProviderUnavailable,
          message: 'the job platform did not answer POST /jobs: ECONNREFUSED',
          nonRetryable: true, // the real policy retries; here the retries are already spent
        });
      },
    });
    await h.result();
    const c = callsOf(i.task.id);
    expect(c.submits).toHaveLength(2);
    expect(c.analyst.map((a) => a.provider)).toEqual(['fake']);
    expect(c.developer.map((d) => d.provider)).toEqual(['fake']);
    const s = await h.query(statusQuery);
    expect(s.state).toBe('done');
    expect(s).toMatchObject({ provider: 'fake', providerMode: 'local' });
    expect(s.providerReason).toMatch(
      /^the job platform could not be reached \(ProviderUnavailable: .*ECONNREFUSED\), so development ran on the local provider "fake" \(delegation\.fallbackToLocal\)\.$/,
    );
  });

  it('platform unreachable without fallbackToLocal, or a rejected job, holds with the platform message', async () => {
    for (const [type, message] of [
      [ErrorType.ProviderUnavailable, 'the job platform answered 503 to POST /jobs: busy'],
      [ErrorType.DelegationRejected, 'the job platform refused POST /jobs (400): prompt: too long'],
    ] as const) {
      const i = input({ provider: 'gpu', providerMode: 'delegated' });
      const h = await start(i, {
        submit: () => {
          throw ApplicationFailure.create({ type, message, nonRetryable: true });
        },
      });
      const s = await waitForState(h, 'hold');
      expect(s.heldStage).toBe('analysis');
      expect(s.holdReason).toContain(`${type}: ${message}`);
      expect(callsOf(i.task.id).analyst).toHaveLength(0);
      await h.signal(resumeSignal, { action: 'abort' });
      await expect(h.result()).rejects.toThrow();
    }
  });

  it('a cancelled task deletes its job whether the await runs or waits out a retry', async () => {
    const untilCancelled = async () => {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        await ctx.sleep(200);
      }
    };
    const inBackoff = async () => {
      // A 429 asking for ten minutes: the cancel finds the activity between attempts, with no worker on it.
      throw ApplicationFailure.create({ type: ErrorType.ProviderUnavailable, message: '429', nextRetryDelay: '10m' });
    };
    for (const awaitAnalysis of [untilCancelled, inBackoff]) {
      const i = input({ provider: 'gpu', providerMode: 'delegated' });
      const h = await start(i, { awaitAnalysis });
      await eventually(async () => (callsOf(i.task.id).awaited.length ? true : undefined), 'the await started');
      await new Promise((r) => setTimeout(r, 500));
      await h.cancel();
      await expect(h.result()).rejects.toThrow();
      expect((await h.query(statusQuery)).state).toBe('cancelled');
      expect(callsOf(i.task.id).cancelled).toEqual(['job-analyst-1']);
    }
  });

  it('describes every signal and query for the Web UI, the internal ones as internal', async () => {
    const i = input();
    const h = await start(i, { analyst: (_i, n) => (n === 1 ? { questions: ['Which page?'] } : {}) });
    await waitForState(h, 'needs-input');
    const meta = (await h.query('__temporal_workflow_metadata')) as {
      definition?: {
        signalDefinitions?: { name: string; description?: string }[];
        queryDefinitions?: { name: string; description?: string }[];
      };
    };
    const described = Object.fromEntries(
      [...(meta.definition?.signalDefinitions ?? []), ...(meta.definition?.queryDefinitions ?? [])].map((d) => [
        d.name,
        d.description,
      ]),
    );
    expect(described.answer).toMatch(/Data: \{"text": "your answer"\}/);
    expect(described.resume).toMatch(/\{"action": "retry"\}/);
    expect(described.pause).toMatch(/Data: \{\}/);
    expect(described.unpause).toMatch(/Data: \{\}/);
    expect(described.status).toMatch(/status/);
    expect(described.gateGranted).toMatch(/^Internal: /);
    expect(described.stageProgress).toMatch(/^Internal: /);
    await h.signal(answerSignal, { text: 'the first' });
    await h.result();
  });
});
