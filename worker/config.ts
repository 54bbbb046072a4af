/**
 * Loading switchyard.config.yaml: YAML → zod schema (activities/config-schema.ts) → paths resolved
 * against the config file's directory. Every problem is reported at once, each as
 * `<file>: <field.path>: <what was wrong>`, so a user fixes the whole file in one go.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { isRemoteUrl } from '../workflows/grammar.js';
import { configSchema, type Config } from '../activities/config-schema.js';

export type { Config } from '../activities/config-schema.js';

export const CONFIG_FILE_NAME = 'switchyard.config.yaml';

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One entry per problem, `<field.path>: <problem>` (the file is in `file` and in the message). */
  readonly issues: string[];
  readonly file?: string;

  constructor(issues: string[], file?: string) {
    const where = file ?? 'config';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid Switchyard config (${count}):\n${issues.map((i) => `  ${where}: ${i}`).join('\n')}`);
    this.issues = issues;
    this.file = file;
  }
}

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the config file. */
  path: string;
  /** Its directory: what relative paths in it were resolved against. */
  dir: string;
}

/** `SWITCHYARD_CONFIG` (must exist), else `<cwd>/switchyard.config.yaml` when present. */
export function findConfigPath(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env.SWITCHYARD_CONFIG?.trim();
  if (fromEnv) {
    const path = resolve(cwd, fromEnv);
    if (!existsSync(path)) {
      throw new ConfigError([`SWITCHYARD_CONFIG points to a file that does not exist (${fromEnv})`], path);
    }
    return path;
  }
  const local = resolve(cwd, CONFIG_FILE_NAME);
  return existsSync(local) ? local : undefined;
}

export function loadConfig(path: string): LoadedConfig {
  const abs = resolve(path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : String(err);
    throw new ConfigError([`cannot read the config: ${why}`], abs);
  }
  return { config: parseConfig(text, abs), path: abs, dir: dirname(abs) };
}

/** Parse and validate config text; relative paths resolve against `dirname(file)`. */
export function parseConfig(text: string, file: string): Config {
  const abs = resolve(file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => yamlErrorIssue(e.message, e.pos[0], text, lineCounter)),
      abs,
    );
  }
  // An empty file is a config with every default.
  const raw: unknown = doc.contents === null ? {} : doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(
      [`(top level): expected a mapping of settings (repos:, providers:, ...), got ${describe(raw)}`],
      abs,
    );
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .flatMap((issue) => formatZodIssue(issue, raw, configSchema))
      .map(({ path, message }) => ({ text: `${formatPath(path)}: ${message}`, line: lineOf(doc, lineCounter, path) }))
      // In file order, so a user can fix them top to bottom.
      .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    throw new ConfigError(
      issues.map(({ text, line }) => (line === undefined ? text : `${text} (line ${line})`)),
      abs,
    );
  }
  return resolveConfigPaths(parsed.data, dirname(abs));
}

// ---------------------------------------------------------------------------------------------
// Relative paths

// One rule for what is a git remote rather than a local path: the grammar's.
export { isRemoteUrl };

function resolveArgv(argv: string[], dir: string): string[] {
  return argv.map((word) => (word.startsWith('./') || word.startsWith('../') ? resolve(dir, word) : word));
}

/**
 * Test and staging commands run inside the task's worktree, so `./gradlew` means the repo's file and
 * is left alone; only the agent program (run from anywhere) is resolved against the config file.
 */
function resolveConfigPaths(config: Config, dir: string): Config {
  const repos = Object.fromEntries(
    Object.entries(config.repos).map(([name, repo]) => [
      name,
      { ...repo, url: isRemoteUrl(repo.url) || isAbsolute(repo.url) ? repo.url : resolve(dir, repo.url) },
    ]),
  );
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([name, provider]) => [
      name,
      provider.kind === 'command'
        ? { ...provider, command: resolveArgv(provider.command, dir) }
        : { ...provider, ...(provider.binary ? { binary: resolveArgv([provider.binary], dir)[0] } : {}) },
    ]),
  );
  return { ...config, dataDir: resolve(dir, config.dataDir), repos, providers };
}

// ---------------------------------------------------------------------------------------------
// Live config: a fixed file takes effect without restarting the worker

export interface ConfigSource {
  current(): Config;
  path?: string;
}

export type ConfigLog = ((message: string) => void) | { warn(message: string): void };

function logWith(log: ConfigLog | undefined, message: string): void {
  if (!log) console.error(message);
  else if (typeof log === 'function') log(message);
  else log.warn(message);
}

/**
 * Re-reads the file when it changes (mtime, size or inode). A broken edit keeps the last good
 * config and logs the error once per change. The first load must succeed (throws ConfigError).
 */
export function fileConfigSource(path: string, log?: ConfigLog): ConfigSource {
  const abs = resolve(path);
  const signature = (): string => {
    try {
      const st = statSync(abs);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return 'missing';
    }
  };
  let seen = signature();
  let config = loadConfig(abs).config;
  return {
    path: abs,
    current(): Config {
      const now = signature();
      if (now === seen) return config;
      seen = now;
      try {
        config = loadConfig(abs).config;
        logWith(log, `config reloaded from ${abs}`);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        logWith(log, `${detail}\nKeeping the last valid config until ${abs} is fixed.`);
      }
      return config;
    },
  };
}

export function staticConfigSource(config: Config): ConfigSource {
  return { current: () => config };
}

// ---------------------------------------------------------------------------------------------
// Error formatting (shared with the task-file parser)

type PathKey = PropertyKey;

/** `repos.webapp.testCommand[0]`; odd keys quoted: `repos["my repo"]`. */
export function formatPath(path: readonly PathKey[]): string {
  if (path.length === 0) return '(top level)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(String(seg))) out += out ? `.${String(seg)}` : String(seg);
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** A short description of a value for "got …" messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/**
 * The candidate a likely typo meant: same word ignoring case and separators, or within a small
 * edit distance. Undefined when nothing is close enough to be a helpful suggestion.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');
  const w = norm(word);
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const c = norm(candidate);
    if (c === w) return candidate;
    const distance = editDistance(w, c);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  const limit = Math.max(1, Math.min(3, Math.floor(Math.max(w.length, 3) / 3)));
  if (best && best.distance <= limit) return best.candidate;
  // A shortened key ("budget" for "budget_usd") when only one candidate starts with it.
  const prefixed = w.length >= 4 ? candidates.filter((c) => norm(c).startsWith(w)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** `line 3, column 7: YAML syntax error: <message> (near "…")`, for a YAML parser error. */
export function yamlErrorIssue(message: string, offset: number, text: string, lc: LineCounter, lineOffset = 0): string {
  const { line, col } = lc.linePos(offset);
  const source = text.split(/\r?\n/)[line - 1]?.trim();
  const near = source ? ` (near ${JSON.stringify(source.length > 60 ? `${source.slice(0, 57)}...` : source)})` : '';
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return `line ${line + lineOffset}, column ${col}: YAML syntax error: ${first}${near}`;
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg as string];
  }
  return v;
}

/** Line of the deepest YAML node along `path` (the key, for mapping entries). */
export function lineOf(doc: Document, lc: LineCounter, path: readonly PathKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as YamlNode | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) break;
      offset = (pair.key as YamlNode | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : lc.linePos(offset).line;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
};

type ZodIssue = z.core.$ZodIssue;
interface PathedMessage {
  path: PathKey[];
  message: string;
}

/** zod 4 issues → readable `path: message` pairs (unknown keys become one entry each). */
export function formatZodIssue(issue: ZodIssue, root: unknown, schema?: z.ZodType): PathedMessage[] {
  const path = issue.path as PathKey[];
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = schema ? knownKeysAt(schema, path) : [];
      return issue.keys.map((key) => {
        const guess = closestMatch(key, known);
        const hint = guess ? `; did you mean "${guess}"?` : known.length ? ` (allowed here: ${known.join(', ')})` : '';
        return { path: [...path, key], message: `unknown key "${key}"${hint}` };
      });
    }
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (value === undefined) return [{ path, message: `required: expected ${expected}` }];
      return [{ path, message: `expected ${expected}, got ${describe(value)}` }];
    }
    case 'invalid_key': {
      const why = issue.issues.map((i) => i.message).join('; ');
      return [{ path, message: `invalid name ${JSON.stringify(String(path[path.length - 1]))}: ${why}` }];
    }
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string; options?: unknown[] }).discriminator;
      if (disc) {
        const options = ((issue as { options?: unknown[] }).options ?? []).map(String).join(', ');
        if (value === undefined) return [{ path, message: `required: one of ${options}` }];
        return [{ path, message: `unknown ${disc} ${describe(value)} (expected: ${options})` }];
      }
      const branches = issue.errors.map((errs) => errs[0]).filter((e): e is ZodIssue => Boolean(e));
      if (branches.length > 0 && branches.every((b) => b.code === 'invalid_type')) {
        const expected = branches.map((b) => EXPECTED[(b as { expected: string }).expected] ?? 'a value');
        return [{ path, message: `expected ${expected.join(' or ')}, got ${describe(value)}` }];
      }
      const messages = branches.map((b) => b.message);
      return [{ path, message: `${messages.join(', or ') || 'invalid value'}; got ${describe(value)}` }];
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return [{ path, message: `expected one of ${allowed}, got ${describe(value)}` }];
    }
    case 'custom':
      return [{ path, message: issue.message }];
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return [{ path, message: 'must not be empty' }];
      return [{ path, message: `${issue.message}; got ${describe(value)}` }];
    case 'invalid_format': {
      const message = issue.message.replace(/^Invalid string: /, '');
      return [{ path, message: `${message}; got ${describe(value)}` }];
    }
    default:
      return [{ path, message: value === undefined ? issue.message : `${issue.message}; got ${describe(value)}` }];
  }
}

// zod 4 exposes each schema's definition as `.def`; walking it finds the keys allowed at a path.
interface SchemaDef {
  type: string;
  innerType?: SchemaLike;
  in?: SchemaLike;
  shape?: Record<string, SchemaLike>;
  valueType?: SchemaLike;
  element?: SchemaLike;
  options?: SchemaLike[];
}
interface SchemaLike {
  def: SchemaDef;
}

function unwrap(schema: SchemaLike | undefined): SchemaLike | undefined {
  let s = schema;
  for (let i = 0; s && i < 20; i++) {
    const def: SchemaDef = s.def;
    if (def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else break;
  }
  return s;
}

function objectOptions(s: SchemaLike | undefined): SchemaLike[] {
  const u = unwrap(s);
  if (!u) return [];
  if (u.def.type === 'object') return [u];
  if (u.def.type === 'union') return (u.def.options ?? []).flatMap(objectOptions);
  return [];
}

function knownKeysAt(schema: z.ZodType, path: readonly PathKey[]): string[] {
  let current: SchemaLike[] = [schema as unknown as SchemaLike];
  for (const seg of path) {
    current = current.flatMap((s): SchemaLike[] => {
      const u = unwrap(s);
      if (!u) return [];
      if (u.def.type === 'record' && u.def.valueType) return [u.def.valueType];
      if (u.def.type === 'array' && u.def.element) return [u.def.element];
      return objectOptions(u).flatMap((o) => {
        const child = o.def.shape?.[String(seg)];
        return child ? [child] : [];
      });
    });
  }
  const keys = new Set<string>();
  for (const o of current.flatMap(objectOptions)) for (const k of Object.keys(o.def.shape ?? {})) keys.add(k);
  return [...keys];
}
