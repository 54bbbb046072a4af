import { describe, expect, it } from 'vitest';
import { parseTestCounts } from '../../activities/test-parsers.js';

const ESC = '\u001b';

describe('parseTestCounts', () => {
  it('vitest, with the colours it prints', () => {
    const out = [
      ' ❯ a.test.mjs (4 tests | 1 failed | 2 skipped) 8ms',
      '',
      `${ESC}[2m Test Files ${ESC}[22m ${ESC}[1m${ESC}[31m1 failed${ESC}[39m${ESC}[22m${ESC}[90m (1)${ESC}[39m`,
      `${ESC}[2m      Tests ${ESC}[22m ${ESC}[1m${ESC}[31m1 failed${ESC}[39m${ESC}[22m${ESC}[2m | ${ESC}[22m${ESC}[1m${ESC}[32m1 passed${ESC}[39m${ESC}[22m${ESC}[2m | ${ESC}[22m${ESC}[33m1 skipped${ESC}[39m${ESC}[2m | ${ESC}[22m${ESC}[90m1 todo${ESC}[39m${ESC}[90m (4)${ESC}[39m`,
      `${ESC}[2m   Start at ${ESC}[22m 11:27:03`,
      `${ESC}[2m   Duration ${ESC}[22m 347ms`,
    ].join('\n');
    expect(parseTestCounts(out)).toEqual({ framework: 'vitest', passed: 1, failed: 1, skipped: 2, total: 4 });
  });

  it('vitest, all passing', () => {
    const out = ' Test Files  3 passed (3)\n      Tests  42 passed (42)\n   Start at  10:00:00\n';
    expect(parseTestCounts(out)).toEqual({ framework: 'vitest', passed: 42, failed: 0, skipped: 0, total: 42 });
  });

  it('jest', () => {
    const out = [
      'FAIL src/sum.test.js',
      '  ● sum › adds negatives',
      '',
      'Test Suites: 1 failed, 1 passed, 2 total',
      'Tests:       1 failed, 1 skipped, 1 todo, 5 passed, 8 total',
      'Snapshots:   0 total',
      'Time:        1.234 s',
      'Ran all test suites.',
    ].join('\n');
    expect(parseTestCounts(out)).toEqual({ framework: 'jest', passed: 5, failed: 1, skipped: 2, total: 8 });
  });

  it('mocha', () => {
    const out = [
      '  Array',
      '    #indexOf()',
      '      ✔ should return -1 when the value is not present',
      '      1) should find the value',
      '',
      '',
      '  3 passing (9ms)',
      '  1 pending',
      '  2 failing',
      '',
      '  1) Array',
      '       #indexOf()',
      '         should find the value:',
      '     AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:',
    ].join('\n');
    expect(parseTestCounts(out)).toEqual({ framework: 'mocha', passed: 3, failed: 2, skipped: 1, total: 6 });
  });

  it('mocha, all passing', () => {
    expect(parseTestCounts('  ✔ works\n\n  12 passing (1s)\n\n')).toEqual({
      framework: 'mocha',
      passed: 12,
      failed: 0,
      skipped: 0,
      total: 12,
    });
  });

  it('node:test, spec reporter', () => {
    const out = [
      '✖ bad (1.2ms)',
      'ℹ tests 4',
      'ℹ suites 0',
      'ℹ pass 1',
      'ℹ fail 1',
      'ℹ cancelled 0',
      'ℹ skipped 1',
      'ℹ todo 1',
      'ℹ duration_ms 186.530765',
    ].join('\n');
    expect(parseTestCounts(out)).toEqual({ framework: 'node:test', passed: 1, failed: 1, skipped: 2, total: 4 });
  });

  it('node:test, TAP reporter (a cancelled test counts as failed)', () => {
    const out = [
      'not ok 2 - bad',
      '  ---',
      '  duration_ms: 0.111476',
      '  ...',
      '1..5',
      '# tests 5',
      '# suites 1',
      '# pass 3',
      '# fail 0',
      '# cancelled 1',
      '# skipped 1',
      '# todo 0',
      '# duration_ms 137.669507',
    ].join('\n');
    expect(parseTestCounts(out)).toEqual({ framework: 'node:test', passed: 3, failed: 1, skipped: 1, total: 5 });
  });

  it('pytest', () => {
    const out = [
      '=================================== FAILURES ===================================',
      '___________________________________ test_bad ___________________________________',
      '    def test_bad(): assert 0',
      'E   assert 0',
      '=========================== short test summary info ============================',
      'FAILED test_a.py::test_bad - assert 0',
      '============== 1 failed, 2 passed, 1 skipped, 1 error in 0.05s ===============',
    ].join('\n');
    expect(parseTestCounts(out)).toEqual({ framework: 'pytest', passed: 2, failed: 2, skipped: 1, total: 5 });
  });

  it('pytest counts plural errors as failures', () => {
    const out = '============== 1 failed, 3 passed, 2 errors in 0.10s ===============\n';
    expect(parseTestCounts(out)).toEqual({ framework: 'pytest', passed: 3, failed: 3, skipped: 0, total: 6 });
    // Collection errors only: nothing ran, and the run is not a pass.
    expect(
      parseTestCounts('!!! Interrupted: 2 errors during collection !!!\n======= 2 errors in 0.05s =======\n'),
    ).toEqual({ framework: 'pytest', passed: 0, failed: 2, skipped: 0, total: 2 });
  });

  it('pytest -q with warnings', () => {
    expect(parseTestCounts('...                                     [100%]\n3 passed, 2 warnings in 0.12s\n')).toEqual({
      framework: 'pytest',
      passed: 3,
      failed: 0,
      skipped: 0,
      total: 3,
    });
  });

  it('go test -v, subtests included', () => {
    const out = [
      '=== RUN   TestA',
      '=== RUN   TestA/sub',
      '--- PASS: TestA (0.00s)',
      '    --- PASS: TestA/sub (0.00s)',
      '=== RUN   TestB',
      '    x_test.go:4: boom',
      '--- FAIL: TestB (0.00s)',
      '=== RUN   TestC',
      '    x_test.go:5: later',
      '--- SKIP: TestC (0.00s)',
      'FAIL',
      'FAIL\texample.com/x\t0.002s',
      'FAIL',
    ].join('\n');
    expect(parseTestCounts(out)).toEqual({ framework: 'go', passed: 2, failed: 1, skipped: 1, total: 4 });
  });

  it('the last recognizable summary wins', () => {
    const vitestThenNode =
      ' Test Files  1 passed (1)\n      Tests  7 passed (7)\n\n# tests 2\n# suites 0\n# pass 1\n# fail 1\n';
    expect(parseTestCounts(vitestThenNode)).toMatchObject({ framework: 'node:test', passed: 1, failed: 1 });
    const jestTwice = 'Tests:       1 failed, 3 total\n...rerun...\nTests:       3 passed, 3 total\n';
    expect(parseTestCounts(jestTwice)).toEqual({ framework: 'jest', passed: 3, failed: 0, skipped: 0, total: 3 });
  });

  // Kill mutants of the summary patterns: anchors, repeated digits, optional lines and whitespace.

  it('multi-digit counts, indentation and trailing blanks, for every framework', () => {
    expect(parseTestCounts('      Tests  12 failed | 105 passed  (117)\n')).toEqual({
      framework: 'vitest',
      passed: 105,
      failed: 12,
      skipped: 0,
      total: 117,
    });
    expect(parseTestCounts('  Tests:       12 failed,  3 skipped, 105 passed, 120 total\n')).toEqual({
      framework: 'jest',
      passed: 105,
      failed: 12,
      skipped: 3,
      total: 120,
    });
    expect(parseTestCounts('  12 passing (1.25s)  \n  3 pending \n  10 failing\n')).toEqual({
      framework: 'mocha',
      passed: 12,
      failed: 10,
      skipped: 3,
      total: 25,
    });
    const node = [
      '  ℹ tests  27 ',
      '  ℹ suites  3 ',
      '  ℹ pass  20 ',
      '  ℹ fail  2 ',
      '  ℹ cancelled  1 ',
      '  ℹ skipped  3 ',
      '  ℹ todo  1',
    ].join('\n');
    expect(parseTestCounts(node)).toEqual({ framework: 'node:test', passed: 20, failed: 3, skipped: 4, total: 27 });
  });

  it('node:test without the optional suites, cancelled, skipped and todo lines', () => {
    expect(parseTestCounts('# tests 3\n# pass 2\n# fail 1\n')).toEqual({
      framework: 'node:test',
      passed: 2,
      failed: 1,
      skipped: 0,
      total: 3,
    });
    expect(parseTestCounts('ℹ tests 4\nℹ pass 1\nℹ fail 0\nℹ todo 3\n')).toEqual({
      framework: 'node:test',
      passed: 1,
      failed: 0,
      skipped: 3,
      total: 4,
    });
  });

  it('a summary quoted inside a line is not a summary', () => {
    for (const quoted of [
      'echo "Tests  9 passed (9)"',
      'echo "Tests:       9 passed, 9 total"',
      'echo "9 passing (1ms)"',
      'echo "# tests 9"\n# pass 9\n# fail 0',
      'echo "--- PASS: TestQuoted (0.00s)"',
    ]) {
      expect(parseTestCounts(`      Tests  1 failed (1)\n${quoted}\n`)).toEqual({
        framework: 'vitest',
        passed: 0,
        failed: 1,
        skipped: 0,
        total: 1,
      });
    }
  });

  it('pytest counts xpassed as passed and xfailed as skipped', () => {
    expect(parseTestCounts('==== 1 failed, 2 passed, 1 skipped, 3 xfailed, 4 xpassed in 1.50s ====\n')).toEqual({
      framework: 'pytest',
      passed: 6,
      failed: 1,
      skipped: 4,
      total: 11,
    });
  });

  it('go test -v: failures and skips alone, or as many passes as failures, still count', () => {
    expect(parseTestCounts('--- FAIL: TestA (0.00s)\n--- SKIP: TestB (0.00s)\nFAIL\texample.com/x\t0.1s\n')).toEqual({
      framework: 'go',
      passed: 0,
      failed: 1,
      skipped: 1,
      total: 2,
    });
    expect(parseTestCounts('--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\nFAIL\texample.com/x\t0.1s\n')).toEqual({
      framework: 'go',
      passed: 1,
      failed: 1,
      skipped: 0,
      total: 2,
    });
  });

  it('go test -v after another summary: the package line places it last', () => {
    const out = [
      'Tests:       2 passed, 2 total',
      '=== RUN   TestA',
      '--- PASS: TestA (0.00s)',
      '--- FAIL: TestB (0.00s)',
      'FAIL\texample.com/x\t0.002s',
    ].join('\n');
    expect(parseTestCounts(out)).toMatchObject({ framework: 'go', passed: 1, failed: 1 });
  });

  it('an earlier summary of a later-checked framework does not beat a later one', () => {
    const jestThenVitest = 'Tests:       1 failed, 1 total\n      Tests  4 passed (4)\n';
    expect(parseTestCounts(jestThenVitest)).toMatchObject({ framework: 'vitest', passed: 4 });
  });

  it('reads Windows line endings', () => {
    expect(parseTestCounts('  3 passing (9ms)\r\n  1 failing\r\n')).toEqual({
      framework: 'mocha',
      passed: 3,
      failed: 1,
      skipped: 0,
      total: 4,
    });
  });

  it('undefined when there is no summary', () => {
    expect(parseTestCounts('')).toBeUndefined();
    expect(parseTestCounts('make: *** [test] Error 2\nok so far\n')).toBeUndefined();
    // go without -v prints no per-test lines for passing packages: nothing to count.
    expect(parseTestCounts('ok  \texample.com/x\t0.002s\n')).toBeUndefined();
  });
});
