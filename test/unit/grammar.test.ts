import { describe, expect, it } from 'vitest';
import {
  isRemoteUrl,
  MAX_NAME_LENGTH,
  MAX_REPO_LOCATION_LENGTH,
  MAX_TASK_ID_LENGTH,
  nameLengthProblem,
  nameProblem,
  printable,
  refProblem,
  repoLocationProblem,
  taskIdProblem,
  taskRepoProblem,
} from '../../workflows/grammar.js';

describe('taskIdProblem', () => {
  it.each(['a', 'fix-login', '42', 'x-1-y', 'a'.repeat(MAX_TASK_ID_LENGTH)])('accepts %s', (id) => {
    expect(taskIdProblem(id)).toBeUndefined();
  });

  it.each([
    '',
    '--help',
    '-x',
    'Fix',
    'a_b',
    'a.b',
    'a b',
    'a;b',
    '$(x)',
    '`x`',
    "a'b",
    'a\nb',
    'é',
    'a'.repeat(MAX_TASK_ID_LENGTH + 1),
  ])('refuses %j', (id) => {
    expect(taskIdProblem(id)).toBeDefined();
  });

  it('says what a task id is, showing control characters', () => {
    expect(taskIdProblem('--help')).toBe(
      '"--help" is not a task id: lowercase letters, digits and "-", starting with a letter or digit, at most 64 characters',
    );
    expect(taskIdProblem('a\nb')).toContain('"a\\x0ab"');
    expect(taskIdProblem('a'.repeat(65))).toBe('is 65 characters long; at most 64');
  });
});

describe('refProblem', () => {
  it.each([
    'main',
    'release/2.1',
    'v1.2.3',
    'feature/JIRA-12_x',
    'refs/heads/main',
    'refs/tags/v1',
    'switchyard/fix-login.run-2',
    'user@work',
    'fix+1',
    'issue#12',
    'fonctionnalité/été',
    '0123abcd0123abcd0123abcd0123abcd0123abcd',
    'HEAD',
  ])('accepts %s', (ref) => {
    expect(refProblem(ref)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['--upload-pack=touch PWNED', /starts with "-"/],
    ['-b', /starts with "-"/],
    ['+main', /starts with "\+"/],
    ['feature/-x', /component starts with "-"/],
    ['main;touch PWNED', /space|shell/],
    ['main;touch', /shell or quote/],
    ['$(touch x)', /space/],
    ['$(touch)', /shell or quote/],
    ['`touch x`', /space/],
    ['`touch`', /shell or quote/],
    ["it's", /shell or quote/],
    ['a"b', /shell or quote/],
    ['a|b', /shell or quote/],
    ['a&b', /shell or quote/],
    ['a>b', /shell or quote/],
    ['a\nb', /control character/],
    ['a\tb', /control character/],
    ['a b', /space/],
    ['a..b', /\.\./],
    ['a~1', /~/],
    ['a^', /\^/],
    ['a:b', /:/],
    ['a?', /\?/],
    ['a*', /\*/],
    ['a[b', /\[/],
    ['a\\b', /\\/],
    ['a@{1}', /shell or quote|@\{/],
    ['@', /"@"/],
    ['/main', /empty path component/],
    ['main/', /empty path component/],
    ['a//b', /empty path component/],
    ['main.', /ends with "\."/],
    ['.hidden', /starts with "\."/],
    ['a/.b', /starts with "\."/],
    ['main.lock', /\.lock/],
    ['x'.repeat(256), /longer than 255/],
  ])('refuses %j', (ref, why) => {
    const problem = refProblem(ref);
    expect(problem).toMatch(why);
    expect(problem).toMatch(/is not a valid branch, tag or commit/);
  });
});

describe('repoLocationProblem', () => {
  it.each([
    'https://github.com/acme/app.git',
    'http://127.0.0.1:8080/x.git',
    'HTTPS://github.com/acme/app.git',
    'ssh://git@host:2222/acme/app.git',
    'ssh://host/~user/app.git',
    'git://host/app.git',
    'file:///srv/git/app',
    'git@github.com:acme/app.git',
    'deploy@[::1]:app.git',
    'https://bot:token@host/x.git',
    'https://host/a%20b.git',
    '/srv/git/app',
    '/srv/My Repos/app',
    './checkouts/app',
    '../app',
    '.',
  ])('accepts %s', (location) => {
    expect(repoLocationProblem(location)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['--upload-pack=touch${IFS}PWNED;x@y:', /starts with "-"/],
    ['-oProxyCommand=x', /starts with "-"/],
    ['ext::sh -c touch% PWNED', /transport helpers/],
    ['fd::3', /transport helpers/],
    ['foo::bar', /transport helpers/],
    ['svn://host/x', /scheme "svn" is not allowed/],
    ['x-remote://host/x', /scheme "x-remote" is not allowed/],
    ['ssh://-oProxyCommand=touch/x', /user or host starts with "-"/],
    ['ssh://user@-host/x', /user or host starts with "-"/],
    ['-u@host:x', /starts with "-"/],
    ['user@-host:x', /user or host starts with "-"/],
    ['user@host:-x', /path starts with "-"/],
    ['git@host:repo;touch x', /contains ";"/],
    ['https://host/$(touch x)', /contains "\$"/],
    ['/srv/`touch x`', /contains "`"/],
    ["/srv/it's", /contains "'"/],
    ['/srv/a"b', /contains """/],
    ['/srv/a|b', /contains "\|"/],
    ['/srv/a&b', /contains "&"/],
    ['/srv/a\nb', /control character/],
    ['/srv/a\rb', /control character/],
    ['https://host/a b.git', /spaces/],
    ['user@host:a b', /spaces/],
    ['file://relative/x', /absolute path/],
    ['https://', /host/],
    ['app', /use https:\/\//],
    ['host:path', /use https:\/\//],
  ])('refuses %j', (location, why) => {
    const problem = repoLocationProblem(location);
    expect(problem).toMatch(why);
    expect(problem).toMatch(/is not a usable repo location/);
  });

  it('accepts a plain relative path only when asked to (the config resolves it)', () => {
    expect(repoLocationProblem('repos/app')).toBeDefined();
    expect(repoLocationProblem('repos/app', { allowRelative: true })).toBeUndefined();
    expect(repoLocationProblem('host:app', { allowRelative: true })).toBeDefined();
    expect(repoLocationProblem('-app', { allowRelative: true })).toMatch(/starts with "-"/);
    expect(repoLocationProblem('ext::x', { allowRelative: true })).toMatch(/transport helpers/);
  });
});

describe('length caps (search attributes hold 2 KB per value, workflow ids 1000 bytes)', () => {
  const path = (n: number) => `/srv/${'a'.repeat(n - 5)}`;

  it('a repo location is at most 512 bytes of UTF-8', () => {
    expect(MAX_REPO_LOCATION_LENGTH).toBe(512);
    expect(repoLocationProblem(path(512))).toBeUndefined();
    expect(repoLocationProblem(path(513))).toMatch(/is not a usable repo location: 513 characters long; at most 512$/);
    expect(repoLocationProblem(`https://host/${'a'.repeat(600)}`)).toMatch(/613 characters long/);
    // 2-byte characters: 305 characters are 605 bytes.
    expect(repoLocationProblem(`/srv/${'é'.repeat(300)}`)).toMatch(
      /605 bytes long in UTF-8 \(305 characters\); at most 512/,
    );
    expect(repoLocationProblem(`/srv/${'é'.repeat(253)}`)).toBeUndefined();
    // The cut value in the message keeps it short.
    expect(repoLocationProblem(path(5000))!.length).toBeLessThan(200);
  });

  it('names are at most 64 characters', () => {
    expect(MAX_NAME_LENGTH).toBe(64);
    expect(nameProblem('p'.repeat(64), 'provider')).toBeUndefined();
    expect(nameProblem('p'.repeat(65), 'provider')).toBe('is 65 characters long; a provider name is at most 64');
    expect(nameProblem('a b', 'staging target')).toMatch(/^is not a staging target name/);
    expect(nameProblem('-x', 'provider')).toMatch(/^is not a provider name/);
    expect(nameLengthProblem('a b', 'provider')).toBeUndefined();
    expect(nameLengthProblem('x'.repeat(100), 'provider')).toMatch(/100 characters long/);
  });

  it("a task's repo: a name by the name rules, else a location by the location rules", () => {
    expect(taskRepoProblem('webapp')).toBeUndefined();
    expect(taskRepoProblem('/srv/app')).toBeUndefined();
    expect(taskRepoProblem('r'.repeat(65))).toMatch(/is 65 characters long; a repo name is at most 64$/);
    expect(taskRepoProblem(path(600))).toMatch(/600 characters long; at most 512; or name a repo from the config$/);
    expect(taskRepoProblem('--upload-pack=x')).toMatch(/starts with "-"; or name a repo from the config$/);
    expect(taskRepoProblem('repos/app')).toMatch(/or name a repo from the config$/);
  });

  it("a task's repo carries no credentials (it is shown in the Web UI and history), and says so without them", () => {
    for (const url of [
      'https://x-access-token:ghp_secret@github.com/o/r.git',
      'https://tok3n@host/r',
      'ssh://u:pw@h/r',
    ]) {
      const p = taskRepoProblem(url);
      expect(p).toMatch(/carries credentials in its URL/);
      expect(p).not.toMatch(/ghp_secret|tok3n|pw@/);
    }
    expect(taskRepoProblem('ssh://git@host/r.git')).toBeUndefined();
    expect(taskRepoProblem('git@host:r.git')).toBeUndefined();
  });
});

describe('isRemoteUrl and printable', () => {
  it.each([
    ['https://x/y.git', true],
    ['ssh://git@x/y', true],
    ['file:///a/b', true],
    ['git@github.com:a/b.git', true],
    ['ext::sh', true],
    ['/abs/path', false],
    ['../rel', false],
    ['rel/dir', false],
    ['./odd@name:dir', false],
  ])('%s remote=%s', (url, remote) => {
    expect(isRemoteUrl(url)).toBe(remote);
  });

  it('shows control characters and cuts long values', () => {
    expect(printable('a\nb\u0000')).toBe('a\\x0ab\\x00');
    expect(printable('x'.repeat(200))).toHaveLength(78);
  });
});

describe('grammar edges (exact limits, each refusal’s words, anchored patterns)', () => {
  it('a name of exactly the limit passes; one more fails with the length words', () => {
    expect(nameProblem('a'.repeat(MAX_NAME_LENGTH), 'provider')).toBeUndefined();
    expect(nameProblem('a'.repeat(MAX_NAME_LENGTH + 1), 'provider')).toBe(
      `is ${MAX_NAME_LENGTH + 1} characters long; a provider name is at most ${MAX_NAME_LENGTH}`,
    );
  });

  it('a ref of exactly 255 characters passes', () => {
    expect(refProblem('a'.repeat(255))).toBeUndefined();
    expect(refProblem('a'.repeat(256))).toMatch(/longer than 255 characters/);
  });

  it('names each ref refusal', () => {
    const why = (ref: string) => refProblem(ref)?.replace(/^.*is not a valid branch, tag or commit: /, '');
    expect(why('a~1')).toBe('contains one of ~ ^ : ? * [ \\');
    expect(why('a:b')).toBe('contains one of ~ ^ : ? * [ \\');
    expect(why('@')).toBe('contains "@{" or is "@"');
    expect(why('feature/x.lock')).toBe('a path component ends with ".lock"');
  });

  it('refuses transport helpers and odd schemes wherever the URL form is tested, naming the allowed ones', () => {
    expect(repoLocationProblem('foo://host/repo')).toBe(
      '"foo://host/repo" is not a usable repo location: scheme "foo" is not allowed (allowed: https, http, ssh, git, file)',
    );
    expect(isRemoteUrl('./ext::sh')).toBe(false);
    expect(isRemoteUrl('./x://y')).toBe(false);
    expect(isRemoteUrl('git@host:repo')).toBe(true);
    expect(isRemoteUrl('./git@host:repo')).toBe(false);
  });

  it('a URL host must be the whole rest: user, host, port and path only', () => {
    expect(repoLocationProblem('https://host/repo')).toBeUndefined();
    expect(repoLocationProblem('https://[::1]:8443/repo')).toBeUndefined();
    expect(repoLocationProblem('https://[zz]/repo')).toMatch(/the host part is not a host name/);
    expect(repoLocationProblem('https://host:123456/repo')).toMatch(/the host part is not a host name/);
    expect(repoLocationProblem('https://ho%st/repo')).toMatch(/the host part is not a host name/);
    expect(repoLocationProblem('https://host:80x')).toMatch(/the host part is not a host name/);
  });

  it('refuses a user or host starting with "-" in both URL and scp forms', () => {
    expect(repoLocationProblem('ssh://u@-host/repo')).toMatch(/the user or host starts with "-"/);
    expect(repoLocationProblem('ssh://u@host-/repo')).toBeUndefined();
    expect(repoLocationProblem('-u@host:repo')).toMatch(/starts with "-"/);
    expect(repoLocationProblem('u-@host:repo')).toBeUndefined();
    expect(repoLocationProblem('u@-host:repo')).toMatch(/the user or host starts with "-"/);
  });

  it('a relative path may hold ":" after its first "/"', () => {
    expect(repoLocationProblem('repos/a:b', { allowRelative: true })).toBeUndefined();
    expect(repoLocationProblem('host:repos/a', { allowRelative: true })).toMatch(/use https:\/\//);
  });

  it('refuses credentials in any scheme with a password, and in http(s) with a user alone', () => {
    expect(taskRepoProblem('ssh://u:pw@host/repo')).toMatch(/carries credentials in its URL/);
    expect(taskRepoProblem('git://u:pw@host/repo')).toMatch(/carries credentials/);
    expect(taskRepoProblem('https://tok3n@host/repo')).toBe(
      '"https://***@host/repo" carries credentials in its URL; a task\'s repo is shown in the Web UI and history: ' +
        'name a configured repo, or use a git credential helper or an ssh key',
    );
    expect(taskRepoProblem('http://tok3n@host/repo')).toMatch(/carries credentials/);
    expect(taskRepoProblem('ssh://git@host/repo')).toBeUndefined();
  });

  it('counts UTF-8 bytes at each width boundary', () => {
    const at = (ch: string, n: number) => '/' + ch.repeat(n);
    // U+007F is a control character; U+0080 is 2 bytes, U+07FF 2, U+0800 3, U+FFFF 3, U+10000 4.
    expect(repoLocationProblem(at('\u0080', 255))).toBeUndefined();
    expect(repoLocationProblem(at('\u0080', 256))).toMatch(/513 bytes long in UTF-8/);
    expect(repoLocationProblem(at('\u07ff', 256))).toMatch(/513 bytes/);
    expect(repoLocationProblem(at('\u0800', 171))).toMatch(/514 bytes/);
    expect(repoLocationProblem(at('\uffff', 171))).toMatch(/514 bytes/);
    expect(repoLocationProblem(at('\u{10000}', 128))).toMatch(/513 bytes/);
    expect(repoLocationProblem(at('~', 511))).toBeUndefined();
  });

  it('printable keeps exactly 80 characters and cuts 81', () => {
    expect(printable('a'.repeat(80))).toBe('a'.repeat(80));
    expect(printable('a'.repeat(81))).toBe(`${'a'.repeat(77)}…`);
  });
});
