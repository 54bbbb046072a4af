/**
 * The bare baseline's worker process: `node dist/bench/baseline/worker.js <taskQueue> <agent> <marks>`.
 * Same SDK, same activity concurrency as a Switchyard worker; the workflows are bundled at start.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createBareActivities } from './activities.js';

const [taskQueue, agent, marks, maxConcurrentActivities, maxCachedWorkflows] = process.argv.slice(2);
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)),
  activities: createBareActivities({ agent, marks }),
  maxConcurrentActivityTaskExecutions: Number(maxConcurrentActivities),
  maxCachedWorkflows: Number(maxCachedWorkflows),
});
process.on('SIGTERM', () => worker.shutdown());
console.log('bare worker ready');
await worker.run();
await connection.close();
