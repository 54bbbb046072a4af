/**
 * The grammar of every value that reaches a process or a Temporal id: task ids, git refs, repo
 * locations and config names. One module, pure (the workflow bundle, the worker and the CLI share
 * it), so submit, every CLI command, the workflow's own input check and the git call sites agree.
 * Each check returns a problem text, or undefined when the value is fine.
 */

export const TASK_ID_RE = /^[a-z0-9][a-z0-9-]*$/;
export const MAX_TASK_ID_LENGTH = 64;

/** Task ids: lowercase letters, digits and "-", not starting with "-" (it would read as an option). */
export function taskIdProblem(id: string): string | undefined {
  if (id.length > MAX_TASK_ID_LENGTH) return `is ${id.length} characters long; at most ${MAX_TASK_ID_LENGTH}`;
  if (!TASK_ID_RE.test(id)) {
    return `"${printable(id)}" is not a task id: lowercase letters, digits and "-", starting with a letter or digit`;
  }
  return undefined;
}

/** Provider, staging target and repo names as the config allows them. */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * A branch, tag or full ref name by `git check-ref-format` rules, or a commit SHA; never anything
 * that starts with "-".
 */
export function refProblem(ref: string): string | undefined {
  const bad = (why: string) => `"${printable(ref)}" is not a valid branch, tag or commit: ${why}`;
  if (ref === '') return bad('empty');
  if (ref.length > 255) return bad('longer than 255 characters');
  if (ref.startsWith('-')) return bad('starts with "-"');
  // Control characters, space and ~ ^ : ? * [ \ are never allowed in a ref.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(ref)) return bad('contains a space, a control character or one of ~^:?*[\\');
  if (ref.includes('..')) return bad('contains ".."');
  if (ref.includes('@{') || ref === '@') return bad('contains "@{" or is "@"');
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return bad('has an empty path component');
  if (ref.endsWith('.')) return bad('ends with "."');
  for (const part of ref.split('/')) {
    if (part.startsWith('.')) return bad('a path component starts with "."');
    if (part.endsWith('.lock')) return bad('a path component ends with ".lock"');
  }
  return undefined;
}

/** Transports git runs programs for (`ext::sh -c …`, `fd::3`) or that name a helper: never from a task. */
const TRANSPORT_HELPER = /^[A-Za-z][A-Za-z0-9+.-]*::/;
/** URL schemes a repo may use. */
export const ALLOWED_SCHEMES = ['https', 'http', 'ssh', 'git', 'file'] as const;
const SCHEME_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/;
/** scp-like `user@host:path` (the user part optional in git, required here to tell it from a path). */
const SCP_LIKE = /^([A-Za-z0-9._~-]+)@([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(.*)$/;
const HOST = /^([A-Za-z0-9._~%!$&'()*+,;=-]*(:[^@/]*)?@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/.*)?$/;

/** Whether `url` is a git URL (as opposed to a path or a repo name); says nothing of its safety. */
export function isRemoteUrl(url: string): boolean {
  return SCHEME_URL.test(url) || SCP_LIKE.test(url) || TRANSPORT_HELPER.test(url);
}

/**
 * A repo location git may be given: an allowed-scheme URL, `user@host:path`, or an absolute or
 * `./` path. Nothing that starts with "-", no transport helpers, no control characters.
 */
export function repoLocationProblem(location: string): string | undefined {
  const bad = (why: string) => `"${printable(location)}" is not a usable repo location: ${why}`;
  if (location === '') return bad('empty');
  if (location.startsWith('-')) return bad('starts with "-"');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(location)) return bad('contains a control character (newline, tab, …)');
  if (TRANSPORT_HELPER.test(location)) {
    return bad('transport helpers such as "ext::" and "fd::" are not allowed; use https://, ssh://, git:// or file://');
  }
  const scheme = SCHEME_URL.exec(location);
  if (scheme) {
    const name = scheme[1].toLowerCase();
    if (!(ALLOWED_SCHEMES as readonly string[]).includes(name)) {
      return bad(`scheme "${name}" is not allowed (allowed: ${ALLOWED_SCHEMES.join(', ')})`);
    }
    const rest = scheme[2];
    if (name === 'file') return rest.startsWith('/') ? undefined : bad('a file:// URL needs an absolute path');
    if (!HOST.test(rest) || rest.startsWith('-')) return bad('the host part is not a host name');
    return undefined;
  }
  const scp = SCP_LIKE.exec(location);
  if (scp) {
    if (scp[1].startsWith('-') || scp[2].startsWith('-')) return bad('the user or host starts with "-"');
    if (scp[3].startsWith('-')) return bad('the path starts with "-"');
    return undefined;
  }
  if (location.startsWith('/') || location.startsWith('./') || location.startsWith('../') || location === '.') {
    return undefined;
  }
  return bad('use https://, ssh://, git://, file://, user@host:path, or a path starting with / or ./');
}

/** A value as it may be shown in a message: control characters made visible, long values cut. */
export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  const shown = value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shown.length > 80 ? `${shown.slice(0, 77)}…` : shown;
}
