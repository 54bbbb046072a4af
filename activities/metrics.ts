/** Switchyard's activity metrics through the SDK's metric meter (see workflows/task-metrics.ts). */
import { activityContext } from './process.js';

/** One agent run (local CLI, command, or a delegated job's answer), by provider and outcome class. */
export function countAgentRun(provider: string, outcome: string): void {
  activityContext()
    ?.metricMeter.createCounter('switchyard_agent_runs', '', 'agent runs by provider and outcome class')
    .add(1, { provider, outcome });
}
