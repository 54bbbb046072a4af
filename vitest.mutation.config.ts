import { defineConfig } from 'vitest/config';

// The unit tests that StrykerJS runs against each mutant (`npm run mutation`): no Temporal server, no
// child processes (cli-validation, temporal-cli, agents-fakes run real processes and take seconds each), so
// one mutant's run takes milliseconds. A static mutant (a module-level constant) reruns every test.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: ['test/unit/cli-validation.test.ts', 'test/unit/temporal-cli.test.ts', 'test/unit/agents-fakes.test.ts'],
    testTimeout: 60_000,
  },
});
