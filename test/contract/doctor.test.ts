/**
 * `switchyard doctor --check agents` against the real, pinned CLIs from the cache (worker/agent-clis.ts),
 * a CLI of another version, and a binary that does not exist (test/e2e/doctor.test.ts runs every check).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../client/main.js';
import { AGENT_CLIS, ensureAgentClis, type AgentCliName } from '../../worker/agent-clis.js';

let tmp: string;
let bins: Record<AgentCliName, string>;
beforeAll(async () => {
  bins = await ensureAgentClis({ log: (m) => process.stderr.write(`[agent-clis] ${m}\n`) });
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'switchyard-doctor-'));
  fs.mkdirSync(path.join(tmp, 'webapp'));
  // A Claude Code that reports a version the contract suite never ran.
  fs.writeFileSync(path.join(tmp, 'old-claude'), '#!/bin/sh\necho "1.0.0 (Claude Code)"\n', { mode: 0o755 });
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

function config(name: string, providers: Record<string, { kind: string; binary: string }>): string {
  const lines = ['repos:', '  webapp:', '    url: ./webapp', '    testCommand: ["true"]', 'providers:'];
  for (const [p, v] of Object.entries(providers))
    lines.push(`  ${p}:`, `    kind: ${v.kind}`, `    binary: ${v.binary}`);
  lines.push('routing:', `  default: ${Object.keys(providers)[0]}`, '');
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

async function doctor(cfg: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['doctor', '--config', cfg, '--check', 'agents'], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), HOME: tmp },
    cwd: tmp,
  });
  return { code, stdout, stderr };
}

describe('switchyard doctor', () => {
  it('reports the tested versions of the real CLIs, exit 0', async () => {
    const r = await doctor(
      config('real', {
        claude: { kind: 'claude-code', binary: bins.claude },
        codex: { kind: 'codex', binary: bins.codex },
        gemini: { kind: 'gemini', binary: bins.gemini },
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    for (const cli of Object.values(AGENT_CLIS))
      expect(r.stdout).toContain(`(${cli.kind}): ${bins[cli.name]}: ${cli.version} (tested)`);
    expect(r.stdout).not.toMatch(/^(WARN|FAIL)/m);
  });

  it('warns about a version the contract suite does not cover, still exit 0', async () => {
    const r = await doctor(config('old', { claude: { kind: 'claude-code', binary: path.join(tmp, 'old-claude') } }));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`WARN agents: claude (claude-code): ${path.join(tmp, 'old-claude')}: 1.0.0\n`);
    expect(r.stdout).toContain(`fix: the contract suite covers ${AGENT_CLIS.claude.version};`);
  });

  it('exits 1 naming a CLI that is missing, after checking the others', async () => {
    const r = await doctor(
      config('missing', {
        gemini: { kind: 'gemini', binary: path.join(tmp, 'no-such-gemini') },
        codex: { kind: 'codex', binary: bins.codex },
      }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gemini \(gemini\): .*no-such-gemini: MISSING — cannot start .*\(ENOENT\)/);
    expect(r.stderr).toContain(`codex (codex): ${bins.codex}: ${AGENT_CLIS.codex.version} (tested)`);
    expect(r.stderr).toMatch(/^1 of 2 checks failed/m);
  });
});
