/** The bench writes docs/benchmarks.md: what it writes must already be as Prettier would format it (CI checks). */
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { renderMarkdown, type Figure } from '../../bench/report.js';

const s = (median: number, min = median, max = median, n = 3) => ({ median, min, max, n });
const figures: Figure[] = [
  {
    name: 'submit → done, one task',
    unit: 'ms',
    ours: s(1796, 1676, 1830),
    base: s(1443),
    baseName: 'bare',
    target: { ratio: 1.2, below: true },
  },
  {
    name: 'throughput',
    unit: 'tasks/min',
    ours: s(73),
    base: s(94.1),
    baseName: 'bare',
    target: { ratio: 0.9, below: false },
  },
  {
    name: '`--help` wall',
    unit: 'ms',
    ours: s(115),
    base: s(81),
    baseName: '`node -e 0`',
    target: { ratio: 2.5, below: true },
  },
  {
    name: 'overhead',
    unit: 'ms',
    ours: s(48.9),
    base: s(110),
    baseName: '`node --test` alone',
    target: { absolute: 40 },
    delta: true,
  },
  { name: 'RSS', unit: 'MB', ours: s(232, 232, 232, 1), target: { absolute: 50 } },
];
const meta = { quick: false, machine: '2 × CPU', date: '2026-12-07T00:00:00Z', seconds: 451, size: { one: 5 } };

describe('bench report', () => {
  it('writes the results block formatted, keeps the text around it, and says met or above target', async () => {
    const previous =
      '# Benchmarks\n\nBefore.\n\n<!-- bench:begin (written by `npm run bench`) -->\nold\n<!-- bench:end -->\n\nAfter.\n';
    const md = renderMarkdown(figures, meta, previous);
    expect(md).toContain('Before.');
    expect(md).toContain('After.');
    expect(md).not.toContain('old');
    expect(await format(md, { parser: 'markdown', printWidth: 120 })).toBe(md);
    expect(md).toMatch(
      /\| submit → done, one task +\| 1796 \(1676–1830\) ms +\| 1443 \(1443–1443\) ms +\| 1\.24× +\| ≤ 1\.2× +\| above target +\|/,
    );
    expect(md).toMatch(/\| `--help` wall .*\| 1\.42× .*\| met /);
    expect(md).toMatch(/\| overhead +\| \+48\.9 \(48\.9–48\.9\) ms .*\| above target/);
  });
});
