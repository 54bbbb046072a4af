/**
 * Recorded histories replayed against today's workflow code: a change that would break running
 * workflows fails here (then put it behind `patched()`; see test/replay/README.md).
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_BUNDLE, workflowsEntry } from '../../activities/paths.js';
import { HISTORIES_DIR } from './record.js';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // installed already in this process
}

describe('replay', () => {
  it('has fixtures for the task, every stage and the gate', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    // And the e2e scenarios, recorded through the CLI and a worker process with real activities.
    expect(files.filter((f) => f.startsWith('e2e-')).sort()).toEqual([
      'e2e-answer-done.json',
      'e2e-delegated-analysis.json',
      'e2e-delegated-development.json',
      'e2e-delegated-done.json',
      'e2e-hold-resume.json',
      'e2e-ssh-hold-resume.json',
      'e2e-tests-fail-then-pass.json',
    ]);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    const history = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
    await Worker.runReplayHistory(
      existsSync(WORKFLOW_BUNDLE)
        ? { workflowBundle: { codePath: WORKFLOW_BUNDLE } }
        : { workflowsPath: workflowsEntry() },
      history,
      // The workflow checks its own id against its input: replay under the id it ran with.
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId ?? file,
    );
  });
});
