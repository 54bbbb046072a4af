/**
 * The activities registered by the worker. Each resolves the config when it starts (the worker
 * reloads the file), works in its own worktree and removes it whatever happens.
 */
import type { Config, CommandProviderConfig } from '../worker/config-schema.js';
import {
  ErrorType,
  type AgentRunInput,
  type AnalystResult,
  type DeveloperInput,
  type DeveloperResult,
  type NotifyInput,
  type StagingRunInput,
  type StagingSummary,
  type TestRunInput,
  type TestSummary,
} from '../workflows/api.js';
import { runCommandAgent, type CommandAgentOutcome } from './agents/command.js';
import { readAgentFiles } from './agents/prompt-files.js';
import { failure } from './errors.js';
import { commitAll, prepareWorktree, pushBranch, removeWorktree, resolveRepo, type ResolvedRepo } from './git.js';
import { notify } from './notify.js';
import { heartbeatPhase } from './process.js';
import { runStagingCheck } from './staging.js';
import { runTests } from './test-runner.js';

export interface ActivityDeps {
  /** Current config (the worker reloads the file); called once per activity. */
  config: () => Config;
  /** Absolute; caches under `${dataDir}/cache/...`, worktrees under `${dataDir}/worktrees/...`. */
  dataDir: string;
  log?: (msg: string) => void;
  /** Injected by the worker (Temporal client). */
  isWorkflowRunning?: (workflowId: string) => Promise<boolean>;
}

export type Activities = ReturnType<typeof createActivities>;

export function providerConfig(config: Config, name: string): CommandProviderConfig {
  const provider = config.providers[name];
  if (!provider) {
    const known = Object.keys(config.providers);
    throw failure(
      ErrorType.ConfigInvalid,
      `no provider named "${name}" in config.providers (known: ${known.join(', ') || 'none'})`,
    );
  }
  if (provider.kind !== 'command') {
    throw failure(
      ErrorType.ConfigInvalid,
      `provider "${name}" has kind "${String(provider.kind)}", which this worker cannot run`,
    );
  }
  return provider;
}

export function createActivities(deps: ActivityDeps) {
  const log = deps.log ?? ((msg: string) => console.log(msg));

  /** Worktree at `ref`, the agent run in it, the worktree removed afterwards; `after` sees it before removal. */
  async function withAgentRun<T>(
    input: AgentRunInput,
    after: (dir: string, outcome: CommandAgentOutcome, repo: ResolvedRepo) => Promise<T>,
  ): Promise<T> {
    const config = deps.config();
    const provider = providerConfig(config, input.provider);
    const repo = resolveRepo(config, input.repo);
    heartbeatPhase('worktree');
    const wt = await prepareWorktree(repo.url, input.ref, {
      dataDir: deps.dataDir,
      log,
      repoLabel: repo.name,
      label: `${input.taskId}-${input.role}-${input.attempt}`,
    });
    try {
      const outcome = await runCommandAgent({
        providerName: input.provider,
        provider,
        worktreeDir: wt.dir,
        prompt: input.prompt,
        role: input.role,
        taskId: input.taskId,
        attempt: input.attempt,
        log,
      });
      heartbeatPhase('collect');
      return await after(wt.dir, outcome, repo);
    } finally {
      await removeWorktree(wt);
    }
  }

  return {
    async runAnalyst(input: AgentRunInput): Promise<AnalystResult> {
      return withAgentRun({ ...input, role: 'analyst' }, async (dir, outcome) => {
        const files = await readAgentFiles(dir);
        return {
          provider: input.provider,
          ...outcome,
          ok: !outcome.failure,
          analysis: files.analysis,
          questions: files.questions,
          summary: files.summary,
        };
      });
    },

    async runDeveloper(input: DeveloperInput): Promise<DeveloperResult> {
      return withAgentRun({ ...input, role: 'developer' }, async (dir, outcome, repo) => {
        const files = await readAgentFiles(dir);
        const base = { provider: input.provider, ...outcome, summary: files.summary, branch: input.branch };
        if (outcome.failure) return { ...base, outcome: 'agent-failed', changedFiles: [] };
        const firstLine = files.summary
          .split('\n')
          .find((l) => l.trim())
          ?.trim();
        const message = `switchyard(${input.taskId}): development attempt ${input.attempt}\n${firstLine ? `\n${firstLine}\n` : ''}`;
        heartbeatPhase('commit');
        const commit = await commitAll(dir, message);
        if (!commit) return { ...base, outcome: 'no-changes', changedFiles: [] };
        heartbeatPhase('push');
        await pushBranch(dir, repo.url, input.branch, { repoLabel: repo.name });
        log(
          `pushed ${commit.commit.slice(0, 12)} to ${input.branch} of ${repo.name} (${commit.changedFiles.length} files)`,
        );
        return { ...base, outcome: 'committed', commit: commit.commit, changedFiles: commit.changedFiles };
      });
    },

    async runTests(input: TestRunInput): Promise<TestSummary> {
      return runTests(input, { config: deps.config(), dataDir: deps.dataDir, log });
    },

    async runStagingCheck(input: StagingRunInput): Promise<StagingSummary> {
      return runStagingCheck(input, { config: deps.config(), dataDir: deps.dataDir, log });
    },

    async notify(input: NotifyInput): Promise<void> {
      return notify(input, log);
    },

    async isWorkflowRunning(workflowId: string): Promise<boolean> {
      return deps.isWorkflowRunning ? deps.isWorkflowRunning(workflowId) : true;
    },
  };
}
