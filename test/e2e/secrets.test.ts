/**
 * Secrets end to end: tokens planted in an operator's answer, a resume note, a repo's test command
 * and an agent's output, through the real CLI, a real worker process, real test runs and the store.
 * None may appear in the workflow histories, the store, `status`, `logs` or the worker's log.
 */
import { execa, type ResultPromise } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, e2eEnv, PIPELINE_AGENT, type E2eEnv } from '../helpers/e2e.js';
import { payloadData, taskHistories } from '../helpers/histories.js';
import { storeDump } from '../helpers/store.js';

let env: E2eEnv | undefined;
let worker: ResultPromise | undefined;
afterEach(async () => {
  worker?.kill('SIGTERM');
  await worker?.catch(() => undefined);
  worker = undefined;
  await env?.cleanup();
  env = undefined;
});

/** Key-shaped and unique to this run, so a hit can only come from this test. */
const run = Date.now().toString(36).toUpperCase().padStart(10, '0');
const TOKENS = {
  answer: `ghp_ANSWER${run}${'a'.repeat(26)}`,
  note: `sk-ant-api03-NOTE${run}${'b'.repeat(20)}`,
  testCommand: `github_pat_TESTCMD${run}${'c'.repeat(20)}`,
  agent: `xoxb-AGENT${run}-${'1'.repeat(12)}`,
};

describe('secrets e2e', () => {
  it('tokens in an answer, a note, a test command and agent output appear nowhere', async () => {
    env = await e2eEnv('secrets');
    // The test command carries a token as a word and prints it; the agent prints one on every run.
    const agent = join(env.dir, 'leaky-agent.mjs');
    await writeFile(
      agent,
      `console.log('debug: using key ${TOKENS.agent}');\nconsole.error('auth ${TOKENS.agent}');\nawait import(${JSON.stringify(PIPELINE_AGENT)});\n`,
    );
    await env.writeConfig(['sh', '-c', 'echo "deploying with $1"; exec node --test', 'sh', TOKENS.testCommand], 60, {
      yaml: ['  fake:', '    kind: command', `    command: ["node", ${JSON.stringify(agent)}]`],
      default: 'fake',
    });
    // The worker's own log, at info level, is one of the places searched.
    worker = execa('node', [CLI, 'worker', '--config', env.configPath], {
      env: { ...env.env, SWITCHYARD_LOG_LEVEL: 'INFO' },
      cwd: env.dir,
      reject: false,
      all: true,
    });
    const taskId = 'greet-secrets';
    const file = await env.writeTask(taskId, 'Fix the greeting.\n\nfake-agent: ask\nfake-agent: wrong-first', {
      max_dev_attempts: 1,
    });
    const submitted = await env.cli(['submit', file]);
    expect(submitted.exitCode, submitted.stderr).toBe(0);

    await env.waitForState(taskId, ['needs-input']);
    // The agent reads the answer's first line as the greeting; the token rides on the second.
    const answered = await env.cli(['answer', taskId, '--text', `hello\nmy token is ${TOKENS.answer}`]);
    expect(answered.exitCode, answered.stderr).toBe(0);

    // The first fix is wrong and the only attempt is used: hold, then a resume with a note.
    const held = await env.waitForState(taskId, ['hold', 'done', 'failed']);
    expect(held.state, held.holdReason).toBe('hold');
    const resumed = await env.cli(['resume', taskId, '--note', `retry; the key is ${TOKENS.note}`]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const done = await env.waitForState(taskId, ['done', 'failed', 'hold']);
    expect(done.state, done.detail).toBe('done');

    // What went in did arrive, masked: the test is about redaction, not about losing the input.
    expect(done.rounds[0]?.answer).toBe('hello\nmy token is [REDACTED]');
    expect(done.lastTest?.command).toEqual([
      'sh',
      '-c',
      'echo "deploying with $1"; exec node --test',
      'sh',
      '[REDACTED]',
    ]);
    expect(done.lastTest?.output).toContain('deploying with [REDACTED]');

    // Signal events hold the payload as the client sent it (the CLI's part); every other event is the worker's.
    const events = (await taskHistories(done)).flatMap(
      (h) => (JSON.parse(h) as { events: { eventType: string }[] }).events,
    );
    const asText = (list: typeof events) =>
      list
        .flatMap((e) => {
          const json = JSON.stringify(e);
          return [json, ...payloadData(json).map((d) => Buffer.from(d, 'base64').toString('utf8'))];
        })
        .join('\n');
    const isSignal = (e: { eventType: string }) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED';
    const places: Record<string, string> = {
      history: asText(events.filter((e) => !isSignal(e))),
      'history (signals as the CLI sent them)': asText(events.filter(isSignal)),
      store: await storeDump(env.db.url),
      status: (await env.cli(['status', taskId])).stdout,
      'status --json': (await env.cli(['status', taskId, '--json'])).stdout,
      logs: (await env.cli(['logs', taskId])).stdout,
      'logs --json': (await env.cli(['logs', taskId, '--json'])).stdout,
    };
    worker.kill('SIGTERM');
    places['worker log'] = String((await worker).all ?? '');
    worker = undefined;

    // The places are not empty: each holds the masked form where the input went.
    expect(places.store).toContain('[REDACTED]');
    expect(places.logs).toContain('[REDACTED]');
    expect(places.history).toContain('my token is [REDACTED]');
    expect(places['worker log']).toContain(`tests PASS for ${taskId}`);

    const leaks = Object.entries(places).flatMap(([where, text]) =>
      Object.entries(TOKENS)
        .filter(([, token]) => text.includes(token))
        .map(([what]) => `${what} token in ${where}`),
    );
    expect(leaks).toEqual([]);
  });
});
