import { defineConfig } from 'vitest/config';

// Fast feedback without a Temporal server: `npm run test:unit`.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/unit/**/*.test.ts', 'test/activities/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
