import { describe, expect, it } from 'vitest';
import { expandPlaceholders, unknownPlaceholders, type PlaceholderValues } from '../../activities/placeholders.js';
import { classifySsh, remoteCommand, shellQuote, sshArgv } from '../../activities/ssh-command.js';

const values: PlaceholderValues = {
  commit: 'a'.repeat(40),
  branch: 'switchyard/fix-login',
  taskId: 'fix-login',
  repo: 'app',
  repoUrl: 'https://git.example.com/app.git',
};

describe('expandPlaceholders', () => {
  it('replaces every placeholder inside a word', () => {
    expect(expandPlaceholders(['deploy', '--ref={commit}', '{repo}:{branch}', '{taskId}'], values)).toEqual([
      'deploy',
      `--ref=${'a'.repeat(40)}`,
      'app:switchyard/fix-login',
      'fix-login',
    ]);
  });
  it('leaves words without placeholders alone, braces included', () => {
    expect(expandPlaceholders(['echo', '{}', '{ x }'], values)).toEqual(['echo', '{}', '{ x }']);
  });
  it.each([
    ['commit', 'abc123', /placeholder \{commit\}: .*not a full commit SHA/],
    ['commit', `${'a'.repeat(40)};id`, /\{commit\}/],
    ['taskId', '-rf', /\{taskId\}/],
    ['taskId', 'x$(id)', /\{taskId\}/],
    ['branch', '-delete', /\{branch\}/],
    ['branch', 'a\nb', /\{branch\}/],
    ['repo', '`id`', /placeholder \{repo\}: "`id`" is not a repo name/],
    ['repoUrl', '--upload-pack=touch /tmp/x', /\{repoUrl\}/],
    ['repoUrl', 'https://ci:ghp_secret123456@git.example.com/app.git', /\{repoUrl\}: .* carries credentials/],
    ['repoUrl', 'https://x-access-token@git.example.com/app.git', /\{repoUrl\}: .* carries credentials/],
  ] as const)('refuses a %s value breaking its grammar: %j', (name, bad, re) => {
    expect(() => expandPlaceholders([`{${name}}`], { ...values, [name]: bad })).toThrow(re);
  });
  it('never shows a credential it refuses', () => {
    expect(() =>
      expandPlaceholders(['{repoUrl}'], { ...values, repoUrl: 'https://ci:ghp_secret123456@git.example.com/a.git' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('ghp_secret123456') }));
  });
  it('checks only the placeholders in use', () => {
    expect(expandPlaceholders(['{commit}'], { ...values, taskId: '-bad' })).toEqual(['a'.repeat(40)]);
  });
  it('names unknown placeholders', () => {
    expect(unknownPlaceholders('{commit}-{sha}-{Repo}')).toEqual(['sha', 'Repo']);
    expect(() => expandPlaceholders(['{sha}'], values)).toThrow('unknown placeholder {sha}');
  });
});

describe('shellQuote and remoteCommand', () => {
  it('single-quotes words, closing around embedded quotes', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a\nb')).toBe("'a\nb'");
  });
  it('wraps the command in timeout with -- before the duration', () => {
    expect(remoteCommand(['-x', 'a b'], 90)).toBe("exec timeout -k 10 -- 90 '-x' 'a b'");
    expect(remoteCommand(['check'], 0.2)).toBe("exec timeout -k 10 -- 1 'check'");
    expect(() => remoteCommand([], 5)).toThrow('empty');
  });
});

describe('sshArgv', () => {
  it('pins host keys, runs in batch mode and puts -- before the host', () => {
    const argv = sshArgv(
      {
        host: '-oProxyCommand=x',
        port: 2222,
        user: 'deploy',
        identityFile: '/k',
        knownHostsFile: '/kh',
        connectTimeoutSec: 7,
      },
      'cmd',
    );
    expect(argv.slice(0, 3)).toEqual(['-tt', '-e', 'none']);
    expect(argv.slice(-3)).toEqual(['--', '-oProxyCommand=x', 'cmd']);
    for (const opt of [
      'BatchMode=yes',
      'StrictHostKeyChecking=yes',
      'UserKnownHostsFile=/kh',
      'ConnectTimeout=7',
      'ServerAliveInterval=15',
      'ServerAliveCountMax=4',
    ])
      expect(argv[argv.indexOf(opt) - 1]).toBe('-o');
    expect(argv.slice(argv.indexOf('-p'), argv.indexOf('-p') + 2)).toEqual(['-p', '2222']);
    expect(argv.slice(argv.indexOf('-l'), argv.indexOf('-l') + 2)).toEqual(['-l', 'deploy']);
    expect(argv.slice(argv.indexOf('-i'), argv.indexOf('-i') + 2)).toEqual(['-i', '/k']);
  });
});

describe('classifySsh', () => {
  // [exit, what ssh itself printed on stderr, everything (the remote output comes on stdout), class]
  it.each([
    [0, '', '', 'passed'],
    [1, '', 'assertion failed', 'failed'],
    [255, '', 'the script itself exited 255', 'failed'],
    // The remote side cannot pass for ssh: its text is on stdout.
    [255, '', 'ssh: connect to host h port 22: Connection refused', 'failed'],
    [255, '', 'deploy@h: Permission denied (publickey).', 'failed'],
    [255, 'ssh: connect to host 127.0.0.1 port 2222: Connection refused', '', 'transient'],
    [255, 'ssh: connect to host 10.0.0.1 port 22: Connection timed out', '', 'transient'],
    [255, 'ssh: connect to host h port 22: No route to host', '', 'transient'],
    [255, 'Connection reset by 127.0.0.1 port 2222', '', 'transient'],
    [255, 'client_loop: send disconnect: Broken pipe', '', 'transient'],
    [255, 'Connection to 127.0.0.1 closed by remote host.', 'half a deploy', 'transient'],
    [255, 'deploy@127.0.0.1: Permission denied (publickey).', '', 'env-permanent'],
    [255, 'Host key verification failed.', '', 'env-permanent'],
    [255, 'Received disconnect from 10.0.0.5 port 22:2: Too many authentication failures', '', 'env-permanent'],
    [255, 'Unable to negotiate with 10.0.0.5 port 22: no matching host key type found', '', 'env-permanent'],
    [126, '', 'bash: /opt/check: Permission denied', 'env-permanent'],
    [127, '', "timeout: failed to run command '/opt/check': No such file or directory", 'env-permanent'],
    [124, '', '', 'timeout'],
    [137, '', '', 'timeout'],
  ] as const)('exit %s, ssh said %j, output %j: %s', (code, sshSaid, output, kind) => {
    expect(classifySsh(code, sshSaid, output).kind).toBe(kind);
  });

  it('gives the line that explains a connection problem, or the remote one for 126/127', () => {
    expect(classifySsh(255, 'debug\nHost key verification failed.\n')).toEqual({
      kind: 'env-permanent',
      reason: 'Host key verification failed.',
    });
    expect(classifySsh(127, '', "\ntimeout: failed to run command 'x': No such file or directory\n")).toEqual({
      kind: 'env-permanent',
      reason: "timeout: failed to run command 'x': No such file or directory",
    });
  });
});
