import { createLogger, loadConfig, ConfigError } from '@fleetscope/config';
import { startWorkers } from './workers';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, FLEETSCOPE_MODE: 'cluster' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('workers', config.logLevel);
  const workers = await startWorkers(config, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down: finishing the in-flight batch', { signal });
    await workers.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
