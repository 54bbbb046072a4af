/**
 * Imports point one way, client → worker → activities → workflows (docs/architecture.md §2): the
 * project's own ESLint config, run on a temp copy with planted files, refuses every upward import and
 * accepts the downward ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../activities/paths.js';

const upward: Record<string, string> = {
  'workflows/planted-up.ts': "import { x } from '../activities/index.js';",
  'workflows/stages/planted-up.ts': "import { x } from '../../worker/config.js';",
  'workflows/api/planted-up.ts': "import { x } from '../../client/main.js';",
  'activities/planted-up.ts': "import { x } from '../worker/config.js';",
  'activities/agents/planted-up.ts': "import { x } from '../../client/task-file.js';",
  'activities/store/planted-up.ts': "import type { x } from '../../worker/paths.js';",
  'worker/planted-up.ts': "import { x } from '../client/resolve.js';",
};
const downward: Record<string, string> = {
  'client/planted-down.ts': "import { x } from '../worker/config.js';\nimport { y } from '../workflows/api/index.js';",
  'worker/planted-down.ts': "import { x } from '../activities/index.js';",
  'activities/agents/planted-down.ts': "import { x } from '../../workflows/api/index.js';",
  'workflows/stages/planted-down.ts': "import { x } from '../api/index.js';",
};

let dir: string;
let result: { exitCode?: number; stdout: string };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-lint-'));
  for (const f of ['eslint.config.js', 'tsconfig.json', 'package.json'])
    fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
  fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [file, text] of Object.entries({ ...upward, ...downward })) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), `${text}\nexport const planted = [x${text.includes('y') ? ', y' : ''}];\n`);
  }
  const eslint = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'eslint');
  result = await execa(eslint, ['--format', 'json', '--', ...Object.keys({ ...upward, ...downward })], {
    cwd: dir,
    reject: false,
  });
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function importProblems(file: string): string[] {
  const report = JSON.parse(result.stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
  const entry = report.find((r) => r.filePath === path.join(dir, file));
  if (!entry) throw new Error(`eslint did not report on ${file}: ${result.stdout.slice(0, 500)}`);
  return entry.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import direction (lint)', () => {
  it('fails the lint run', () => {
    expect(result.exitCode).toBe(1);
  });
  it.each(Object.keys(upward))('refuses the upward import in %s', (file) => {
    expect(importProblems(file)).toEqual([expect.stringContaining('imports point one way')]);
  });
  it.each(Object.keys(downward))('accepts the downward imports in %s', (file) => {
    expect(importProblems(file)).toEqual([]);
  });
});
