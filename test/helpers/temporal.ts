import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** host:port of the dev server that test/helpers/global-setup.ts started for this run. */
export function temporalAddress(): string {
  const address = inject('temporalAddress');
  if (!address) throw new Error('no Temporal dev server: test/helpers/global-setup.ts did not provide temporalAddress');
  return address;
}

/** A task queue no other test (or earlier run against the same server) polls. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
