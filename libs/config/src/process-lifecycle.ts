import { ConfigError, loadConfig, type AppConfig } from './config.schema';
import type { Logger } from './logger';

/** Loads the config; an invalid one is printed (every bad key) and exits with code 2. */
export function loadConfigOrExit(
  env: Record<string, string | undefined>,
  argv: readonly string[] = [],
): AppConfig {
  try {
    return loadConfig(env, argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits 0. */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}

/** Runs a process entry point; an unexpected failure is printed and exits with code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(
      `fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
