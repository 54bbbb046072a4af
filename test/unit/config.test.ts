import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  fileConfigSource,
  findConfigPath,
  isRemoteUrl,
  loadConfig,
  parseConfig,
  staticConfigSource,
} from '../../worker/config.js';
import { closestMatch } from '../../worker/yaml-validation.js';
import { formatDuration, parseDuration } from '../../workflows/duration.js';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'switchyard-config-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function tempDir(): string {
  const dir = join(tmp, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function configError(text: string, file = '/cfg/switchyard.config.yaml'): ConfigError {
  try {
    parseConfig(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const minimal = `
repos:
  app:
    url: https://example.com/app.git
providers:
  agent:
    kind: command
    command: [agent-cli]
`;

describe('parseDuration / formatDuration', () => {
  it.each([
    ['250ms', 250],
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['1.5h', 5_400_000],
    [90, 90_000],
    [0.25, 250],
    ['10', 10_000],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['7 days', '', 'abc', '-5s', '5w'])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow(/invalid duration/);
  });

  it('rejects negative numbers', () => {
    expect(() => parseDuration(-1)).toThrow(/non-negative/);
  });

  it.each([
    [250, '250ms'],
    [45_000, '45s'],
    [1_500, '1.5s'],
    [5_400_000, '1h 30m'],
    [604_800_000, '7d'],
    [93_784_000, '1d 2h 3m 4s'],
    [0, '0ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips what it formats', () => {
    for (const ms of [1, 999, 61_000, 3_600_000, 90_061_000]) {
      const text = formatDuration(ms);
      const back = text.split(' ').reduce((sum, part) => sum + parseDuration(part), 0);
      expect(back).toBe(ms);
    }
  });
});

describe('parseConfig', () => {
  it('refuses waits and reminders under a minute, and timeouts longer than the activities allow', () => {
    const err = configError(
      [
        'pipeline: { waitTimeout: 10s, reminderEvery: 0 }',
        'repos:',
        '  app: { url: /srv/app, testTimeoutSec: 86400 }',
        'staging:',
        '  s: { command: [check], timeoutSec: 9000 }',
        'providers:',
        '  a: { kind: command, command: [agent], timeoutSec: 20000 }',
      ].join('\n'),
    );
    const text = err.issues.join('\n');
    expect(text).toMatch(/pipeline\.waitTimeout: must be at least 1 minute/);
    expect(text).toMatch(/pipeline\.reminderEvery: must be at least 1 minute/);
    expect(text).toMatch(/repos\.app\.testTimeoutSec/);
    expect(text).toMatch(/staging\.s\.timeoutSec/);
    expect(text).toMatch(/providers\.a\.timeoutSec/);
  });

  it('fills defaults for an empty file', () => {
    const cfg = parseConfig('', '/srv/sy/switchyard.config.yaml');
    expect(cfg.dataDir).toBe('/srv/sy/.switchyard');
    expect(cfg.repos).toEqual({});
    expect(cfg.pipeline).toEqual({ maxDevAttempts: 3, waitTimeout: '7d', reminderEvery: '1d' });
  });

  it('accepts a minimal config and applies per-entry defaults', () => {
    const cfg = parseConfig(minimal, '/srv/sy/switchyard.config.yaml');
    expect(cfg.repos.app).toEqual({
      url: 'https://example.com/app.git',
      base: 'main',
      testTimeoutSec: 600,
      serial: true,
      env: [],
    });
    expect(cfg.providers.agent).toMatchObject({ kind: 'command', command: ['agent-cli'], timeoutSec: 3600, env: [] });
  });

  it('lists every problem with file, field path and line', () => {
    const err = configError(
      [
        'repos:', //                         1
        '  app:', //                         2
        '    url: 3', //                     3
        '    testCommand: []', //            4
        '  "bad name":', //                  5
        '    url: ./x', //                   6
        'providers:', //                     7
        '  p:', //                           8
        '    kind: cmd', //                  9
        '    command: [x]', //              10
        'pipeline:', //                     11
        '  waitTimeout: 7 days', //         12
        '  maxDevAttempts: 1.5', //         13
        '  reminderEvery: true', //         14
      ].join('\n'),
    );
    const f = '/cfg/switchyard.config.yaml';
    expect(err.file).toBe(f);
    expect(err.issues).toEqual([
      'repos.app.url: expected text, got 3 (line 3)',
      'repos.app.testCommand: an argv array with at least the program, e.g. ["npm", "test"]; got an empty list (line 4)',
      'repos["bad name"]: invalid name "bad name": letters, digits, ".", "_" or "-" (line 5)',
      'providers.p.kind: unknown kind "cmd" (expected: command, claude-code, codex, gemini, aider, delegated) (line 9)',
      'pipeline.waitTimeout: a duration such as "45s", "30m", "12h" or "7d"; got "7 days" (line 12)',
      'pipeline.maxDevAttempts: expected a whole number, got 1.5 (line 13)',
      'pipeline.reminderEvery: expected a number or text, got true (line 14)',
    ]);
    for (const issue of err.issues) expect(err.message).toContain(`${f}: ${issue}`);
    expect(err.message).toMatch(/^Invalid Switchyard config \(7 problems\):/);
  });

  it('names unknown keys and suggests the likely one', () => {
    const err = configError(
      ['repos:', '  app:', '    url: x', '    testComand: [npm, test]', 'provider: {}'].join('\n'),
    );
    expect(err.issues).toEqual([
      'repos.app.testComand: unknown key; did you mean "testCommand"? (line 4)',
      'provider: unknown key; did you mean "providers"? (line 5)',
    ]);
  });

  it('lists the allowed keys when nothing is close', () => {
    const err = configError('colour: blue\n');
    expect(err.issues).toEqual([
      'colour: unknown key (allowed here: dataDir, repos, staging, providers, routing, delegation, notifications, worker, pipeline) (line 1)',
    ]);
  });

  it('refuses maxTurns for CLIs without a turn limit, naming the field; Claude Code takes it', () => {
    const err = configError(
      [
        'providers:', //                              1
        '  cx: {kind: codex, maxTurns: 5}', //         2
        '  gm: {kind: gemini, maxTurns: 5}', //        3
        '  ai: {kind: aider, maxTurns: 5}', //         4
        '  cc: {kind: claude-code, maxTurns: 5}', //   5
      ].join('\n'),
    );
    expect(err.issues).toEqual([
      'providers.cx.maxTurns: Codex has no turn limit that Switchyard can set; only claude-code providers take maxTurns (line 2)',
      'providers.gm.maxTurns: Gemini CLI has no turn limit that Switchyard can set; only claude-code providers take maxTurns (line 3)',
      'providers.ai.maxTurns: Aider has no turn limit that Switchyard can set; only claude-code providers take maxTurns (line 4)',
    ]);
    const ok = parseConfig('providers:\n  cc: {kind: claude-code, maxTurns: 5}\n  cx: {kind: codex}\n', '/cfg/x.yaml');
    expect(ok.providers.cc).toMatchObject({ kind: 'claude-code', maxTurns: 5 });
    expect(ok.providers.cx).not.toHaveProperty('maxTurns');
  });

  it('reports missing required fields', () => {
    const err = configError('staging:\n  s1:\n    timeoutSec: 5\n');
    expect(err.issues).toEqual(['staging.s1.command: required: expected a list (line 2)']);
  });

  it('explains empty values, missing kinds and wrong literals', () => {
    const err = configError(
      [
        'providers:', //                       1
        '  p:', //                             2
        '    command: [x]', //                 3
        '  r: null', //                        4
        'repos:', //                           5
        "  b: {url: ''}", //                   6
        'staging:', //                         7
        '  s: {command: [x], transport: rsync}', // 8
      ].join('\n'),
    );
    expect(err.issues).toEqual([
      'providers.p.kind: required: one of command, claude-code, codex, gemini, aider, delegated (line 2)',
      'providers.r: expected a mapping, got an empty value (line 4)',
      'repos.b.url: must not be empty (line 6)',
      'staging.s.transport: unknown transport "rsync" (expected: local, ssh) (line 8)',
    ]);
  });

  describe('ssh staging targets', () => {
    const target = (lines: string[]) =>
      ['staging:', '  prod-like:', '    transport: ssh', ...lines.map((l) => `    ${l}`)].join('\n');
    const minimal = [
      'host: staging.example.com',
      'user: deploy',
      'identityFile: keys/deploy_ed25519',
      'knownHostsFile: keys/known_hosts',
      'command: [deploy-check, "{commit}", "--branch={branch}"]',
    ];

    it('fills in the defaults and resolves the key files against the config file', () => {
      const cfg = parseConfig(target(minimal), join(tmp, 'cfg', 'switchyard.config.yaml'));
      expect(cfg.staging['prod-like']).toEqual({
        transport: 'ssh',
        host: 'staging.example.com',
        port: 22,
        user: 'deploy',
        identityFile: join(tmp, 'cfg', 'keys', 'deploy_ed25519'),
        knownHostsFile: join(tmp, 'cfg', 'keys', 'known_hosts'),
        command: ['deploy-check', '{commit}', '--branch={branch}'],
        timeoutSec: 600,
        connectTimeoutSec: 10,
        retries: 3,
      });
    });

    it('keeps transport: local the default', () => {
      const cfg = parseConfig('staging:\n  s: {command: [./check]}', join(tmp, 'switchyard.config.yaml'));
      expect(cfg.staging.s).toEqual({ transport: 'local', command: ['./check'], timeoutSec: 600, env: [] });
    });

    it('requires the pinned host keys, the key and the user', () => {
      const err = configError(target(['host: h', 'command: [x]']));
      expect(err.issues).toEqual([
        'staging.prod-like.user: required: expected text (line 2)',
        'staging.prod-like.identityFile: required: expected text (line 2)',
        'staging.prod-like.knownHostsFile: required: expected text (line 2)',
      ]);
    });

    it.each([
      ['host: "-oProxyCommand=touch x"', /^staging\.prod-like\.host: "-oProxyCommand=touch x" is not a host name/],
      ['host: "a;b"', /^staging\.prod-like\.host: "a;b" is not a host name/],
      ['host: "me@h"', /^staging\.prod-like\.host: "me@h" is not a host name/],
      ['user: "-l"', /^staging\.prod-like\.user: "-l" is not a user name/],
      ['user: "$(id)"', /^staging\.prod-like\.user: "\$\(id\)" is not a user name/],
      ['knownHostsFile: "a b"', /^staging\.prod-like\.knownHostsFile: "a b" cannot be given to ssh/],
      ['identityFile: "~/.ssh/id"', /^staging\.prod-like\.identityFile: "~\/.ssh\/id" must be a path/],
      ['identityFile: "%d/id"', /^staging\.prod-like\.identityFile: "%d\/id" cannot be given to ssh/],
      ['identityFile: "${HOME}/id"', /^staging\.prod-like\.identityFile: "\$\{HOME\}\/id" cannot be given to ssh/],
      ['port: 0', /^staging\.prod-like\.port: /],
      ['port: 70000', /^staging\.prod-like\.port: /],
      ['retries: 11', /^staging\.prod-like\.retries: /],
      ['connectTimeoutSec: 0', /^staging\.prod-like\.connectTimeoutSec: /],
      [
        'command: [deploy, "{sha}"]',
        /^staging\.prod-like\.command\[1\]: unknown placeholder \{sha\} \(known: \{commit\}, /,
      ],
      ['env: [TOKEN]', /^staging\.prod-like\.env: an ssh target takes no env: the host keeps its own environment/],
    ])('refuses %s, naming the field', (line, re) => {
      const key = line.split(':')[0];
      const err = configError(target([...minimal.filter((l) => !l.startsWith(`${key}:`)), line]));
      expect(err.issues).toHaveLength(1);
      expect(err.issues[0]).toMatch(re);
    });

    it('checks the key paths again once resolved: the config folder must not bring in what ssh reinterprets', () => {
      const dir = join(tmp, 'my configs');
      const err = configError(target(minimal), join(dir, 'switchyard.config.yaml'));
      expect(err.issues).toEqual([
        expect.stringMatching(
          /^staging\.prod-like\.identityFile: resolved against the config file, ".*my configs.*" cannot be given to ssh/,
        ),
        expect.stringMatching(/^staging\.prod-like\.knownHostsFile: resolved against the config file, /),
      ]);
      const absolute = minimal.map((l) => l.replace('keys/', '/etc/switchyard/keys/'));
      expect(parseConfig(target(absolute), join(dir, 'switchyard.config.yaml')).staging['prod-like']).toMatchObject({
        knownHostsFile: '/etc/switchyard/keys/known_hosts',
      });
    });

    it('says what is wrong when transport: ssh is left out', () => {
      const err = configError(['staging:', '  web:', ...minimal.map((l) => `    ${l}`)].join('\n'));
      expect(err.issues[0]).toBe(
        'staging.web.host: not a key of this kind of entry; is its transport or kind set right? (line 3)',
      );
    });

    it('the README example is a valid target', () => {
      const readme = readFileSync(join(root, 'README.md'), 'utf8');
      const yaml = readme.split('## Staging')[1].split('```yaml\n')[1].split('```')[0];
      const cfg = parseConfig(yaml, join(tmp, 'switchyard.config.yaml'));
      expect(cfg.staging.web).toMatchObject({
        transport: 'ssh',
        knownHostsFile: join(tmp, 'keys', 'staging_known_hosts'),
      });
    });

    it('suggests the key a typo meant', () => {
      const err = configError(target([...minimal, 'knownHostFile: x']));
      expect(err.issues).toEqual([
        expect.stringMatching(/knownHostFile: unknown key; did you mean "knownHostsFile"\?/),
      ]);
    });
  });

  it('reports cross-references after the shape is valid', () => {
    const err = configError(
      ['repos:', '  app: {url: x, staging: nowhere}', 'providers: {}', 'routing:', '  default: ghost'].join('\n'),
    );
    expect(err.issues).toEqual([
      'repos.app.staging: no staging target named "nowhere" (line 2)',
      'routing.default: no provider named "ghost" (providers: none) (line 5)',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const err = configError('repos:\n  app:\n    url: [unclosed\n  other: x\n');
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.issues[0]).toMatch(/^line \d+, column \d+: YAML syntax error: /);
    expect(err.message).toContain('/cfg/switchyard.config.yaml: line ');
  });

  it('reports duplicate keys as errors, with the line', () => {
    const err = configError('dataDir: a\ndataDir: b\n');
    expect(err.issues).toEqual([expect.stringMatching(/^line 2, column 1: YAML syntax error: .*unique/)]);
  });

  it('rejects a top level that is not a mapping', () => {
    expect(configError('- a\n- b\n').issues).toEqual([
      '(top level): expected a mapping of settings (repos:, providers:, ...), got a list',
    ]);
  });

  it('resolves relative paths against the config file directory, but not commands that run in the worktree', () => {
    const cfg = parseConfig(
      `
dataDir: data
repos:
  local: { url: ../repos/local, testCommand: ['./scripts/test.sh', '--fast', '../shared/x', 'bin/y'] }
  absolute: { url: /srv/git/abs }
  https: { url: 'https://github.com/acme/app.git' }
  ssh: { url: 'ssh://git@host:22/acme/app.git' }
  scp: { url: 'git@github.com:acme/app.git' }
  file: { url: 'file:///srv/git/app' }
staging:
  s1: { command: ['../deploy/check.sh', 's1'] }
providers:
  a: { kind: command, command: ['node', './agents/a.mjs'] }
`,
      '/etc/sy/switchyard.config.yaml',
    );
    expect(cfg.dataDir).toBe('/etc/sy/data');
    expect(cfg.repos.local.url).toBe('/etc/repos/local');
    expect(cfg.repos.local.testCommand).toEqual(['./scripts/test.sh', '--fast', '../shared/x', 'bin/y']);
    expect(cfg.repos.absolute.url).toBe('/srv/git/abs');
    expect(cfg.repos.https.url).toBe('https://github.com/acme/app.git');
    expect(cfg.repos.ssh.url).toBe('ssh://git@host:22/acme/app.git');
    expect(cfg.repos.scp.url).toBe('git@github.com:acme/app.git');
    expect(cfg.repos.file.url).toBe('file:///srv/git/app');
    expect(cfg.staging.s1.command).toEqual(['../deploy/check.sh', 's1']);
    expect(cfg.providers.a).toMatchObject({ command: ['node', '/etc/sy/agents/a.mjs'] });
  });

  it('refuses repo urls and bases that could become an option or shell text, naming the field', () => {
    const err = configError(
      [
        'repos:', //                                                   1
        '  a: { url: "--upload-pack=touch${IFS}PWNED;x@y:" }', //       2
        '  b: { url: "ext::sh -c touch% PWNED" }', //                   3
        '  c: { url: "/srv/x", base: "--orphan" }', //                  4
        '  d: { url: "/srv/x", base: "main;touch PWNED" }', //          5
        '  e: { url: "https://host/$(touch x)" }', //                   6
        '  f: { url: "svn://host/x" }', //                              7
      ].join('\n'),
    );
    expect(err.issues.map((i) => i.split(':')[0])).toEqual([
      'repos.a.url',
      'repos.b.url',
      'repos.c.base',
      'repos.d.base',
      'repos.e.url',
      'repos.f.url',
    ]);
    expect(err.issues[0]).toBe(
      'repos.a.url: "--upload-pack=touch${IFS}PWNED;x@y:" is not a usable repo location: starts with "-" (line 2)',
    );
    expect(err.issues[1]).toMatch(/transport helpers such as "ext::" and "fd::" are not allowed/);
    expect(err.issues[2]).toMatch(/"--orphan" is not a valid branch, tag or commit: starts with "-"/);
  });

  it('keeps an absolute dataDir', () => {
    expect(parseConfig('dataDir: /var/lib/sy\n', '/etc/sy/c.yaml').dataDir).toBe('/var/lib/sy');
  });

  it('parses the bundled example config', () => {
    const { config } = loadConfig(join(root, 'examples', 'switchyard.config.yaml'));
    expect(Object.keys(config.repos).length).toBeGreaterThan(0);
    expect(config.routing?.default).toBeDefined();
    expect(config.providers.scripted).toMatchObject({
      command: ['node', join(root, 'examples', 'agents', 'scripted-agent.mjs')],
    });
  });
});

describe('isRemoteUrl / closestMatch', () => {
  it.each([
    ['https://x/y.git', true],
    ['ssh://git@x/y', true],
    ['file:///a/b', true],
    ['git@github.com:a/b.git', true],
    ['/abs/path', false],
    ['../rel', false],
    ['rel/dir', false],
    ['./odd@name:dir', false],
  ])('%s remote=%s', (url, remote) => {
    expect(isRemoteUrl(url)).toBe(remote);
  });

  it('suggests close keys and stays quiet when nothing is close', () => {
    const keys = ['preferred_ai', 'budget_usd', 'max_dev_attempts', 'title'];
    expect(closestMatch('preferredAi', keys)).toBe('preferred_ai');
    expect(closestMatch('titel', keys)).toBe('title');
    expect(closestMatch('budget', keys)).toBe('budget_usd');
    expect(closestMatch('max_dev_attempt', keys)).toBe('max_dev_attempts');
    expect(closestMatch('colour', keys)).toBeUndefined();
  });
});

describe('loadConfig / findConfigPath', () => {
  it('loads a file and reports its path and directory', () => {
    const dir = tempDir();
    const file = join(dir, 'switchyard.config.yaml');
    writeFileSync(file, minimal);
    const loaded = loadConfig(file);
    expect(loaded).toMatchObject({ path: file, dir });
    expect(loaded.config.dataDir).toBe(join(dir, '.switchyard'));
  });

  it('names the file when it does not exist', () => {
    const file = join(tmp, 'nope.yaml');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(`${file}: cannot read the config: file not found`);
  });

  it('includes the file in errors from loadConfig', () => {
    const dir = tempDir();
    const file = join(dir, 'switchyard.config.yaml');
    writeFileSync(file, 'repos: 5\n');
    expect(() => loadConfig(file)).toThrow(`${file}: repos: expected a mapping, got 5 (line 1)`);
  });

  it('prefers SWITCHYARD_CONFIG, resolved against cwd', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'switchyard.config.yaml'), '');
    writeFileSync(join(dir, 'other.yaml'), '');
    expect(findConfigPath(dir, { SWITCHYARD_CONFIG: 'other.yaml' })).toBe(join(dir, 'other.yaml'));
  });

  it('refuses a SWITCHYARD_CONFIG that does not exist', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'switchyard.config.yaml'), '');
    expect(() => findConfigPath(dir, { SWITCHYARD_CONFIG: 'missing.yaml' })).toThrow(
      /SWITCHYARD_CONFIG points to a file that does not exist/,
    );
  });

  it('falls back to switchyard.config.yaml in cwd, else undefined', () => {
    const dir = tempDir();
    expect(findConfigPath(dir, {})).toBeUndefined();
    writeFileSync(join(dir, 'switchyard.config.yaml'), '');
    expect(findConfigPath(dir, {})).toBe(join(dir, 'switchyard.config.yaml'));
  });
});

describe('config sources', () => {
  // Distinct mtimes, so the change is seen even when two writes land in the same clock tick.
  let tick = 1_700_000_000;
  function write(file: string, text: string): void {
    writeFileSync(file, text);
    tick += 10;
    utimesSync(file, tick, tick);
  }

  it('fileConfigSource reloads a changed file and keeps the last good config on a broken edit', () => {
    const dir = tempDir();
    const file = join(dir, 'switchyard.config.yaml');
    write(file, 'pipeline: { maxDevAttempts: 2 }\n');
    const logs: string[] = [];
    const source = fileConfigSource(file, (m) => logs.push(m));
    expect(source.path).toBe(file);
    expect(source.current().pipeline.maxDevAttempts).toBe(2);

    write(file, 'pipeline: { maxDevAttempts: 4 }\n');
    expect(source.current().pipeline.maxDevAttempts).toBe(4);

    write(file, 'pipeline: { maxDevAttempts: -1, bogus: 1 }\n');
    expect(source.current().pipeline.maxDevAttempts).toBe(4);
    expect(source.current().pipeline.maxDevAttempts).toBe(4);
    const errors = logs.filter((l) => l.includes('Invalid Switchyard config'));
    expect(errors).toHaveLength(1); // once per change, not once per call
    expect(errors[0]).toContain(`${file}: pipeline.bogus: unknown key`);
    expect(errors[0]).toContain('Keeping the last valid config');

    write(file, 'pipeline: { maxDevAttempts: 5 }\n');
    expect(source.current().pipeline.maxDevAttempts).toBe(5);
  });

  it('fileConfigSource keeps the last good config while the file is missing', () => {
    const dir = tempDir();
    const file = join(dir, 'switchyard.config.yaml');
    write(file, 'pipeline: { maxDevAttempts: 2 }\n');
    const logs: string[] = [];
    const source = fileConfigSource(file, { warn: (m) => logs.push(m) });
    rmSync(file);
    expect(source.current().pipeline.maxDevAttempts).toBe(2);
    expect(logs.join('\n')).toContain('file not found');
  });

  it('fileConfigSource refuses an invalid file at start', () => {
    const dir = tempDir();
    const file = join(dir, 'switchyard.config.yaml');
    write(file, 'nope: 1\n');
    expect(() => fileConfigSource(file, () => {})).toThrow(ConfigError);
  });

  it('staticConfigSource returns the config it was given', () => {
    const cfg = parseConfig(minimal, '/x/c.yaml');
    const source = staticConfigSource(cfg);
    expect(source.current()).toBe(cfg);
    expect(source.path).toBeUndefined();
  });
});
