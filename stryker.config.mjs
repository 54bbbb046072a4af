// Mutation testing of the decision logic against the unit tests: `npm run mutation` (not part of `npm test`).
// Which files and why: docs/architecture.md, "Mutation testing".
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: [
    // Workflow code that runs without a server; task.ts, gate.ts, stages/*, failures.ts and the option
    // tables are exercised only by the workflow tests (test/workflows, test/e2e) on a Temporal dev server.
    'workflows/grammar.ts',
    'workflows/messages.ts',
    'workflows/transitions.ts',
    'workflows/redact.ts',
    'workflows/gate-queue.ts',
    'workflows/duration.ts',
    'workflows/task-state.ts',
    'workflows/prompts.ts',
    'workflows/task-signals.ts',
    'workflows/staging-outcome.ts',
    // Classification, redaction, parsing and reset times.
    'activities/agents/classify.ts',
    'activities/agents/redact.ts',
    'activities/agents/reset-time.ts',
    'activities/test-parsers.ts',
    'activities/agents/claude.ts',
    'activities/agents/codex.ts',
    'activities/agents/gemini.ts',
    'activities/agents/aider.ts',
    // The staging check over ssh: what an exit means, the argv, the quoting and the placeholder grammar.
    'activities/ssh-command.ts',
    'activities/placeholders.ts',
    // Agent choice (pure, used by the CLI at submit time).
    'client/routing.ts',
  ],
  // Two cores shared with other work.
  concurrency: 1,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};
