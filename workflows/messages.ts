/**
 * Schemas for every message into taskWorkflow: its start input and each signal's payload. Anyone
 * with a Temporal client can send these (the `temporal` CLI, the Web UI's Start Workflow and Send
 * Signal forms, their own code), so nothing here trusts a type annotation. Pure and bundle-safe:
 * the workflow and the CLI check with the same code.
 *
 * Operator text (answers, notes, `by`) leaves here redacted, so no later step can store it raw.
 * Text longer than MAX_MESSAGE_CHARS is refused, not cut: a cut answer could say something else.
 */
import { z } from 'zod';
import {
  gateWorkflowId,
  stagingGateWorkflowId,
  STAGES,
  TASK_WORKFLOW_PREFIX,
  taskBranch,
  taskIdFromWorkflowId,
  taskWorkflowId,
  type AnswerInput,
  type GateRef,
  type GateRequest,
  type GateState,
  type OperatorInput,
  type ResumeInput,
  type Stage,
  type TaskInput,
} from './api/index.js';
import { MAX_TITLE_LENGTH, nameProblem, printable, refProblem, taskIdProblem, taskRepoProblem } from './grammar.js';
import { preview } from './preview.js';
import { redactSecrets } from './redact.js';

/** Answers and notes: 16 KiB of text is a long message from a person; more belongs in the task body. */
export const MAX_MESSAGE_CHARS = 16_384;
export const MAX_BY_CHARS = 200;
export const MAX_DEV_ATTEMPTS = 100;
/** Defaults for a start input typed by hand; the CLI always fills these from the config. */
export const INPUT_DEFAULTS = {
  base: 'main',
  maxDevAttempts: 3,
  waitTimeoutMs: 7 * 86_400_000,
  reminderEveryMs: 86_400_000,
  providerReason: 'named in the start input',
} as const;

const grammar = (problem: (v: string) => string | undefined) =>
  z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

const name = (what: string) => grammar((v) => nameProblem(v, what));

/** A configured repo's name, or a location git may be given (see grammar.ts). */
const repoName = () => grammar(taskRepoProblem);

/**
 * Each schema group is built the first time it is needed. The SDK's reusable V8 context gives every
 * cached workflow its own copy of its modules, so schemas built at load would cost every workflow
 * (stages and gates too) their memory and time; built on first use they cost only those that parse.
 */
function once<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}

const taskSchemas = once(() => {
  const repo = repoName();
  const positiveMs = z.int().min(1, 'must be at least 1 (milliseconds)');

  const taskSpecSchema = z.strictObject({
    id: grammar(taskIdProblem),
    repo,
    title: z
      .string()
      .max(MAX_TITLE_LENGTH, `is longer than ${MAX_TITLE_LENGTH} characters`)
      .refine((t) => t.trim() !== '', 'is empty'),
    base: grammar(refProblem).optional(),
    preferredAi: name('provider').optional(),
    allowDelegation: z.boolean().default(false),
    complexityHint: z.enum(['low', 'medium', 'high']).optional(),
    needsClaudeCode: z.boolean().default(false),
    budgetUsd: z.number().positive().optional(),
    maxDevAttempts: z.int().min(1).max(MAX_DEV_ATTEMPTS).optional(),
    staging: name('staging target').optional(),
    body: z.string().refine((b) => b.trim() !== '', 'is empty; say what to do'),
    sourcePath: z.string().optional(),
  });

  /** taskWorkflow's start input. Unknown fields are problems, so a misspelt one is never silently dropped. */
  const taskInputSchema = z
    .strictObject({
      task: taskSpecSchema,
      base: grammar(refProblem).optional(),
      maxDevAttempts: z.int().min(1).max(MAX_DEV_ATTEMPTS).optional(),
      budgetUsd: z.number().positive().optional(),
      staging: name('staging target').optional(),
      serial: z.boolean().default(true),
      provider: name('provider'),
      providerReason: z.string().max(1000).default(INPUT_DEFAULTS.providerReason),
      providerMode: z.enum(['local', 'delegated']).optional(),
      localFallback: name('provider').optional(),
      agentTaskQueue: name('task queue').optional(),
      allowFallback: z.boolean().optional(),
      waitTimeoutMs: positiveMs.default(INPUT_DEFAULTS.waitTimeoutMs),
      reminderEveryMs: positiveMs.default(INPUT_DEFAULTS.reminderEveryMs),
      run: z.int().min(1).optional(),
      branch: grammar(refProblem).optional(),
    })
    // Development pushes to this branch: only the task's own (run-numbered) branch, never another's.
    .refine(
      // Only a well-formed branch of a well-formed id is compared; a malformed one already has its problem.
      (i) =>
        i.branch === undefined ||
        !!refProblem(i.branch) ||
        typeof i.task?.id !== 'string' ||
        !!taskIdProblem(i.task.id) ||
        i.branch === taskBranch(i.task.id, i.run),
      {
        path: ['branch'],
        message: 'must be the task\'s own branch, switchyard/<task id> (".run-<n>" for run n > 1)',
      },
    )
    .transform((i) => ({
      ...i,
      base: i.base ?? i.task.base ?? INPUT_DEFAULTS.base,
      maxDevAttempts: i.maxDevAttempts ?? i.task.maxDevAttempts ?? INPUT_DEFAULTS.maxDevAttempts,
    }));
  return { taskInputSchema };
});

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** The start input checked: every problem at once, each naming its field (`task.id: …`). */
export function parseTaskInput(raw: unknown): { ok: true; input: TaskInput } | { ok: false; problems: string[] } {
  const r = check(taskSchemas().taskInputSchema, raw, 'input');
  if (!r.ok) return r;
  // Assigning the parsed value to TaskInput keeps schema and interface in step at compile time.
  const input: TaskInput = r.value;
  return { ok: true, input };
}

// ---------------------------------------------------------------------------------------------
// Signals

const signalSchemas = once(() => {
  const messageText = z.string().max(MAX_MESSAGE_CHARS, `is longer than ${MAX_MESSAGE_CHARS} characters`);
  const by = z.string().max(MAX_BY_CHARS, `is longer than ${MAX_BY_CHARS} characters`);

  const answerObject = z.strictObject({
    text: messageText.refine((t) => t.trim() !== '', 'is empty'),
    by: by.optional(),
  });
  const resumeObject = z.strictObject({
    action: z.enum(['retry', 'abort'], 'must be "retry" or "abort"'),
    note: messageText.optional(),
    budgetUsd: z.number().positive().optional(),
    maxDevAttempts: z.int().min(1).max(MAX_DEV_ATTEMPTS).optional(),
    by: by.optional(),
  });
  /** pause / unpause: no payload at all, or who and why. */
  const operatorObject = z.strictObject({ by: by.optional(), note: messageText.optional() }).optional();
  const stageProgressObject = z.strictObject({
    stage: z.enum(STAGES),
    detail: z.string().min(1).max(1000),
  });
  /** `{ repo }` from a repo's gate, `{ target }` from a staging target's. */
  const gateGrantedObject = z
    .strictObject({ repo: z.string().optional(), target: z.string().optional() })
    .refine((g) => (g.repo === undefined) !== (g.target === undefined), {
      path: ['repo'],
      message: 'missing, or given with target: a grant names its repo or, from a staging target gate, its target',
    });
  return { answerObject, resumeObject, operatorObject, stageProgressObject, gateGrantedObject };
});

export type SignalCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * An answer: `{ text, by? }`, or a bare JSON string (what a person types into the Web UI's
 * Send Signal form) taken as the text.
 */
export function parseAnswer(raw: unknown): SignalCheck<AnswerInput> {
  const r = signalCheck(signalSchemas().answerObject, typeof raw === 'string' ? { text: raw } : raw);
  if (!r.ok) return r;
  return { ok: true, value: withoutEmpty({ text: redactSecrets(r.value.text), by: clean(r.value.by) }) };
}

export function parseResume(raw: unknown): SignalCheck<ResumeInput> {
  const r = signalCheck(signalSchemas().resumeObject, raw);
  if (!r.ok) return r;
  const v = r.value;
  return { ok: true, value: withoutEmpty({ ...v, note: clean(v.note), by: clean(v.by) }) };
}

export function parseOperator(raw: unknown): SignalCheck<OperatorInput> {
  const r = signalCheck(signalSchemas().operatorObject, raw);
  if (!r.ok) return r;
  return { ok: true, value: withoutEmpty({ by: clean(r.value?.by), note: clean(r.value?.note) }) };
}

export function parseStageProgress(raw: unknown): SignalCheck<{ stage: Stage; detail: string }> {
  return signalCheck(signalSchemas().stageProgressObject, raw);
}

export function parseGateGranted(raw: unknown): SignalCheck<GateRef> {
  const r = signalCheck(signalSchemas().gateGrantedObject, raw);
  if (!r.ok) return r;
  return { ok: true, value: r.value.repo !== undefined ? { repo: r.value.repo } : { target: r.value.target! } };
}

// ---------------------------------------------------------------------------------------------
// The repo gate (gate-<repo>): its start input and its signals. Only task workflows ask for it.

/** Ignored gate signals kept in GateState (and carried over continue-as-new): the latest ones. */
export const MAX_GATE_IGNORED = 20;

const gateSchemas = once(() => {
  const repo = repoName();
  const taskWorkflowIdText = grammar((v) =>
    ((id) => id !== undefined && !taskIdProblem(id))(taskIdFromWorkflowId(v))
      ? undefined
      : `"${printable(v)}" is not a task workflow id (${TASK_WORKFLOW_PREFIX}<task id>)`,
  );
  const gateRequestFields = { workflowId: taskWorkflowIdText, taskId: grammar(taskIdProblem) };
  /** The grant is signalled to `workflowId`: it must be the task's own workflow. */
  const ownWorkflow = <T extends GateRequest>(schema: z.ZodType<T>) =>
    schema.refine(
      // Only well-formed values are compared; a malformed one already has its problem.
      (r) =>
        typeof r?.workflowId !== 'string' ||
        typeof r?.taskId !== 'string' ||
        !!taskIdProblem(r.taskId) ||
        r.workflowId === taskWorkflowId(r.taskId),
      { path: ['workflowId'], message: `must be ${TASK_WORKFLOW_PREFIX}<taskId>, the workflow of the task that asks` },
    );
  const gateRequestObject = ownWorkflow(z.strictObject(gateRequestFields));
  const gateReleaseObject = z.strictObject({ workflowId: taskWorkflowIdText });
  const gateStateObject = z.strictObject({
    repo,
    holder: ownWorkflow(z.strictObject({ ...gateRequestFields, since: z.string().max(100) })).optional(),
    queue: z.array(gateRequestObject),
    ignored: z
      .array(z.strictObject({ signal: z.string().max(100), at: z.string().max(100), reason: z.string().max(1000) }))
      .max(MAX_GATE_IGNORED)
      .default([]),
  });
  const gateInputObject = z.strictObject({ repo, carried: gateStateObject.optional() });
  return { gateRequestObject, gateReleaseObject, gateInputObject };
});

export function parseGateAcquire(raw: unknown): SignalCheck<GateRequest> {
  return signalCheck(gateSchemas().gateRequestObject, raw);
}

export function parseGateRelease(raw: unknown): SignalCheck<{ workflowId: string }> {
  return signalCheck(gateSchemas().gateReleaseObject, raw);
}

/**
 * repoGateWorkflow's start input: the repo, and the state it carries over continue-as-new. It runs
 * as `gate-<repo>` (tasks signal that id), and carried state is for the same repo.
 */
export function parseGateInput(repoRaw: unknown, carriedRaw: unknown, workflowId: string): Checked<GateState> {
  const r = check(gateSchemas().gateInputObject, { repo: repoRaw, carried: carriedRaw }, 'input');
  if (!r.ok) return r;
  const { repo: name, carried } = r.value;
  const problems: string[] = [];
  if (workflowId !== gateWorkflowId(name) && workflowId !== stagingGateWorkflowId(name)) {
    problems.push(
      `workflowId: "${printable(workflowId)}" must be "${printable(gateWorkflowId(name))}" for repo ${printable(name)}` +
        ` (or "${printable(stagingGateWorkflowId(name))}" for staging target ${printable(name)})`,
    );
  }
  if (carried && carried.repo !== name) problems.push(`carried.repo: must be the repo, ${printable(name)}`);
  if (problems.length) return { ok: false, problems: problems.map(redactSecrets) };
  return { ok: true, value: carried ?? { repo: name, queue: [], ignored: [] } };
}

// ---------------------------------------------------------------------------------------------

/** Redacted and trimmed; blank is no value. */
function clean(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t ? redactSecrets(t) : undefined;
}

function withoutEmpty<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function signalCheck<S extends z.ZodType>(schema: S, raw: unknown): SignalCheck<z.output<S>> {
  const r = check(schema, raw, 'payload');
  if (r.ok) return r;
  // Reasons are kept in state and shown: never an echo of a secret, never long.
  return { ok: false, reason: preview(redactSecrets(r.problems.join('; ')), 300) };
}

function check<S extends z.ZodType>(schema: S, raw: unknown, root: string): Checked<z.output<S>> {
  const r = schema.safeParse(raw, { error: describeIssue });
  if (r.success) return { ok: true, value: r.data };
  const at = (path: PropertyKey[]) => (path.length ? path.map(String).join('.') : root);
  const problems = r.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => `${at([...i.path, k])}: unknown field`)
      : [`${at(i.path)}: ${i.message}`],
  );
  return { ok: false, problems: [...new Set(problems.map(redactSecrets))] };
}

/** Plainer words than zod's defaults for the two mistakes people make most. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'missing';
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  return `expected ${expected}, got ${kindOf(issue.input)}`;
}

const EXPECTED: Record<string, string> = {
  object: 'an object ({…})',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}
