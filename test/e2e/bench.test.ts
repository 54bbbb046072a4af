/**
 * `npm run bench -- --quick` as a smoke check: the bench starts its own dev server, store and both
 * workers, runs every figure once and prints the table. It passes when the bench completes; the
 * figures themselves are for people (docs/benchmarks.md), never asserted here.
 */
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../activities/paths.js';

const FIGURES = [
  'submit → done, one task',
  'throughput',
  'processes spawned per task',
  'worker CPU per',
  'worker RSS',
  '`answer` returns → analyst process started, p95',
  '`switchyard status <id>` (closed task) wall',
  '`switchyard --help` wall',
  'test-runner activity over the bare test process',
  'history per finished task, events',
  'history per finished task, bytes',
];

describe('npm run bench -- --quick', () => {
  it('runs Switchyard and the bare baseline and prints every figure', { timeout: 600_000 }, async () => {
    const r = await execa('node', [join(PROJECT_ROOT, 'dist', 'bench', 'run.js'), '--quick'], {
      reject: false,
      all: true,
      env: { SWITCHYARD_LOG_LEVEL: 'ERROR' },
      timeout: 540_000,
    });
    expect(r.exitCode, r.all).toBe(0);
    for (const figure of FIGURES) expect(r.stdout).toContain(figure);
    expect(r.stdout).toMatch(/quick run/);
  });
});
