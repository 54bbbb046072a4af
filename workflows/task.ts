/**
 * taskWorkflow (`task-<taskId>`): the story of one task. It runs each stage as a child workflow
 * (stage-plan.ts builds the input and takes the result back), asks transitions.ts what follows,
 * holds the repo gate from development through deploy-staging and the staging target's gate during
 * its check, and owns every wait for a person
 * (answers, resumes, operator pauses). Each change of state is a named function in task-state.ts.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  setHandler,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import {
  answerSignal,
  gateGrantedSignal,
  HANDLER_DESCRIPTIONS,
  pauseSignal,
  resumeSignal,
  stageProgressSignal,
  stageWorkflowId,
  statusQuery,
  unpauseSignal,
  type NotifyInput,
  type ResumeInput,
  type Stage,
  type TaskInput,
  type TaskStatus,
} from './api/index.js';
import { describeFailure } from './failures.js';
import { STAGE_PLAN, type StageInput, type StageResult } from './stage-plan.js';
import { analysisWorkflow } from './stages/analysis.js';
import { deployStagingWorkflow } from './stages/deploy-staging.js';
import { developmentWorkflow } from './stages/development.js';
import { testingWorkflow } from './stages/testing.js';
import {
  askForGate,
  checkedInput,
  fileEvents,
  giveBackGate,
  publisher,
  storedBody,
  sendNotice,
} from './task-effects.js';
import { taskMetrics } from './task-metrics.js';
import {
  onAnswer,
  onGateGranted,
  onPause,
  onResume,
  onStageProgress,
  onUnpause,
  type Reaction,
} from './task-signals.js';
import * as state from './task-state.js';
import type { GateKind } from './task-state.js';

type Child<S extends Stage> = (input: StageInput<S>) => Promise<StageResult<S>>;
const CHILDREN: { [S in Stage]: Child<S> } = {
  analysis: analysisWorkflow,
  development: developmentWorkflow,
  testing: testingWorkflow,
  'deploy-staging': deployStagingWorkflow,
};

const now = () => new Date().toISOString();

export async function taskWorkflow(raw: TaskInput): Promise<TaskStatus> {
  // Anyone with a Temporal client can start this: check the input before anything reads it.
  const input = checkedInput(raw);
  const { task } = input;
  const { workflowId, runId, firstExecutionRunId } = workflowInfo();
  const run = state.newRun(input, { workflowId, runId, firstRunId: firstExecutionRunId }, now());
  const { s, inbox } = run;
  const publish = publisher(s);
  // Events are filed with the notices at the waits and the end, not at every stage boundary.
  const tell = (kind: NotifyInput['kind'], message: string) => sendNotice(run, kind, message);

  // A payload that does not fit is recorded as ignored, never thrown.
  const on = <A extends unknown[]>(signal: SignalDefinition<A>, apply: (payload: unknown) => Reaction) =>
    setHandler(
      signal,
      (...args: A) => {
        const r = apply(args[0]);
        if ('ignored' in r) state.recordIgnored(s, signal.name, now(), r.ignored);
        if ('ignored' in r || r.publish) publish();
      },
      { description: HANDLER_DESCRIPTIONS[signal.name as keyof typeof HANDLER_DESCRIPTIONS] },
    );
  setHandler(statusQuery, () => s, { description: HANDLER_DESCRIPTIONS.status });
  on(answerSignal, (p) => onAnswer(run, p));
  on(resumeSignal, (p) => onResume(run, p));
  on(pauseSignal, (p) => onPause(run, p, now()));
  on(unpauseSignal, (p) => onUnpause(run, p, now()));
  on(gateGrantedSignal, (p) => onGateGranted(run, p));
  on(stageProgressSignal, (p) => onStageProgress(run, p));

  publish();
  try {
    run.bodyRef = await storedBody(task);
    let next: Stage = 'analysis';
    for (;;) {
      next = await parkIfPaused(next);
      for (const gate of state.gatesNeeded(run, next)) await acquireGate(gate);
      const stage = next;
      const decision = await runStage(stage);
      await releaseGate('staging');
      state.recordDecision(s, stage, decision, now());
      if (decision.kind === 'stage') {
        next = decision.stage;
        continue;
      }
      await releaseGate('repo');
      if (decision.kind === 'done') {
        state.markDone(s, decision.why);
        publish();
        await tell('done', `Task ${task.id} is done: ${decision.why}.`);
        return s;
      }
      next =
        decision.kind === 'hold' ? await waitForResume(decision.heldStage, decision.reason) : await waitForAnswer();
    }
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await releaseGates();
        state.markCancelled(s, now());
        publish();
        await fileEvents(run, { bounded: true });
      });
      throw err;
    }
    if (s.state === 'failed') throw err;
    // Anything unplanned (a stage terminated, the gate unreachable): never leave the repo gate held
    // or the task looking alive.
    await releaseGates();
    return await fail(`stopped by an unexpected error in ${s.stage}: ${describeFailure(err).message}`);
  }

  /** One attempt of a stage as a child workflow; the plan builds its input and takes its result. */
  async function runStage<S extends Stage>(stage: S) {
    const plan = STAGE_PLAN[stage];
    const child: Child<S> = CHILDREN[stage];
    const n = state.beginAttempt(s, stage);
    state.enterStage(s, stage, plan.detail(run, n));
    publish();
    const started = Date.now();
    const r = await executeChild(child, {
      workflowId: stageWorkflowId(task.id, stage, n),
      staticSummary: `${task.id}: ${stage} ${n}`,
      args: [plan.input(run, n)],
    });
    taskMetrics.stageEnded(stage, r.outcome, Date.now() - started, 'costUsd' in r ? r.costUsd : 0);
    return plan.absorb(run, r);
  }

  // ------------------------------------------------------------------------------------------
  // Waiting for people

  async function waitForAnswer(): Promise<Stage> {
    const questions = state.askQuestions(s);
    publish();
    await tell('needs-input', `Task ${task.id} needs input:\n${questions.map((q) => `- ${q}`).join('\n')}`);
    if (await waitForPerson(() => inbox.answer !== undefined, 'an answer')) return state.takeAnswer(run, now());
    const held = state.answerTimedOut(s, input.waitTimeoutMs, now());
    return waitForResume(held.heldStage, held.reason);
  }

  async function waitForResume(heldStage: Stage, reason: string): Promise<Stage> {
    state.hold(s, heldStage, reason);
    publish();
    await tell('hold', `Task ${task.id} is on hold: ${reason}`);
    const resumed = await waitForPerson(() => inbox.resume !== undefined, 'a resume');
    if (!resumed) return await fail(state.resumeTimedOut(input.waitTimeoutMs, reason));
    return applyResume(state.takeResume(run)!, heldStage, 'resumed');
  }

  async function applyResume(r: ResumeInput, heldStage: Stage, outcome: string): Promise<Stage> {
    const applied = state.applyResume(run, r, heldStage, outcome, now());
    return 'fail' in applied ? await fail(applied.fail) : applied.next;
  }

  /** Operator park at a stage boundary, until unpause or resume. */
  async function parkIfPaused(next: Stage): Promise<Stage> {
    if (!s.paused) return next;
    await releaseGate('repo');
    state.park(s, next, now());
    publish();
    await fileEvents(run);
    await condition(() => !s.paused || inbox.resume !== undefined);
    const r = state.leavePark(run);
    if (r) return applyResume(r, next, 'unpaused');
    return state.unpark(s, next, now());
  }

  /** Waits up to the configured timeout, reminding people on the schedule of `nextWaitMs`. */
  async function waitForPerson(ready: () => boolean, what: string): Promise<boolean> {
    const deadline = Date.now() + input.waitTimeoutMs;
    for (;;) {
      const wait = state.nextWaitMs(deadline, Date.now(), input.reminderEveryMs);
      if (wait === undefined) return false;
      if (await condition(ready, wait)) return true;
      if (state.remindNow(deadline, Date.now()))
        await tell('reminder', `Task ${task.id} is still waiting for ${what} (${s.detail}).`);
    }
  }

  async function fail(reason: string): Promise<never> {
    state.markFailed(s, reason, now());
    publish();
    await tell('failed', `Task ${task.id} failed: ${reason}`);
    throw ApplicationFailure.nonRetryable(`task ${task.id} failed: ${reason}`, 'TaskFailed');
  }

  // ------------------------------------------------------------------------------------------
  // Gates

  async function acquireGate(kind: GateKind): Promise<void> {
    state.requestGate(run, kind);
    const asked = Date.now();
    // A free gate is ours at once: no queued state, no grant signal, no timer.
    if (!(await askForGate(run, kind)) && !inbox.granted[kind]) {
      state.queueForGate(run, kind);
      publish();
      // A gate that ended or failed has forgotten us; asking again is harmless (duplicates are ignored).
      while (!(await condition(() => inbox.granted[kind], '10 minutes'))) if (await askForGate(run, kind)) break;
    }
    taskMetrics.gateGranted(kind, Date.now() - asked);
    state.gateAcquired(run, kind);
  }

  async function releaseGate(kind: GateKind): Promise<void> {
    if (!run.gates[kind].requested) return;
    await giveBackGate(run, kind);
    state.gateReleased(run, kind);
  }

  async function releaseGates(): Promise<void> {
    await releaseGate('staging');
    await releaseGate('repo');
  }
}
