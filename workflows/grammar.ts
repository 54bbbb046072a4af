/**
 * The grammar of every value that reaches a process or a Temporal id: task ids, git refs, repo
 * locations and config names. One module, pure (the workflow bundle, the worker and the CLI share
 * it), so submit, every CLI command, the workflow's own input check and the git call sites agree.
 * Each check returns a problem text, or undefined when the value is fine.
 *
 * The rules are stricter than git's own: no value may start with "-" (it would read as an option),
 * and shell and quote characters are refused even where git would take them, so a value is never
 * one quoting mistake away from being a command.
 */
import { redactUrlCredentials } from './redact.js';

/** A title is one line a person reads in lists and the Web UI. */
export const MAX_TITLE_LENGTH = 200;

export const TASK_ID_RE = /^[a-z0-9][a-z0-9-]*$/;
export const MAX_TASK_ID_LENGTH = 64;

/** Task ids: lowercase letters, digits and "-", not starting with "-" (it would read as an option). */
export function taskIdProblem(id: string): string | undefined {
  if (!TASK_ID_RE.test(id)) {
    return (
      `"${printable(id)}" is not a task id: lowercase letters, digits and "-", starting with a letter or digit, ` +
      `at most ${MAX_TASK_ID_LENGTH} characters`
    );
  }
  if (id.length > MAX_TASK_ID_LENGTH) return `is ${id.length} characters long; at most ${MAX_TASK_ID_LENGTH}`;
  return undefined;
}

/** Provider, staging target, repo and account names as the config allows them. */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Names become search attributes and parts of workflow ids: short, whatever a config or a task says. */
export const MAX_NAME_LENGTH = 64;

/** A config name (`what`: "provider", "staging target", "repo", …) by NAME_RE and MAX_NAME_LENGTH. */
export function nameProblem(name: string, what: string): string | undefined {
  if (!NAME_RE.test(name))
    return `is not a ${what} name (letters, digits, ".", "_" or "-", starting with a letter or digit)`;
  if (name.length > MAX_NAME_LENGTH) return nameLengthProblem(name, what);
  return undefined;
}

/** Only the length rule, for callers that word the character rule their own way. */
export function nameLengthProblem(name: string, what: string): string | undefined {
  if (name.length <= MAX_NAME_LENGTH) return undefined;
  return `is ${name.length} characters long; a ${what} name is at most ${MAX_NAME_LENGTH}`;
}

export const MAX_REF_LENGTH = 255;
/** Characters a ref may hold here: letters and digits of any script and . _ - / + @ # (git allows more). */
const REF_CHARS = /^[\p{L}\p{N}._/+@#-]+$/u;

/**
 * A branch, tag or full ref name by `git check-ref-format` rules, or a commit SHA; never anything
 * that starts with "-" (nor a path component that does), and no shell or quote characters.
 */
export function refProblem(ref: string): string | undefined {
  const bad = (why: string) => `"${printable(ref)}" is not a valid branch, tag or commit: ${why}`;
  if (ref === '') return bad('empty');
  if (ref.length > MAX_REF_LENGTH) return bad(`longer than ${MAX_REF_LENGTH} characters`);
  if (ref.startsWith('-')) return bad('starts with "-"');
  // A leading "+" in a refspec forces the update.
  if (ref.startsWith('+')) return bad('starts with "+"');
  if (/[\u0000-\u001f\u007f]/.test(ref)) return bad('contains a control character (newline, tab, …)');
  if (/\s/u.test(ref)) return bad('contains a space');
  if (/[~^:?*[\\]/.test(ref)) return bad('contains one of ~ ^ : ? * [ \\');
  if (!REF_CHARS.test(ref)) {
    return bad('only letters, digits and . _ - / + @ # are allowed (no shell or quote characters)');
  }
  if (ref.includes('..')) return bad('contains ".."');
  if (ref.includes('@{') || ref === '@') return bad('contains "@{" or is "@"');
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return bad('has an empty path component');
  if (ref.endsWith('.')) return bad('ends with "."');
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return bad('a path component starts with "."');
    if (part.startsWith('-')) return bad('a path component starts with "-"');
    if (part.endsWith('.lock')) return bad('a path component ends with ".lock"');
  }
  return undefined;
}

/** A full commit id (SHA-1 or SHA-256), as git prints it. */
export const COMMIT_SHA_RE = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/** Transports git runs programs for (`ext::sh -c …`, `fd::3`) or that name a helper: never from a task. */
const TRANSPORT_HELPER = /^[A-Za-z][A-Za-z0-9+.-]*::/;
/** URL schemes a repo may use; any other `x://` would make git run a `git-remote-x` helper. */
export const ALLOWED_SCHEMES = ['https', 'http', 'ssh', 'git', 'file'] as const;
const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/;
/** scp-like `user@host:path` (the user part optional in git, required here to tell it from a path). */
const SCP_LIKE = /^([A-Za-z0-9._~-]+)@([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(.*)$/;
/** `[user[:password]@]host[:port][/path]` of a scheme URL. */
const HOST = /^([A-Za-z0-9._~%+-]*(:[A-Za-z0-9._~%+-]*)?@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/.*)?$/;
/** Shell and quote characters: never in a repo location, whatever the form. */
const SHELL_CHARS = /[;&|$`'"\\<>(){}*?!]/;

/** Whether `url` is a git URL (as opposed to a path or a repo name); says nothing of its safety. */
export function isRemoteUrl(url: string): boolean {
  return SCHEME_URL.test(url) || SCP_LIKE.test(url) || TRANSPORT_HELPER.test(url);
}

/**
 * A repo location becomes a Keyword search attribute (2 KB per value) and part of the gate's
 * workflow id (`gate-<repo>`, at most 1000 bytes): counted in UTF-8 bytes, so characters for ASCII.
 */
export const MAX_REPO_LOCATION_LENGTH = 512;

export interface RepoLocationOptions {
  /** Also accept a relative path such as `repos/app` (the config resolves it against its own directory). */
  allowRelative?: boolean;
}

/**
 * A repo location git may be given: an allowed-scheme URL, `user@host:path`, or an absolute or
 * `./` path. Nothing that starts with "-", no transport helpers, no control, shell or quote characters.
 */
export function repoLocationProblem(location: string, opts: RepoLocationOptions = {}): string | undefined {
  const bad = (why: string) => `"${printable(location)}" is not a usable repo location: ${why}`;
  if (location === '') return bad('empty');
  const size = utf8Length(location);
  if (size > MAX_REPO_LOCATION_LENGTH) {
    return bad(
      size === location.length
        ? `${size} characters long; at most ${MAX_REPO_LOCATION_LENGTH}`
        : `${size} bytes long in UTF-8 (${location.length} characters); at most ${MAX_REPO_LOCATION_LENGTH} bytes`,
    );
  }
  if (location.startsWith('-')) return bad('starts with "-"');
  if (/[\u0000-\u001f\u007f]/.test(location)) return bad('contains a control character (newline, tab, …)');
  if (TRANSPORT_HELPER.test(location)) {
    return bad('transport helpers such as "ext::" and "fd::" are not allowed; use https://, ssh://, git:// or file://');
  }
  const shell = SHELL_CHARS.exec(location);
  if (shell) return bad(`contains "${shell[0]}" (no shell or quote characters)`);
  const scheme = SCHEME_URL.exec(location);
  if (scheme) {
    const name = scheme[1].toLowerCase();
    if (!(ALLOWED_SCHEMES as readonly string[]).includes(name)) {
      return bad(`scheme "${name}" is not allowed (allowed: ${ALLOWED_SCHEMES.join(', ')})`);
    }
    const rest = scheme[2];
    if (name === 'file') return rest.startsWith('/') ? undefined : bad('a file:// URL needs an absolute path');
    if (/\s/.test(rest)) return bad('a URL cannot contain spaces (write them as %20)');
    if (rest.startsWith('-') || /^[^/]*@-/.test(rest)) return bad('the user or host starts with "-"');
    if (!HOST.test(rest)) return bad('the host part is not a host name');
    return undefined;
  }
  const scp = SCP_LIKE.exec(location);
  if (scp) {
    if (scp[1].startsWith('-') || scp[2].startsWith('-')) return bad('the user or host starts with "-"');
    if (scp[3].startsWith('-')) return bad('the path starts with "-"');
    if (/\s/.test(scp[3])) return bad('a user@host:path location cannot contain spaces');
    return undefined;
  }
  if (location.startsWith('/') || location.startsWith('./') || location.startsWith('../') || location === '.') {
    return undefined;
  }
  // A relative path has no ":" before its first "/" (git would read `host:path` as ssh).
  if (opts.allowRelative && !/^[^/]*:/.test(location)) return undefined;
  return bad('use https://, ssh://, git://, file://, user@host:path, or a path starting with / or ./');
}

/**
 * The repo given to a task: a configured repo's name, or a location git may be given. A value
 * that reads as a name is a name (a relative path needs "./"), so it gets the name rules.
 */
export function taskRepoProblem(repo: string): string | undefined {
  if (NAME_RE.test(repo)) {
    const long = nameLengthProblem(repo, 'repo');
    return long && `"${printable(repo)}" ${long}`;
  }
  const p = repoLocationProblem(repo);
  if (p) return `${p}; or name a repo from the config`;
  // A task's repo is shown in the Web UI, search attributes and history: no credentials in it.
  if (hasUrlCredentials(repo)) {
    return (
      `"${printable(redactUrlCredentials(repo))}" carries credentials in its URL; a task's repo is shown in the ` +
      'Web UI and history: name a configured repo, or use a git credential helper or an ssh key'
    );
  }
  return undefined;
}

/** `scheme://user:password@…`, or any userinfo in an http(s) URL (a token as the user name). */
export function hasUrlCredentials(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url) || /^https?:\/\/[^/@]+@/i.test(url);
}

/** Bytes of `s` in UTF-8, without TextEncoder (not every workflow sandbox has it). */
function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * An ssh host: a DNS name or an IPv4/IPv6 address, never something ssh could read as an option or a
 * `user@host` form (the user has its own field).
 */
export function sshHostProblem(host: string): string | undefined {
  if (host.length > 253) return `is ${host.length} characters long; a host name is at most 253`;
  if (/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host) || /^[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*$/.test(host)) {
    return undefined;
  }
  return `"${printable(host)}" is not a host name or address (letters, digits, "." and "-"; or an IP address)`;
}

/**
 * A Temporal frontend as the SDK takes it: `host:port` or `[ipv6]:port` (no scheme) — never a value that
 * starts with "-".
 */
export function addressProblem(address: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : 0;
  if (m && port >= 1 && port <= 65535 && (m[1]!.startsWith('[') || !sshHostProblem(m[1]!))) return undefined;
  return `"${printable(address)}" is not a Temporal address (host:port, e.g. localhost:7233 or ns.acct.tmprl.cloud:7233)`;
}

/** A Temporal namespace name: letters, digits, ".", "_" and "-", starting with a letter or digit. */
export function namespaceProblem(namespace: string): string | undefined {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(namespace)) return undefined;
  return `"${printable(namespace)}" is not a namespace name (letters, digits, ".", "_" and "-", starting with a letter or digit)`;
}

/** A login name as POSIX systems allow it. */
export function sshUserProblem(user: string): string | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/.test(user)) return undefined;
  return `"${printable(user)}" is not a user name (letters, digits, "_", "." and "-", starting with a letter or "_", at most 32)`;
}

/**
 * A key or known_hosts path for ssh's options: ssh splits UserKnownHostsFile on whitespace and expands
 * `%` tokens, `${VAR}` and a leading `~` in both, so those are refused rather than reinterpreted.
 */
export function sshPathProblem(path: string): string | undefined {
  if (/[\s%$"'\u0000-\u001f\u007f]/.test(path)) {
    return `"${printable(path)}" cannot be given to ssh: no spaces, quotes, "%", "$" or control characters in the path`;
  }
  if (path.startsWith('~') || path.startsWith('-'))
    return `"${printable(path)}" must be a path (absolute, or relative to the config file)`;
  return undefined;
}

/** A value as it may be shown in a message: control characters made visible, long values cut. */
export function printable(value: string): string {
  const shown = value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shown.length > 80 ? `${shown.slice(0, 77)}…` : shown;
}

/**
 * The job platform's base URL: http(s) with a host, no credentials (the token has its own variable),
 * no query or fragment (paths are appended to it), nothing a log line could be confused by.
 */
export function platformUrlProblem(url: string): string | undefined {
  if (url.length > MAX_REPO_LOCATION_LENGTH)
    return `is ${url.length} characters long; at most ${MAX_REPO_LOCATION_LENGTH}`;
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return `"${printable(url)}" contains whitespace or control characters`;
  if (hasUrlCredentials(url)) {
    return 'must not carry credentials; keep them in a worker variable (delegation.tokenEnv, or urlEnv for a webhook)';
  }
  const m = /^(https?):\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(url);
  if (!m) return `"${printable(url)}" is not an http:// or https:// URL without a query or fragment`;
  return undefined;
}
