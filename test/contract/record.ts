/**
 * Recordings of the real agent CLIs (test/fixtures/agent-clis/README.md): the contract suite writes
 * them when RECORD_AGENT_CLIS=1 (`RECORD_AGENT_CLIS=1 npx vitest run test/contract/agent-clis.test.ts`),
 * as <cli>/<version>/<scenario>.stdout.txt, .stderr.txt and .json; without it they are only read.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AGENT_CLIS, type AgentCliName } from '../../worker/agent-clis.js';
import { PROJECT_ROOT } from '../../activities/paths.js';
import type { RunRecord } from './harness.js';

export const FIXTURES_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'agent-clis');

export interface FixtureMeta {
  cli: AgentCliName;
  version: string;
  scenario: string;
  description: string;
  argv: string[];
  envNames: string[];
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stoppedBy?: string;
  durationMs: number;
  isolatedNetwork: boolean;
  /** Both streams in arrival order: [stream, index into that stream's file]. */
  order: ['stdout' | 'stderr', number][];
  /** What the adapter decided when this was recorded (informative; the tests decide again). */
  recordedOutcome: { ok: boolean; errorType?: string; resumeFailed?: boolean; message?: string };
}

export function fixtureBase(cli: AgentCliName, scenario: string, version = AGENT_CLIS[cli].version): string {
  return path.join(FIXTURES_DIR, cli, version, scenario);
}

export async function writeFixture(run: RunRecord): Promise<string> {
  const { cli, name } = run.scenario;
  const base = fixtureBase(cli, name);
  await fsp.mkdir(path.dirname(base), { recursive: true });
  const counters = { stdout: 0, stderr: 0 };
  const meta: FixtureMeta = {
    cli,
    version: AGENT_CLIS[cli].version,
    scenario: name,
    description: run.scenario.description,
    argv: run.argv,
    envNames: run.envNames,
    exitCode: run.exitCode,
    signal: run.signal,
    timedOut: run.timedOut,
    ...(run.stoppedBy ? { stoppedBy: run.stoppedBy } : {}),
    durationMs: run.durationMs,
    isolatedNetwork: run.isolatedNetwork,
    order: run.lines.map((l) => [l.stream, counters[l.stream]++]),
    recordedOutcome: run.result.ok
      ? { ok: true }
      : {
          ok: false,
          errorType: run.result.errorType,
          ...(run.result.resumeFailed ? { resumeFailed: true } : {}),
          message: run.result.message,
        },
  };
  await fsp.writeFile(`${base}.stdout.txt`, run.stdout.map((l) => `${l}\n`).join(''));
  await fsp.writeFile(`${base}.stderr.txt`, run.stderr.map((l) => `${l}\n`).join(''));
  await fsp.writeFile(`${base}.json`, `${JSON.stringify(meta, null, 2)}\n`);
  return base;
}

/** A recording read back: its meta and both streams' lines in arrival order. */
export async function readFixture(cli: AgentCliName, scenario: string, version?: string) {
  const base = fixtureBase(cli, scenario, version);
  const meta = JSON.parse(await fsp.readFile(`${base}.json`, 'utf8')) as FixtureMeta;
  // Every line was written with its newline, so a file of n lines splits into n + 1 parts.
  const count = (stream: string) => meta.order.filter(([s]) => s === stream).length;
  const stdout = (await fsp.readFile(`${base}.stdout.txt`, 'utf8')).split('\n').slice(0, count('stdout'));
  const stderr = (await fsp.readFile(`${base}.stderr.txt`, 'utf8')).split('\n').slice(0, count('stderr'));
  const streams = { stdout, stderr };
  const lines = meta.order.map(([stream, i]) => ({ stream, line: streams[stream][i] }));
  return { meta, stdout, stderr, lines };
}
