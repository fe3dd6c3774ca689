import 'reflect-metadata';
import { createLogger, loadConfigOrExit, onShutdown, runMain } from '@fleetscope/config';
import { ApiKeysRepository, migrate, PgliteSqlClient, PgSqlClient } from '@fleetscope/db';
import { join, resolve } from 'node:path';
import { createRuntime } from './runtime/runtime';
import { createServer } from './server';

/**
 * Entry point of the api.
 *   node apps/api/dist/main.js --all-in-one   api + workers in one process, embedded database
 *   node apps/api/dist/main.js                cluster mode (KAFKA_BROKERS, DATABASE_URL)
 *   node apps/api/dist/main.js --migrate-only apply migrations and exit (Helm hook)
 *   node apps/api/dist/main.js --create-api-key <name> [--project <id>] [--scopes a,b]
 *                                             create a key (stored hashed), print it once;
 *                                             scopes default to ingest,read
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env, process.argv.slice(2));
  const log = createLogger('api', config.logLevel);

  const argv = process.argv.slice(2);
  if (argv.includes('--migrate-only') || argv.includes('--create-api-key')) {
    const db = config.databaseUrl
      ? new PgSqlClient(config.databaseUrl)
      : await PgliteSqlClient.open(join(resolve(config.dataDir), 'pglite'));
    const report = await migrate(db);
    if (argv.includes('--create-api-key')) {
      const name = argv[argv.indexOf('--create-api-key') + 1];
      const project = argv.includes('--project')
        ? argv[argv.indexOf('--project') + 1]
        : config.auth.defaultProjectId;
      if (!name || name.startsWith('--') || !project || project.startsWith('--')) {
        process.stderr.write('usage: --create-api-key <name> [--project <id>] [--scopes a,b]\n');
        process.exit(2);
      }
      const scopes = argv.includes('--scopes')
        ? (argv[argv.indexOf('--scopes') + 1] ?? '').split(',').filter(Boolean)
        : undefined;
      const created = await new ApiKeysRepository().create(db, project, name, scopes);
      // The plaintext key is shown once; only its SHA-256 is stored.
      process.stdout.write(
        `${JSON.stringify({ project_id: project, name, scopes: scopes ?? ['ingest', 'read'], ...created })}\n`,
      );
    } else {
      log.info('migrations applied', { ...report });
    }
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

  onShutdown(log, async () => {
    await app.close();
    await runtime.close();
  });
}

runMain(main);
