export { startWorkers } from './workers';
export type { RunningWorkers } from './workers';
export { EventBatchHandler } from './event-batch.handler';
