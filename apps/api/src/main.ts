import 'reflect-metadata';
import { createLogger, loadConfig, ConfigError } from '@fleetscope/config';
import { migrate, PgliteSqlClient, PgSqlClient } from '@fleetscope/db';
import { join, resolve } from 'node:path';
import { createRuntime } from './runtime/runtime';
import { createServer } from './server';

/**
 * Entry point of the api.
 *   node apps/api/dist/main.js --all-in-one   api + workers in one process, embedded database
 *   node apps/api/dist/main.js                cluster mode (KAFKA_BROKERS, DATABASE_URL)
 *   node apps/api/dist/main.js --migrate-only apply migrations and exit (Helm hook)
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('api', config.logLevel);

  if (process.argv.includes('--migrate-only')) {
    const db = config.databaseUrl
      ? new PgSqlClient(config.databaseUrl)
      : await PgliteSqlClient.open(join(resolve(config.dataDir), 'pglite'));
    log.info('migrations applied', { ...(await migrate(db)) });
    await db.close();
    return;
  }

  const runtime = await createRuntime(config, log);
  const app = await createServer(runtime, log);
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const shown = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  log.info('fleetscope listening', { mode: config.mode, port });
  process.stdout.write(
    `\nFleetscope (${config.mode}) is running: http://${shown}:${port}/  ·  API docs: http://${shown}:${port}/docs\n\n`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
