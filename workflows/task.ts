/**
 * taskWorkflow (`task-<taskId>`): the story of one task. It runs each stage as a child workflow,
 * asks transitions.ts what follows, holds the repo gate from development through deploy-staging,
 * and owns every wait for a person (answers, resumes, operator pauses).
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import {
  answerSignal,
  ErrorType,
  gateGrantedSignal,
  gateReleaseSignal,
  gateWorkflowId,
  MEMO_STATUS_KEY,
  pauseSignal,
  resumeSignal,
  stageProgressSignal,
  SA_COST_USD,
  SA_PROVIDER,
  SA_REPO,
  SA_STAGE,
  SA_STATE,
  stageWorkflowId,
  statusQuery,
  taskBranch,
  taskWorkflowId,
  unpauseSignal,
  type AnswerInput,
  type BodyRef,
  type NotifyInput,
  type OperatorInput,
  type ResumeInput,
  type Stage,
  type TaskInput,
  type TaskStatus,
} from './api/index.js';
import { shortActivity, storeActivity } from './activity-options.js';
import type { SwitchyardActivities } from './activity-types.js';
import { describeFailure } from './failures.js';
import { printable } from './grammar.js';
import {
  parseAnswer,
  parseGateGranted,
  parseOperator,
  parseResume,
  parseStageProgress,
  parseTaskInput,
} from './messages.js';
import { analystPrompt, bodyNeedsStore, developerPrompt, preview, type FailureReport } from './prompts.js';
import { redactSecrets } from './redact.js';
import { analysisWorkflow } from './stages/analysis.js';
import { deployStagingWorkflow } from './stages/deploy-staging.js';
import { developmentWorkflow } from './stages/development.js';
import { testingWorkflow } from './stages/testing.js';
import {
  addCost,
  currentDetails,
  enterStage,
  eventKind,
  initialStatus,
  recordIgnored,
  recordTransition,
  statusMemo,
} from './task-state.js';
import { formatDuration } from './duration.js';
import { afterResume, decide, signalFits, type Decision } from './transitions.js';

const { notify, requestGate } = proxyActivities<SwitchyardActivities>(shortActivity);
const { recordEvents, storeTaskBody } = proxyActivities<SwitchyardActivities>(storeActivity);
// On the way out (cancel) a store outage must not hold the task forever.
const { recordEvents: recordEventsBounded } = proxyActivities<SwitchyardActivities>({
  ...storeActivity,
  scheduleToCloseTimeout: '2m',
});

const now = () => new Date().toISOString();

export async function taskWorkflow(raw: TaskInput): Promise<TaskStatus> {
  // Anyone with a Temporal client can start this: check the input before anything reads it.
  const input = checkedInput(raw);
  const { task } = input;
  const workflowId = workflowInfo().workflowId;
  const s = initialStatus(input, workflowId, now());
  const inbox: { answer?: AnswerInput; resume?: ResumeInput; granted: boolean } = { granted: false };
  const gate = { requested: false, held: false };
  // What the developer needs from earlier stages; previews only, never whole logs.
  const carry: { analysis: string; failure?: FailureReport; note?: string } = { analysis: '' };
  // Set once at the start when the body is too long to copy into every stage's prompt.
  let bodyRef: BodyRef | undefined;
  // Transitions up to `filed` are in the store; `eventDetails` adds what a transition alone does not say.
  const events = { filed: 0, details: {} as Record<number, Record<string, unknown>> };
  // What publish() last sent, so unchanged values add nothing to history.
  const published = { attributes: '', memo: '' };

  // Every payload is checked before it touches state; a bad one is recorded, never thrown.
  const ignore = (signal: string, reason: string) => {
    recordIgnored(s, signal, now(), reason);
    publish();
  };
  setHandler(statusQuery, () => s);
  setHandler(answerSignal, (payload: unknown) => {
    const a = parseAnswer(payload);
    if (!a.ok) return ignore('answer', `invalid payload: ${a.reason}`);
    if (!signalFits('answer', s)) return ignore('answer', 'not waiting for an answer');
    if (inbox.answer) return ignore('answer', 'an answer is already being taken');
    inbox.answer = a.value;
  });
  setHandler(resumeSignal, (payload: unknown) => {
    const r = parseResume(payload);
    if (!r.ok) return ignore('resume', `invalid payload: ${r.reason}`);
    if (!signalFits('resume', s)) return ignore('resume', 'not on hold');
    if (inbox.resume) return ignore('resume', 'a resume is already being taken');
    inbox.resume = r.value;
  });
  setHandler(pauseSignal, (payload: unknown) => {
    const op = parseOperator(payload);
    if (!op.ok) return ignore('pause', `invalid payload: ${op.reason}`);
    if (!signalFits('pause', s)) return ignore('pause', 'already paused, on hold or ended');
    s.paused = true;
    operatorDetails(op.value);
    recordTransition(s, s.state, s.state, 'pause requested', now(), op.value.by);
    publish();
  });
  setHandler(unpauseSignal, (payload: unknown) => {
    const op = parseOperator(payload);
    if (!op.ok) return ignore('unpause', `invalid payload: ${op.reason}`);
    if (!signalFits('unpause', s)) return ignore('unpause', 'not paused');
    s.paused = false;
    operatorDetails(op.value);
    recordTransition(s, s.state, s.state, 'unpaused', now(), op.value.by);
    publish();
  });
  setHandler(gateGrantedSignal, (payload: unknown) => {
    const g = parseGateGranted(payload);
    if (!g.ok) return ignore('gateGranted', `invalid payload: ${g.reason}`);
    if (g.value.repo !== task.repo) return ignore('gateGranted', 'a grant for another repo');
    if (!gate.requested) return ignore('gateGranted', 'not waiting for the repo gate');
    inbox.granted = true;
  });
  setHandler(stageProgressSignal, (payload: unknown) => {
    const p = parseStageProgress(payload);
    if (!p.ok) return ignore('stageProgress', `invalid payload: ${p.reason}`);
    // Progress of a stage that has moved on is stale, not wrong: dropped without a record.
    if (s.stage !== p.value.stage || s.state !== 'running') return;
    s.detail = p.value.detail;
    publish();
  });

  /** A note from pause/unpause goes with the transition's event in the store. */
  function operatorDetails(op: OperatorInput) {
    if (op.note) events.details[s.transitions.length] = { note: op.note };
  }

  publish();
  try {
    bodyRef = await storedBody();
    let next: Stage = 'analysis';
    for (;;) {
      await fileEvents();
      next = await parkIfPaused(next);
      if (next !== 'analysis' && input.serial && !gate.held) await acquireGate();
      const stage = next;
      const decision = await runStage(stage);
      switch (decision.kind) {
        case 'stage':
          recordTransition(s, stage, decision.stage, decision.why, now());
          next = decision.stage;
          break;
        case 'done':
          recordTransition(s, stage, 'done', decision.why, now());
          await releaseGate();
          s.state = 'done';
          s.detail = decision.why;
          publish();
          await fileEvents();
          await tell('done', `Task ${task.id} is done: ${decision.why}.`);
          return s;
        case 'needs-input':
          recordTransition(s, stage, 'needs-input', decision.why, now());
          await releaseGate();
          next = await waitForAnswer();
          break;
        case 'hold':
          recordTransition(s, stage, 'hold', decision.reason, now());
          await releaseGate();
          next = await waitForResume(decision.heldStage, decision.reason);
          break;
      }
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await releaseGate();
        recordTransition(s, s.stage, 'cancelled', 'cancelled', now());
        s.state = 'cancelled';
        s.detail = 'cancelled';
        publish();
        await fileEvents({ bounded: true });
      });
      throw err;
    }
    if (s.state === 'failed') throw err;
    // Anything unplanned (a stage terminated, the gate unreachable): never leave the repo gate held
    // or the task looking alive.
    await releaseGate();
    return await fail(`stopped by an unexpected error in ${s.stage}: ${describeFailure(err).message}`);
  }

  // ------------------------------------------------------------------------------------------
  // Stages

  async function runStage(stage: Stage): Promise<Decision> {
    const n = ++s.attempts[stage];
    const id = stageWorkflowId(task.id, stage, n);
    const summary = `${task.id}: ${stage} ${n}`;
    switch (stage) {
      case 'analysis': {
        enterStage(s, stage, `analyst ${input.provider} at work (attempt ${n})`);
        publish();
        const r = await executeChild(analysisWorkflow, {
          workflowId: id,
          staticSummary: summary,
          args: [
            {
              taskId: task.id,
              attempt: n,
              repo: task.repo,
              base: input.base,
              provider: input.provider,
              prompt: analystPrompt(task, input.base, s.rounds, bodyRef),
              bodyRef,
              budgetLeftUsd: budgetLeft(),
              allowFallback: input.allowFallback,
            },
          ],
        });
        spent(r.costUsd);
        if (r.summary) s.lastSummary = r.summary;
        if (r.outcome === 'ready') carry.analysis = s.analysisPreview = r.analysis;
        if (r.outcome === 'needs-input') s.rounds.push({ questions: r.questions });
        return decide(stage, r.outcome, context(), r.failure);
      }
      case 'development': {
        enterStage(s, stage, `developer ${input.provider} at work (attempt ${n} of ${s.maxDevAttempts})`);
        publish();
        const r = await executeChild(developmentWorkflow, {
          workflowId: id,
          staticSummary: summary,
          args: [
            {
              taskId: task.id,
              attempt: n,
              repo: task.repo,
              // Later attempts build on the previous commit, so the agent fixes its own work.
              ref: s.commit ?? input.base,
              branch: input.branch ?? taskBranch(task.id, input.run),
              // Pushes replace only what this run pushed last; the trailer lets a retry find its own push.
              expectedTip: s.commit ?? null,
              trailer: `${workflowInfo().runId} development ${n}`,
              provider: input.provider,
              budgetLeftUsd: budgetLeft(),
              allowFallback: input.allowFallback,
              prompt: developerPrompt(task, input.base, {
                analysis: carry.analysis,
                rounds: s.rounds,
                attempt: n,
                failure: carry.failure,
                resumeNote: carry.note,
                bodyRef,
              }),
              bodyRef,
            },
          ],
        });
        carry.note = undefined;
        spent(r.costUsd);
        if (r.summary) s.lastSummary = r.summary;
        if (r.outcome === 'committed') {
          s.branch = r.branch;
          s.commit = r.commit;
          carry.failure = undefined;
        }
        return decide(stage, r.outcome, context(), r.failure);
      }
      case 'testing': {
        enterStage(s, stage, `running tests on ${shortSha(s.commit)} (attempt ${n})`);
        publish();
        const r = await executeChild(testingWorkflow, {
          workflowId: id,
          staticSummary: summary,
          args: [{ taskId: task.id, attempt: n, repo: task.repo, commit: requireCommit() }],
        });
        if (r.report) s.lastTest = r.report;
        if (r.outcome === 'failed') carry.failure = { source: 'testing', test: r.report };
        return decide(stage, r.outcome, context(), r.failure ?? testFailureText(r.report));
      }
      case 'deploy-staging': {
        const target = input.staging!;
        enterStage(s, stage, `staging check on ${target} for ${shortSha(s.commit)} (attempt ${n})`);
        publish();
        const r = await executeChild(deployStagingWorkflow, {
          workflowId: id,
          staticSummary: summary,
          args: [{ taskId: task.id, attempt: n, repo: task.repo, commit: requireCommit(), target }],
        });
        if (r.report) s.lastStaging = r.report;
        if (r.outcome === 'failed') carry.failure = { source: 'deploy-staging', staging: r.report };
        return decide(stage, r.outcome, context(), r.failure);
      }
    }
  }

  /** A long body is stored once; prompts then carry a marker instead of the text. */
  async function storedBody(): Promise<BodyRef | undefined> {
    if (!bodyNeedsStore(task)) return undefined;
    const ref = await storeTaskBody({ taskId: task.id, body: task.body });
    return { artifactId: ref.id, marker: `[[switchyard:task-body:${uuid4()}]]` };
  }

  function context() {
    return {
      devAttempts: s.attempts.development,
      maxDevAttempts: s.maxDevAttempts,
      hasStaging: input.staging !== undefined,
      costUsd: s.costUsd,
      budgetUsd: s.budgetUsd,
    };
  }

  function budgetLeft(): number | undefined {
    return s.budgetUsd === undefined ? undefined : Math.max(0, s.budgetUsd - s.costUsd);
  }

  function spent(usd: number) {
    addCost(s, usd);
  }

  function requireCommit(): string {
    if (!s.commit)
      throw ApplicationFailure.nonRetryable('no commit to test: development has not committed', 'Internal');
    return s.commit;
  }

  // ------------------------------------------------------------------------------------------
  // Waiting for people

  async function waitForAnswer(): Promise<Stage> {
    const round = s.rounds[s.rounds.length - 1];
    s.state = 'needs-input';
    s.questions = round?.questions ?? [];
    s.detail = `waiting for an answer to ${s.questions.length} question(s)`;
    publish();
    await tell('needs-input', `Task ${task.id} needs input:\n${s.questions.map((q) => `- ${q}`).join('\n')}`);
    const answered = await waitForPerson(() => inbox.answer !== undefined, 'an answer');
    if (!answered) {
      const reason = `no answer within ${formatDuration(input.waitTimeoutMs)}`;
      recordTransition(s, 'needs-input', 'hold', reason, now());
      return waitForResume('analysis', reason);
    }
    const a = inbox.answer!;
    inbox.answer = undefined;
    if (round) Object.assign(round, { answer: a.text, answeredBy: a.by, answeredAt: now() });
    events.details[s.transitions.length] = { answer: preview(a.text) };
    recordTransition(s, 'needs-input', 'analysis', 'answered', now(), a.by);
    s.questions = undefined;
    s.state = 'running';
    return 'analysis';
  }

  async function waitForResume(heldStage: Stage, reason: string): Promise<Stage> {
    s.state = 'hold';
    s.heldStage = heldStage;
    s.holdReason = reason;
    s.detail = `on hold before ${heldStage}`;
    publish();
    await tell('hold', `Task ${task.id} is on hold: ${reason}`);
    const resumed = await waitForPerson(() => inbox.resume !== undefined, 'a resume');
    if (!resumed) return await fail(`on hold for ${formatDuration(input.waitTimeoutMs)} without a resume (${reason})`);
    const r = inbox.resume!;
    inbox.resume = undefined;
    return applyResume(r, heldStage, 'resumed');
  }

  /** A person's resume: abort fails the task; retry applies the new limits and goes on. */
  async function applyResume(r: ResumeInput, heldStage: Stage, outcome: string): Promise<Stage> {
    if (r.action === 'abort') return await fail(`aborted${r.by ? ` by ${r.by}` : ''}${r.note ? `: ${r.note}` : ''}`);
    if (r.budgetUsd !== undefined) s.budgetUsd = r.budgetUsd;
    const next = afterResume(
      heldStage,
      { devAttempts: s.attempts.development, maxDevAttempts: s.maxDevAttempts },
      r.maxDevAttempts,
    );
    s.maxDevAttempts = next.maxDevAttempts;
    if (r.note) carry.note = r.note;
    events.details[s.transitions.length] = {
      action: r.action,
      note: r.note,
      budgetUsd: r.budgetUsd,
      maxDevAttempts: r.maxDevAttempts,
    };
    recordTransition(s, 'hold', next.stage, outcome, now(), r.by);
    s.state = 'running';
    s.holdReason = undefined;
    return next.stage;
  }

  /** Operator park at a stage boundary; shown as hold so it is visible and resumable. */
  async function parkIfPaused(next: Stage): Promise<Stage> {
    if (!s.paused) return next;
    await releaseGate();
    recordTransition(s, s.stage, 'hold', 'paused by an operator', now());
    s.state = 'hold';
    s.heldStage = next;
    s.holdReason = 'paused by an operator (unpause or resume to continue)';
    s.detail = `paused before ${next}`;
    publish();
    await condition(() => !s.paused || inbox.resume !== undefined);
    const r = inbox.resume;
    inbox.resume = undefined;
    s.paused = false;
    if (r) return applyResume(r, next, 'unpaused');
    recordTransition(s, 'hold', next, 'unpaused', now());
    s.state = 'running';
    s.holdReason = undefined;
    return next;
  }

  /** Waits up to the configured timeout, reminding people at the configured interval. */
  async function waitForPerson(ready: () => boolean, what: string): Promise<boolean> {
    const deadline = Date.now() + input.waitTimeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      if (await condition(ready, Math.min(left, input.reminderEveryMs))) return true;
      if (deadline - Date.now() > 0)
        await tell('reminder', `Task ${task.id} is still waiting for ${what} (${s.detail}).`);
    }
  }

  async function fail(reason: string): Promise<never> {
    recordTransition(s, s.state, 'failed', reason, now());
    s.state = 'failed';
    s.detail = reason;
    publish();
    await fileEvents();
    await tell('failed', `Task ${task.id} failed: ${reason}`);
    throw ApplicationFailure.nonRetryable(`task ${task.id} failed: ${reason}`, 'TaskFailed');
  }

  // ------------------------------------------------------------------------------------------
  // Repo gate

  async function acquireGate(): Promise<void> {
    inbox.granted = false;
    gate.requested = true;
    s.state = 'queued';
    s.detail = `waiting for the repo gate of ${task.repo}`;
    publish();
    await requestGate({ repo: task.repo, workflowId, taskId: task.id });
    // A gate that ended or failed has forgotten us; asking again is harmless (duplicates are ignored).
    while (!(await condition(() => inbox.granted, '10 minutes'))) {
      await requestGate({ repo: task.repo, workflowId, taskId: task.id });
    }
    gate.held = true;
    s.state = 'running';
  }

  async function releaseGate(): Promise<void> {
    if (!gate.requested) return;
    try {
      await getExternalWorkflowHandle(gateWorkflowId(task.repo)).signal(gateReleaseSignal, { workflowId });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // A gate that is gone holds nothing for us.
      log.warn('gate release not delivered', { error: String(err) });
    }
    gate.requested = false;
    gate.held = false;
  }

  // ------------------------------------------------------------------------------------------
  // Telling the world

  /** Search attributes, the memo snapshot and the Web UI's current details; upserts only what changed. */
  function publish(): void {
    const attributes = [s.state, s.stage, task.repo, s.provider, s.costUsd];
    const attributesKey = JSON.stringify(attributes);
    if (attributesKey !== published.attributes) {
      published.attributes = attributesKey;
      upsertSearchAttributes([
        { key: SA_STATE, value: s.state },
        { key: SA_STAGE, value: s.stage },
        { key: SA_REPO, value: task.repo },
        { key: SA_PROVIDER, value: s.provider },
        { key: SA_COST_USD, value: s.costUsd },
      ]);
    }
    const memo = statusMemo(s);
    const memoKey = JSON.stringify(memo);
    if (memoKey !== published.memo) {
      published.memo = memoKey;
      upsertMemo({ [MEMO_STATUS_KEY]: memo });
    }
    setCurrentDetails(currentDetails(s));
  }

  /** Files new transitions as events in the store, in one activity per boundary. */
  async function fileEvents(opts: { bounded?: boolean } = {}): Promise<void> {
    if (events.filed >= s.transitions.length) return;
    const upto = s.transitions.length;
    const batch = s.transitions.slice(events.filed, upto).map((t, i) => ({
      ...t,
      kind: eventKind(t),
      actor: t.note,
      details: events.details[events.filed + i],
    }));
    try {
      await (opts.bounded ? recordEventsBounded : recordEvents)({ taskId: task.id, events: batch });
    } catch (err) {
      if (isCancellation(err) || !opts.bounded) throw err;
      log.warn('events not filed: the store stayed unreachable', { error: String(err) });
    }
    events.filed = upto;
  }

  async function tell(kind: NotifyInput['kind'], message: string): Promise<void> {
    try {
      await notify({ taskId: task.id, kind, message });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('notification failed', { kind, error: String(err) });
    }
  }
}

/** The start input checked by its schema; a bad one fails the run at once, listing every problem. */
function checkedInput(raw: unknown): TaskInput {
  const r = parseTaskInput(raw);
  const problems = r.ok ? [] : r.problems;
  const workflowId = workflowInfo().workflowId;
  if (r.ok && workflowId !== taskWorkflowId(r.input.task.id)) {
    const expected = taskWorkflowId(r.input.task.id);
    // Stage children are named after the task id: a second id for the same task would collide with them.
    problems.push(
      redactSecrets(`workflowId: "${printable(workflowId)}" must be "${expected}" for task ${r.input.task.id}`),
    );
  }
  if (r.ok && problems.length === 0) return r.input;
  upsertSearchAttributes([{ key: SA_STATE, value: 'failed' }]);
  setCurrentDetails(
    [
      '**failed** · invalid start input',
      problems.map((p) => `- ${p}`).join('\n'),
      "See the README for the start input's JSON shape, or submit with `switchyard submit <task.md>`.",
    ].join('\n\n'),
  );
  throw ApplicationFailure.create({
    message: `invalid start input: ${problems.join('; ')}`,
    type: ErrorType.InvalidInput,
    nonRetryable: true,
    details: [{ problems }],
  });
}

function shortSha(sha?: string): string {
  return sha ? sha.slice(0, 12) : '(no commit)';
}

function testFailureText(report?: { status: string; exitCode: number | null; counts?: { failed: number } }) {
  if (!report || report.status === 'PASS') return undefined;
  const failed = report.counts ? `, ${report.counts.failed} failing` : '';
  return `${report.status} (exit ${report.exitCode ?? 'signal'}${failed})`;
}
