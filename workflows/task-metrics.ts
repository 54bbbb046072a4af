/**
 * Switchyard's own metrics, through the SDK's metric meter: they reach the worker's Prometheus exporter
 * beside the SDK's (worker.metrics in the config). The SDK drops what a replay would emit twice. Made at
 * each use: the meter belongs to the running workflow (workflows share module state in one V8 context,
 * and pure tests import these modules outside any workflow).
 */
import { metricMeter } from '@temporalio/workflow';
import type { Stage } from './api/index.js';

const stateChanges = () => metricMeter.createCounter('switchyard_task_state_changes', '', 'tasks entering each state');
const stageDuration = () =>
  metricMeter.createHistogram('switchyard_stage_duration', 'int', 'ms', 'one attempt of a stage, by outcome');
const stageCost = () =>
  metricMeter.createCounter('switchyard_cost_microusd', '', 'what agent stages cost, in millionths of USD');
const gateWait = () =>
  metricMeter.createHistogram('switchyard_gate_wait', 'int', 'ms', 'waiting for a repo or staging gate');

export const taskMetrics = {
  entered(state: string): void {
    stateChanges().add(1, { state });
  },
  stageEnded(stage: Stage, outcome: string, ms: number, costUsd = 0): void {
    stageDuration().record(Math.max(0, Math.round(ms)), { stage, outcome });
    if (costUsd > 0) stageCost().add(Math.round(costUsd * 1e6), { stage });
  },
  gateGranted(kind: string, ms: number): void {
    gateWait().record(Math.max(0, Math.round(ms)), { gate: kind });
  },
};
