/**
 * The `command` provider: any CLI that takes the prompt on stdin (also in
 * $SWITCHYARD_PROMPT_FILE), works in the current directory and exits 0 when it is done. It may
 * report usage with a final line `SWITCHYARD_USAGE {"costUsd":…,"inputTokens":…,"outputTokens":…}`.
 */
import type { CommandProviderConfig } from '../config-schema.js';
import { ErrorType, type AgentRole, type ArtifactRef, type Usage } from '../../workflows/api/index.js';
import { headText, tailText } from '../../workflows/preview.js';
import { agentRunEnv, passThroughEnv } from '../env.js';
import { failure, ProcessStartError } from '../errors.js';
import { heartbeat, runActivityProcess } from '../process.js';
import { createRedactor } from './redact.js';
import { writePromptFile } from './prompt-files.js';

export const OUTPUT_TAIL_BYTES = 4 * 1024;

export interface CommandAgentRun {
  providerName: string;
  provider: CommandProviderConfig;
  worktreeDir: string;
  prompt: string;
  role: AgentRole;
  taskId: string;
  attempt: number;
  log: (msg: string) => void;
  /** Where the full output (the transcript) is written. */
  fullOutputPath?: string;
}

export interface CommandAgentOutcome {
  exitCode: number | null;
  durationMs: number;
  outputTail: string;
  usage?: Usage;
  costUsd: number;
  /** Set when the agent failed (non-zero exit, killed, timed out). */
  failure?: string;
  /** Filled by the caller with what it stored. */
  artifacts: ArtifactRef[];
  /** Masks the secrets this run could have printed; applied to everything stored or returned. */
  redact: (text: string) => string;
}

/**
 * Runs the agent to completion in the worktree. A failed agent is a result, not an exception;
 * a missing binary throws ToolMissing; cancellation kills the agent's process tree and rethrows.
 */
export async function runCommandAgent(run: CommandAgentRun): Promise<CommandAgentOutcome> {
  const { provider, providerName } = run;
  const promptFile = await writePromptFile(run.worktreeDir, run.prompt);
  const { env, passed, missing } = passThroughEnv(provider.env);
  for (const name of missing)
    run.log(`provider ${providerName}: environment variable ${name} is not set on this worker; not passed`);
  const redact = createRedactor(passed);
  Object.assign(env, agentRunEnv(run, promptFile));

  let usage: Usage | undefined;
  const onLine = (line: string): void => {
    const parsed = parseUsageLine(line);
    if (parsed === 'malformed')
      run.log(`provider ${providerName}: ignoring malformed SWITCHYARD_USAGE line: ${headText(line, 200)}`);
    else if (parsed) usage = parsed;
  };

  let res;
  try {
    res = await runActivityProcess(provider.command, {
      cwd: run.worktreeDir,
      env,
      input: run.prompt,
      timeoutMs: provider.timeoutSec * 1000,
      onLine,
      phase: 'agent',
      fullOutputPath: run.fullOutputPath,
      // Progress lines may echo a secret the agent was given: heartbeats carry them redacted.
      heartbeat: (p) => heartbeat({ phase: 'agent', lines: p.lines, lastLine: p.lastLine && redact(p.lastLine) }),
    });
  } catch (err) {
    if (err instanceof ProcessStartError) {
      throw failure(
        ErrorType.ToolMissing,
        `agent command ${JSON.stringify(provider.command[0])} of provider "${providerName}" cannot be started (${err.code}); install it on the worker or fix providers.${providerName}.command`,
      );
    }
    throw err;
  }

  const redactedOutput = redact(res.output);
  const outputTail = tailText(redactedOutput, OUTPUT_TAIL_BYTES);
  let why: string | undefined;
  if (res.timedOut) why = `timed out after ${provider.timeoutSec}s`;
  else if (res.exitCode === null) why = `was killed by ${res.signal ?? 'a signal'}`;
  else if (res.exitCode !== 0) why = `exited with code ${res.exitCode}`;
  const lastLine = lastMeaningfulLine(redactedOutput);
  return {
    exitCode: res.exitCode,
    durationMs: res.durationMs,
    outputTail,
    usage,
    costUsd: usage?.costUsd ?? 0,
    artifacts: [],
    redact,
    failure: why && redact(`agent ${providerName} (${run.role}) ${why}${lastLine ? `: ${lastLine}` : ''}`),
  };
}

const USAGE_LINE = /^\s*SWITCHYARD_USAGE\s+(.*)$/;
const USAGE_KEYS = ['costUsd', 'inputTokens', 'outputTokens'] as const;

/** A `SWITCHYARD_USAGE {json}` line → Usage; undefined for other lines; 'malformed' for bad JSON/values. */
export function parseUsageLine(line: string): Usage | undefined | 'malformed' {
  const m = USAGE_LINE.exec(line);
  if (!m) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(m[1]);
  } catch {
    return 'malformed';
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'malformed';
  const usage: Usage = {};
  for (const k of USAGE_KEYS) {
    const v = (data as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return 'malformed';
    usage[k] = v;
  }
  return Object.keys(usage).length ? usage : 'malformed';
}

function lastMeaningfulLine(output: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i] && !USAGE_LINE.test(lines[i])) return headText(lines[i], 300, '…');
  }
  return undefined;
}
