#!/usr/bin/env node
// The published entry: the CLI is compiled to dist/ by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/client/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('switchyard: dist/client/main.js is missing; run `npm run build` (or `npm start`) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv.slice(2));
