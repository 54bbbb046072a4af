/**
 * Test counts from a test command's output. Each framework's summary is found with its position;
 * the last recognizable summary in the output wins (a wrapper script may run several suites, and
 * the final one is what the exit code reflects). Only the counts are parsed: PASS/FAIL is the
 * exit code's business.
 */
import type { TestCounts } from '../workflows/api/index.js';
import { stripAnsi } from './output-cap.js';

interface Found {
  at: number;
  counts: TestCounts;
}

type Parser = (text: string) => Found[];

const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));

function lastGroupCounts(parts: string, re: RegExp): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of parts.matchAll(re)) out[m[2].toLowerCase()] = (out[m[2].toLowerCase()] ?? 0) + Number(m[1]);
  return out;
}

/** Summary lines that list "<n> <word>" counts: each match's counts, `total` taken as the format says. */
const countList =
  (framework: string, re: RegExp, total: (c: Record<string, number>, m: RegExpMatchArray) => number): Parser =>
  (text) =>
    [...text.matchAll(re)].map((m) => {
      const c = lastGroupCounts(m[1], /(\d+) ([a-z]+)/g);
      return {
        at: m.index,
        counts: {
          framework,
          passed: c.passed ?? 0,
          failed: c.failed ?? 0,
          skipped: (c.skipped ?? 0) + (c.todo ?? 0),
          total: total(c, m),
        },
      };
    });

/** " Tests  2 failed | 10 passed | 1 skipped (13)" — not the "Test Files" line. */
const vitest = countList('vitest', /^[ \t]*Tests[ \t]+((?:\d+ [a-z]+(?: \| )?)+)[ \t]*\((\d+)\)/gm, (_c, m) =>
  Number(m[2]),
);

/** "Tests:       1 failed, 2 skipped, 5 passed, 8 total" */
const jest = countList('jest', /^[ \t]*Tests:[ \t]+((?:\d+ [a-z]+,[ \t]*)*\d+ total)/gm, (c) => c.total);

/** "  5 passing (12ms)" then optional "  1 pending" and "  2 failing". */
const mocha: Parser = (text) =>
  [
    ...text.matchAll(
      /^[ \t]*(\d+) passing \(\d+(?:\.\d+)?\s*m?s\)[ \t]*\r?\n(?:[ \t]*(\d+) pending[ \t]*\r?\n)?(?:[ \t]*(\d+) failing)?/gm,
    ),
  ].map((m) => {
    const passed = num(m[1]);
    const skipped = num(m[2]);
    const failed = num(m[3]);
    return { at: m.index, counts: { framework: 'mocha', passed, failed, skipped, total: passed + failed + skipped } };
  });

/**
 * node:test, spec reporter ("ℹ pass 2") or TAP ("# pass 2"): a block of "tests/suites/pass/fail/
 * cancelled/skipped/todo" lines.
 */
const nodeTest: Parser = (text) =>
  [
    ...text.matchAll(
      /^[ \t]*(?:ℹ|#)[ \t]+tests[ \t]+(\d+)[ \t]*\r?\n(?:[ \t]*(?:ℹ|#)[ \t]+suites[ \t]+\d+[ \t]*\r?\n)?[ \t]*(?:ℹ|#)[ \t]+pass[ \t]+(\d+)[ \t]*\r?\n[ \t]*(?:ℹ|#)[ \t]+fail[ \t]+(\d+)[ \t]*\r?\n(?:[ \t]*(?:ℹ|#)[ \t]+cancelled[ \t]+(\d+)[ \t]*\r?\n)?(?:[ \t]*(?:ℹ|#)[ \t]+skipped[ \t]+(\d+)[ \t]*\r?\n)?(?:[ \t]*(?:ℹ|#)[ \t]+todo[ \t]+(\d+))?/gm,
    ),
  ].map((m) => ({
    at: m.index,
    counts: {
      framework: 'node:test',
      passed: num(m[2]),
      // A cancelled test did not pass: count it as failed.
      failed: num(m[3]) + num(m[4]),
      skipped: num(m[5]) + num(m[6]),
      total: num(m[1]),
    },
  }));

const PYTEST_WORDS = 'failed|passed|skipped|errors?|warnings?|xfailed|xpassed|deselected|rerun';
/** "===== 2 failed, 10 passed, 1 skipped in 0.12s =====" (or the same without rules with -q). */
const pytest: Parser = (text) => {
  const re = new RegExp(
    `^[ \\t]*=*[ \\t]*((?:\\d+ (?:${PYTEST_WORDS})(?:, )?)+|no tests ran)[ \\t]+in[ \\t]+[\\d.]+s(?:[ \\t]+\\([^)]*\\))?[ \\t]*=*[ \\t]*$`,
    'gm',
  );
  return [...text.matchAll(re)].map((m) => {
    const c = lastGroupCounts(m[1], new RegExp(`(\\d+) (${PYTEST_WORDS})`, 'g'));
    const passed = (c.passed ?? 0) + (c.xpassed ?? 0);
    const failed = (c.failed ?? 0) + (c.error ?? 0) + (c.errors ?? 0);
    const skipped = (c.skipped ?? 0) + (c.xfailed ?? 0);
    return { at: m.index, counts: { framework: 'pytest', passed, failed, skipped, total: passed + failed + skipped } };
  });
};

/**
 * go test -v: "--- PASS: TestX (0.00s)" lines (subtests too) counted over the whole run; the
 * summary position is the last "ok"/"FAIL" package line. Without -v go prints no per-test lines
 * for passing packages, so there is nothing to count and nothing is reported.
 */
const goTest: Parser = (text) => {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const m of text.matchAll(/^[ \t]*--- (PASS|FAIL|SKIP): \S+/gm)) {
    if (m[1] === 'PASS') passed++;
    else if (m[1] === 'FAIL') failed++;
    else skipped++;
  }
  if (passed + failed + skipped === 0) return [];
  const pkgLines = [...text.matchAll(/^(?:ok|FAIL)[ \t]+\S+|^[ \t]*--- (?:PASS|FAIL|SKIP):/gm)];
  const at = pkgLines.length ? pkgLines[pkgLines.length - 1].index : 0;
  return [{ at, counts: { framework: 'go', passed, failed, skipped, total: passed + failed + skipped } }];
};

const PARSERS: Parser[] = [vitest, jest, mocha, nodeTest, pytest, goTest];

/** Counts from the last recognizable test summary in `output`, or undefined when there is none. */
export function parseTestCounts(output: string): TestCounts | undefined {
  const text = stripAnsi(output).replace(/\r\n/g, '\n');
  let best: Found | undefined;
  for (const parse of PARSERS) {
    for (const f of parse(text)) if (!best || f.at >= best.at) best = f;
  }
  return best?.counts;
}
