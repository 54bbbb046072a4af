/** The bench's figures as a terminal table and as the generated part of docs/benchmarks.md. */
import type { Stats } from './measure.js';

export interface Figure {
  name: string;
  unit: string;
  ours: Stats;
  base?: Stats;
  baseName?: string;
  /** A ratio to the baseline's median (at most, or at least when `below` is false), or an absolute bound. */
  target: { ratio: number; below: boolean } | { absolute: number };
  /** `ours` is already a difference to `base`. */
  delta?: boolean;
}

export interface Meta {
  quick: boolean;
  machine: string;
  date: string;
  seconds: number;
  size: Record<string, number>;
}

const BEGIN = '<!-- bench:begin (written by `npm run bench`) -->';
const END = '<!-- bench:end -->';

const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const range = (s: Stats) => (s.n > 1 ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : num(s.median));

function ratio(f: Figure): number | undefined {
  return f.base && !f.delta && f.base.median > 0 ? f.ours.median / f.base.median : undefined;
}

function targetText(f: Figure): string {
  const t = f.target;
  if ('absolute' in t) return `≤ ${f.delta ? '+' : ''}${t.absolute}${f.unit ? ` ${f.unit}` : ''}`;
  return `${t.below ? '≤' : '≥'} ${t.ratio}×`;
}

export function met(f: Figure): boolean {
  const t = f.target;
  if ('absolute' in t) return f.ours.median <= t.absolute;
  const r = ratio(f);
  return r !== undefined && (t.below ? r <= t.ratio : r >= t.ratio);
}

function rows(figures: Figure[]): string[][] {
  return figures.map((f) => {
    const r = ratio(f);
    return [
      f.name,
      `${f.delta ? '+' : ''}${range(f.ours)}${f.unit ? ` ${f.unit}` : ''}`,
      f.base
        ? `${range(f.base)}${f.unit ? ` ${f.unit}` : ''}${f.baseName && f.baseName !== 'bare' ? ` (${f.baseName})` : ''}`
        : '—',
      r === undefined ? '—' : `${r.toFixed(2)}×`,
      targetText(f),
      met(f) ? 'met' : 'above target',
    ];
  });
}

const HEAD = ['figure', 'Switchyard median (min–max)', 'baseline', 'ratio', 'target', ''];

export function renderTable(figures: Figure[], meta: Meta): string {
  const all = [HEAD, ...rows(figures)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    '',
    `${meta.quick ? 'quick run (a smoke check: too few repeats to compare)' : 'full run'} · ${meta.machine} · ${meta.seconds.toFixed(0)} s`,
    line(HEAD),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows(figures).map(line),
    '',
  ].join('\n');
}

export function renderMarkdown(figures: Figure[], meta: Meta, previous: string): string {
  // Laid out as Prettier lays out a table, so `prettier --check` passes on the written file.
  const all = [HEAD.map((h) => h || 'verdict'), ...rows(figures)];
  const widths = all[0].map((_, i) => Math.max(3, ...all.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const generated = [
    BEGIN,
    '',
    `Run on ${meta.date.slice(0, 10)} · ${meta.machine} · ${meta.seconds.toFixed(0)} s in all · sizes ${JSON.stringify(meta.size)}`,
    '',
    line(all[0]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...all.slice(1).map(line),
    '',
    END,
  ].join('\n');
  const at = previous.indexOf(BEGIN);
  const end = previous.indexOf(END);
  if (at !== -1 && end > at) return previous.slice(0, at) + generated + previous.slice(end + END.length);
  return `# Benchmarks\n\n${generated}\n`;
}
