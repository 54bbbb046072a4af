/**
 * The staging check over ssh, the pure half: the ssh argv, the remote command string (every word
 * shell-quoted, since the remote shell re-parses it, and wrapped in the remote `timeout` so a killed
 * local ssh never leaves the check running), and what an exit means.
 */
import { SHELL_NOT_FOUND_CODES, TIMEOUT_EXIT_CODE } from './run-at-commit.js';

/** One word for a POSIX shell: single-quoted, so `;`, `$()`, backticks, quotes and newlines are literal. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Seconds the remote `timeout` waits after its TERM before it sends KILL. */
export const REMOTE_KILL_AFTER_SEC = 10;

/**
 * The string the remote shell runs: GNU timeout with `--` before its duration, so a command word that
 * starts with `-` is never an option of timeout, and every word quoted.
 */
export function remoteCommand(argv: readonly string[], timeoutSec: number): string {
  if (argv.length === 0) throw new Error('the staging command is empty');
  const secs = Math.max(1, Math.ceil(timeoutSec));
  return ['exec', 'timeout', '-k', String(REMOTE_KILL_AFTER_SEC), '--', String(secs), ...argv.map(shellQuote)].join(
    ' ',
  );
}

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  knownHostsFile: string;
  connectTimeoutSec: number;
}

/**
 * The system ssh client's argv: batch mode, pinned host keys only, `--` before the host. `-tt` gives the
 * command a terminal, so when the local ssh dies (cancel, worker crash) the host hangs it up and the
 * check does not run on unseen; LogLevel=ERROR keeps ssh's errors and drops its "Connection closed".
 */
export function sshArgv(t: SshTarget, remote: string): string[] {
  return [
    '-tt',
    // No escape character: nothing typed (stdin is empty anyway) or relayed can act on the session.
    '-e', 'none',
    '-o', 'LogLevel=ERROR',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${t.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', `ConnectTimeout=${t.connectTimeoutSec}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=4',
    '-o', 'IdentitiesOnly=yes',
    '-F', '/dev/null',
    '-p', String(t.port),
    '-i', t.identityFile,
    '-l', t.user,
    '--', t.host, remote,
  ]; // prettier-ignore
}

/** Output through a terminal ends its lines with CRLF. */
export function fromTerminal(text: string): string {
  return text.replace(/\r\n/g, '\n');
}

export type SshOutcome =
  | { kind: 'passed' }
  | { kind: 'failed'; exitCode: number }
  | { kind: 'transient'; reason: string }
  | { kind: 'env-permanent'; reason: string }
  | { kind: 'timeout' };

const TRANSIENT_SSH =
  /Connection refused|Connection timed out|Operation timed out|No route to host|Network is unreachable|Connection reset|Broken pipe|Connection closed by|closed by remote host|kex_exchange_identification|Could not resolve hostname|Timeout, server .* not responding/i;
// In order of preference for the line a hold reason quotes.
const PERMANENT_SSH = [/Host key verification failed/i, /Permission denied/i, /No .* host key is known/i];

/** The first line of `text` worth showing a person (skips blanks and ssh's warnings). */
export function firstUsefulLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  return lines.find((l) => l && !/^Warning: Permanently added/.test(l)) ?? '';
}

/**
 * What an ssh run means. `sshStderr` is what the local ssh printed itself: with a terminal,
 * everything the remote command prints arrives on stdout, so the remote side cannot fake ssh's
 * messages. 255 with a message from ssh is ssh's own failure; 255 with none is the remote command's
 * exit. 124 and 137 are the remote timeout (TERM, then KILL after the grace). `output` (everything)
 * explains a remote 126/127.
 */
export function classifySsh(exitCode: number | null, sshStderr: string, output = sshStderr): SshOutcome {
  if (exitCode === 0) return { kind: 'passed' };
  if (exitCode === 255 || exitCode === null) {
    const permanent = PERMANENT_SSH.find((re) => re.test(sshStderr));
    if (permanent) return { kind: 'env-permanent', reason: firstMatch(sshStderr, permanent) };
    if (TRANSIENT_SSH.test(sshStderr) || exitCode === null) {
      return { kind: 'transient', reason: firstMatch(sshStderr, TRANSIENT_SSH) || 'ssh ended without an exit status' };
    }
    // Any other complaint of ssh's (a bad option, too many authentication failures, no common
    // cipher): the connection is the problem, and a person has to look.
    const own = firstUsefulLine(sshStderr);
    if (own) return { kind: 'env-permanent', reason: own };
  }
  if (exitCode === TIMEOUT_EXIT_CODE || exitCode === 128 + 9) return { kind: 'timeout' };
  if (SHELL_NOT_FOUND_CODES.includes(exitCode))
    return { kind: 'env-permanent', reason: firstUsefulLine(output) || `exit ${exitCode}` };
  return { kind: 'failed', exitCode: exitCode ?? -1 };
}

function firstMatch(text: string, re: RegExp): string {
  return (
    text
      .split('\n')
      .find((l) => re.test(l))
      ?.trim() ?? ''
  );
}
