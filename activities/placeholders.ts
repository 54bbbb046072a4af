/**
 * Placeholders a staging command's words may hold (`{commit}`, `{branch}`, `{taskId}`, `{repo}`,
 * `{repoUrl}`). Each value is checked against its grammar before it is put in, so a value can never
 * smuggle an option or shell text into the command (the remote shell still gets every word quoted).
 */
import {
  COMMIT_SHA_RE,
  hasUrlCredentials,
  nameProblem,
  printable,
  refProblem,
  repoLocationProblem,
  taskIdProblem,
} from '../workflows/grammar.js';
import { redactUrlCredentials } from '../workflows/redact.js';

export const PLACEHOLDERS = ['commit', 'branch', 'taskId', 'repo', 'repoUrl'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string>;

const PLACEHOLDER_RE = /\{([A-Za-z]+)\}/g;

/** Grammar of each placeholder value, checked before any connection. */
const valueProblem: Record<Placeholder, (v: string) => string | undefined> = {
  commit: (v) => (COMMIT_SHA_RE.test(v) ? undefined : `"${printable(v)}" is not a full commit SHA`),
  branch: (v) => refProblem(v),
  taskId: (v) => taskIdProblem(v),
  repo: (v) => {
    const why = nameProblem(v, 'repo');
    return why && `"${printable(v)}" ${why}`;
  },
  // The command line shows in process lists here and on the host: never a credential.
  repoUrl: (v) =>
    repoLocationProblem(v) ??
    (hasUrlCredentials(v)
      ? `"${printable(redactUrlCredentials(v))}" carries credentials; use a credential helper or a key on the host`
      : undefined),
};

/** Placeholder names a config word uses that do not exist (the config schema reports them). */
export function unknownPlaceholders(word: string): string[] {
  return [...word.matchAll(PLACEHOLDER_RE)].map((m) => m[1]).filter((n) => !PLACEHOLDERS.includes(n as Placeholder));
}

/** Each word with its placeholders replaced; throws naming the placeholder whose value breaks its grammar. */
export function expandPlaceholders(argv: readonly string[], values: PlaceholderValues): string[] {
  const used = new Set(argv.flatMap((w) => [...w.matchAll(PLACEHOLDER_RE)].map((m) => m[1] as Placeholder)));
  for (const name of used) {
    if (!PLACEHOLDERS.includes(name)) throw new Error(`unknown placeholder {${name}}`);
    const problem = valueProblem[name](values[name]);
    if (problem) throw new Error(`placeholder {${name}}: ${problem}`);
  }
  return argv.map((w) => w.replace(PLACEHOLDER_RE, (_m, name: Placeholder) => values[name]));
}
