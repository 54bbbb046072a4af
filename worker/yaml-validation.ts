/**
 * One way to check a YAML document, for the config and for a task file's front matter: parse with
 * `yaml`, validate with a zod schema, and report every problem at once as `<field>: <problem>
 * (line N)` in file order, with "did you mean" for a mistyped key.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';

type PathKey = PropertyKey;

/** A problem and the line of the file it is on (undefined: nowhere in particular, e.g. a missing key). */
export interface LocatedIssue {
  text: string;
  line?: number;
}

export interface YamlDocument {
  text: string;
  doc: Document;
  lineCounter: LineCounter;
  /** Lines of the file before the YAML text (a task file's front matter starts on line 2). */
  lineOffset: number;
}

/** Parse YAML text; syntax errors (duplicate keys included) come back as issues with their line. */
export function parseYaml(text: string, lineOffset = 0): { yaml: YamlDocument; issues: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter, uniqueKeys: true });
  const issues = doc.errors.map((e) => yamlErrorIssue(e.message, e.pos[0], text, lineCounter, lineOffset));
  return { yaml: { text, doc, lineCounter, lineOffset }, issues };
}

/**
 * Validate `raw` (the document's value, possibly cleaned) against `schema`. Messages a schema
 * writes itself (`z.string({ error })`, `ctx.addIssue`) are kept; the rest are worded here.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  yaml: YamlDocument,
): { success: true; data: z.output<S> } | { success: false; issues: LocatedIssue[] } {
  const parsed = schema.safeParse(raw, { error: friendlyError });
  if (parsed.success) return { success: true, data: parsed.data };
  const issues = parsed.error.issues
    .flatMap((issue) => formatZodIssue(issue, raw, schema))
    .map(({ path, message }) => ({ text: `${formatPath(path)}: ${message}`, line: lineAt(yaml, path) }));
  return { success: false, issues };
}

/** File line of the deepest YAML node along `path`; undefined when not even its first key is in the file. */
export function lineAt(yaml: YamlDocument, path: readonly PathKey[]): number | undefined {
  const line = lineOf(yaml.doc, yaml.lineCounter, path);
  return line === undefined ? undefined : line + yaml.lineOffset;
}

/** In file order (problems with no line first: they are about the whole file), each with its line. */
export function formatIssues(issues: readonly LocatedIssue[]): string[] {
  return [...issues]
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map(({ text, line }) => (line === undefined ? text : `${text} (line ${line})`));
}

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
function yamlErrorIssue(message: string, offset: number, text: string, lc: LineCounter, lineOffset: number): string {
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
function lineOf(doc: Document, lc: LineCounter, path: readonly PathKey[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
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
  if (path.length === 0) offset = (node as YamlNode | null)?.range?.[0];
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

/**
 * The wording for issues whose schema wrote no message of its own (zod consults a per-parse
 * error map only then).
 */
const friendlyError: z.core.$ZodErrorMap = (issue) => {
  const value = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return value === undefined ? `required: expected ${expected}` : `expected ${expected}, got ${describe(value)}`;
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return `expected one of ${allowed}, got ${describe(value)}`;
    }
    default:
      return undefined;
  }
};

type ZodIssue = z.core.$ZodIssue;
interface PathedMessage {
  path: PathKey[];
  message: string;
}

/** zod 4 issues → readable `path: message` pairs (unknown keys become one entry each). */
function formatZodIssue(issue: ZodIssue, root: unknown, schema: z.ZodType): PathedMessage[] {
  const path = issue.path as PathKey[];
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(schema, path);
      return issue.keys.map((key) => {
        // Known at this path, but to another kind of entry (another `transport:` or `kind:`).
        if (known.includes(key)) {
          return {
            path: [...path, key],
            message: 'not a key of this kind of entry; is its transport or kind set right?',
          };
        }
        const guess = closestMatch(key, known);
        const hint = guess ? `; did you mean "${guess}"?` : known.length ? ` (allowed here: ${known.join(', ')})` : '';
        return { path: [...path, key], message: `unknown key${hint}` };
      });
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
    case 'invalid_type':
    case 'invalid_value':
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
  out?: SchemaLike;
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
    // A preprocess is a pipe from a transform: the schema is its output side.
    else if (def.type === 'pipe' && def.in) s = def.in.def.type === 'transform' ? def.out : def.in;
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
