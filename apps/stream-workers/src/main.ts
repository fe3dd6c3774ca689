import { createLogger, loadConfigOrExit, onShutdown, runMain } from '@fleetscope/config';
import { startWorkers } from './workers';

runMain(async () => {
  const config = loadConfigOrExit({ ...process.env, FLEETSCOPE_MODE: 'cluster' });
  const log = createLogger('workers', config.logLevel);
  const workers = await startWorkers(config, log);
  // Stopping lets the in-flight batch finish before leaving the group.
  onShutdown(log, () => workers.stop());
});
