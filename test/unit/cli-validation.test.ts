/**
 * The CLI in-process: everything that can be wrong with a command line or its input is reported
 * with exit code 2 before Temporal is contacted. --address points at a closed port, so reaching
 * the network would show up as a connection error instead of the expected message.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../client/main.js';
import type { CliIo } from '../../client/commands/common.js';
import { freePort } from '../../worker/ports.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let closedAddress: string;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    cwd: dir,
  };
  const code = await runCli(['--address', closedAddress, ...args], io);
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

const CONFIG = `
repos:
  webapp:
    url: ./webapp
    testCommand: ["true"]
providers:
  fake:
    kind: command
    command: ["true"]
routing:
  default: fake
`;

const GOOD_TASK = `---
id: fix-login
repo: webapp
title: Fix the login redirect
---
Make it go to /home.
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-cli-'));
  fs.mkdirSync(path.join(dir, 'webapp'));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: path.join(dir, 'webapp') });
  write('switchyard.config.yaml', CONFIG);
  closedAddress = `127.0.0.1:${await freePort()}`;
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('submit validates before it connects', () => {
  it('lists every problem of a bad task file with the file name, exit 2', async () => {
    const file = write(
      'bad.md',
      `---\nid: Bad_Id\nrepo: webapp\ntitle: x\nbudget_usd: lots\nmax_dev_atempts: 2\n---\nbody\n`,
    );
    const r = await cli(['submit', 'bad.md']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/id/);
    expect(r.stderr).toMatch(/budget_usd/);
    expect(r.stderr).toMatch(/max_dev_atempts/);
    expect(r.stderr).not.toMatch(/cannot reach Temporal/);
  });

  it('reports a repo the config does not know, exit 2', async () => {
    write('other-repo.md', GOOD_TASK.replace('repo: webapp', 'repo: mobile'));
    const r = await cli(['submit', 'other-repo.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no repo named "mobile"/);
    expect(r.stderr).toMatch(/webapp/);
    expect(r.stderr).not.toMatch(/cannot reach Temporal/);
  });

  it('reports a missing task file, exit 2', async () => {
    const r = await cli(['submit', 'nope.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path.join(dir, 'nope.md'));
    expect(r.stderr).toMatch(/file not found/);
  });

  it('lists every problem of an invalid config, exit 2', async () => {
    const cfg = write('broken/switchyard.config.yaml', 'repos:\n  webapp:\n    url: 3\n    serail: true\n');
    write('broken/task.md', GOOD_TASK);
    const r = await cli(['submit', '--config', cfg, 'broken/task.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(cfg);
    expect(r.stderr).toMatch(/repos\.webapp\.url/);
    expect(r.stderr).toMatch(/serail/);
    expect(r.stderr).not.toMatch(/cannot reach Temporal/);
  });

  it('explains how to get a config when there is none, exit 2', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-cli-empty-'));
    try {
      fs.writeFileSync(path.join(empty, 'task.md'), GOOD_TASK);
      let stderr = '';
      const code = await runCli(['--address', closedAddress, 'submit', 'task.md'], {
        stdout: () => {},
        stderr: (t) => (stderr += t),
        env: {},
        cwd: empty,
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/no Switchyard config found/);
      expect(stderr).toMatch(/switchyard start/);
      expect(stderr).toMatch(/SWITCHYARD_CONFIG/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('with --json prints nothing on stdout when the input is invalid', async () => {
    write('bad-json.md', `---\nrepo: webapp\ntitle: x\ncolour: red\n---\n`);
    const r = await cli(['submit', '--json', 'bad-json.md']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/colour/);
  });

  it('a valid task against an unreachable server fails with a readable message, exit 1', async () => {
    write('good.md', GOOD_TASK);
    const r = await cli(['submit', '--json', 'good.md']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `cannot reach Temporal at ${closedAddress} (namespace default) — is \`switchyard start\` running?`,
    );
  });
});

describe('operator commands check their arguments before they connect', () => {
  it('answer needs --text or --file', async () => {
    const r = await cli(['answer', 'fix-login']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--text .* or --file/);
  });

  it('answer refuses both --text and --file', async () => {
    write('answer.md', 'transliterate');
    const r = await cli(['answer', 'fix-login', '--text', 'a', '--file', 'answer.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not both/);
  });

  it('answer refuses an empty or unreadable answer', async () => {
    write('empty.md', '  \n');
    expect((await cli(['answer', 'fix-login', '--file', 'empty.md'])).stderr).toMatch(/empty/);
    const missing = await cli(['answer', 'fix-login', '--file', 'missing.md']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --file .*missing\.md: ENOENT/);
    expect((await cli(['answer', 'fix-login', '--text', ' '])).code).toBe(2);
  });

  it('rejects something that cannot be a task id', async () => {
    const r = await cli(['status', 'Fix_Login']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"Fix_Login" is not a task id/);
  });

  // One grammar for every command that takes a task id; `--` makes commander pass "--help" as the id.
  it.each([['status'], ['watch'], ['answer', '--text', 'x'], ['resume'], ['pause'], ['unpause'], ['cancel'], ['logs']])(
    '%s refuses a task id that starts with "-", naming the argument',
    async (command, ...rest) => {
      for (const id of ['--help', '-x', 'a;b', '$(id)']) {
        const r = await cli([command, ...rest, '--', id]);
        expect(r.code, `${command} ${id}`).toBe(2);
        expect(r.stderr).toContain(`error: argument <taskId>: "${id}" is not a task id`);
        expect(r.stderr).not.toMatch(/cannot reach Temporal|no database/);
      }
    },
  );

  it('submit refuses an id of "--help" from the task file, naming id', async () => {
    write('dash-id.md', GOOD_TASK.replace('id: fix-login', 'id: "--help"'));
    const r = await cli(['submit', 'dash-id.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dash-id\.md: id: "--help" is not a task id/);
    expect(r.stderr).not.toMatch(/cannot reach Temporal/);
  });

  it('submit refuses an unknown preferred_ai, naming the configured providers', async () => {
    write('unknown-ai.md', GOOD_TASK.replace('title:', 'preferred_ai: aider\ntitle:'));
    const r = await cli(['submit', 'unknown-ai.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/preferred_ai: "aider" is not configured: .*configured providers: "fake", or "auto"/);
    expect(r.stderr).not.toMatch(/cannot reach Temporal/);
  });

  it('resume checks its numbers and flag combinations', async () => {
    const budget = await cli(['resume', 'fix-login', '--budget', '-3']);
    expect(budget.code).toBe(2);
    expect(budget.stderr).toMatch(/--budget must be a positive number/);
    const attempts = await cli(['resume', 'fix-login', '--attempts', '2.5']);
    expect(attempts.code).toBe(2);
    expect(attempts.stderr).toMatch(/--attempts must be a positive whole number/);
    const both = await cli(['resume', 'fix-login', '--abort', '--budget', '5']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--abort cannot be combined/);
  });

  it('list rejects an unknown state and names the valid ones', async () => {
    const r = await cli(['list', '--state', 'stuck', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/--state stuck is not a task state; expected one of queued, running, needs-input/);
  });

  it('an unknown command or option is a usage error, exit 2', async () => {
    expect((await cli(['sumbit', 'x.md'])).code).toBe(2);
    const opt = await cli(['status', 'fix-login', '--jsn']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/unknown option '--jsn'/);
    expect((await cli(['status'])).code).toBe(2);
    expect((await cli(['status', 'a', 'b'])).code).toBe(2);
  });

  it('--help prints usage on stdout, exit 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'start',
      'demo',
      'worker',
      'submit',
      'status',
      'list',
      'answer',
      'resume',
      'pause',
      'unpause',
      'cancel',
      'watch',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    }
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const sub = await cli(['answer', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/--text <text>/);
  });

  it('worker without a config explains how to get one, exit 2', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-cli-empty-'));
    try {
      let stderr = '';
      const code = await runCli(['--address', closedAddress, 'worker'], {
        stdout: () => {},
        stderr: (t) => (stderr += t),
        env: {},
        cwd: empty,
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/no Switchyard config found/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
