// Every workflow the worker registers. Workflow code only: no I/O, no Node built-ins.
export { taskWorkflow } from './task.js';
export { repoGateWorkflow } from './gate.js';
export { analysisWorkflow } from './stages/analysis.js';
export { developmentWorkflow } from './stages/development.js';
export { testingWorkflow } from './stages/testing.js';
export { deployStagingWorkflow } from './stages/deploy-staging.js';
export { noticeWorkflow } from './notice.js';
