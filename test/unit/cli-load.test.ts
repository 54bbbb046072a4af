/**
 * `switchyard --help` (and every usage line) loads commander and small local modules only: a heavy
 * import at the top of a command module would bring back half a second of start-up. A resolve hook
 * lists every package the CLI loads.
 */
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../activities/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-load-'));
const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `export async function resolve(spec, ctx, next) {
    const r = await next(spec, ctx);
    const m = r.url.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)/);
    if (m) process.stderr.write('PACKAGE ' + m[1] + '\\n');
    return r;
  }\n`,
);
const register = join(dir, 'register.mjs');
writeFileSync(
  register,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

async function packagesLoaded(args: string[]): Promise<string[]> {
  const r = await execa('node', ['--import', register, join(PROJECT_ROOT, 'bin', 'switchyard.js'), ...args], {
    reject: false,
  });
  return [...new Set([...r.stderr.matchAll(/^PACKAGE (\S+)$/gm)].map((m) => m[1]))].sort();
}

describe('what the CLI loads', () => {
  it.each([['--help'], ['status', '--help'], ['--version'], ['no-such-command']])(
    '%s loads commander only',
    async (...args) => {
      expect(await packagesLoaded(args)).toEqual(['commander']);
    },
  );
});
