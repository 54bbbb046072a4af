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

  it('undefined when there is no summary', () => {
    expect(parseTestCounts('')).toBeUndefined();
    expect(parseTestCounts('make: *** [test] Error 2\nok so far\n')).toBeUndefined();
    // go without -v prints no per-test lines for passing packages: nothing to count.
    expect(parseTestCounts('ok  \texample.com/x\t0.002s\n')).toBeUndefined();
  });
});
