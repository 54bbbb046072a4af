import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'examples/**',
      '.switchyard/**',
      'coverage/**',
      'reports/**',
      '.stryker-tmp/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: no I/O, no Node built-ins, no client, and nothing from a floor above.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not import Node built-ins.' })),
            { name: 'pg', message: 'Workflow code must not do I/O.' },
            { name: 'execa', message: 'Workflow code must not run processes.' },
            { name: '@temporalio/client', message: 'Workflow code must not use the client.' },
            { name: '@temporalio/activity', message: 'Workflow code must not import activity context.' },
          ],
          patterns: upward(['activities', 'worker', 'client']),
        },
      ],
    },
  },
  {
    files: ['activities/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: upward(['worker', 'client']) }] },
  },
  {
    files: ['worker/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: upward(['client']) }] },
  },
);

/** Imports point one way, client → worker → activities → workflows: relative imports of a floor above fail. */
function upward(floors) {
  return floors.map((floor) => ({
    group: [`../${floor}/*`, `../../${floor}/*`, `../../../${floor}/*`],
    message: `imports point one way (client → worker → activities → workflows): this floor may not import ${floor}/`,
  }));
}
