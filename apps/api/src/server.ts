import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from '@fleetscope/config';
import { AppModule } from './app.module';
import { AllErrorsFilter, sendError } from './common/error.filter';
import { registerBodyParsers } from './ingest/body-parsers';
import type { Runtime } from './runtime/runtime';

/** The dashboard's build, served at / (resolved from this file in dist/). */
export const DASHBOARD_DIR = join(__dirname, '..', '..', 'dashboard', 'dist');

/** Builds the Nest application on Fastify for a runtime, without listening. */
export async function createServer(runtime: Runtime, log: Logger): Promise<NestFastifyApplication> {
  const { config } = runtime;
  const adapter = new FastifyAdapter({
    bodyLimit: config.limits.maxBodyBytes,
    // Behind a load balancer the client address comes from X-Forwarded-For.
    trustProxy: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRuntime(runtime),
    adapter,
    {
      // Our own parsers (JSON, NDJSON, gzip) replace Nest's default body parser.
      bodyParser: false,
      logger: config.logLevel === 'debug' ? ['log', 'warn', 'error', 'debug'] : ['warn', 'error'],
    },
  );
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify, config.limits.maxBodyBytes);
  // Errors raised by Fastify itself (body too large, bad media type, parser errors) take the
  // same shape as the ones our code raises.
  fastify.setErrorHandler((err, _req, reply) => sendError(reply, err, log));
  app.useGlobalFilters(new AllErrorsFilter(log));
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableCors({
    origin: true,
    credentials: false,
    exposedHeaders: ['X-Next-Cursor', 'Link', 'Retry-After'],
  });

  const openapi = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Fleetscope API')
      .setDescription('Observability for fleets of AI agents: ingest, query, live.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, openapi, { jsonDocumentUrl: 'docs/openapi.json' });

  if (existsSync(DASHBOARD_DIR)) {
    await app.register(fastifyStatic, {
      root: DASHBOARD_DIR,
      prefix: '/',
      index: ['index.html'],
      wildcard: false,
    });
  } else {
    log.warn('dashboard build not found; / will 404', { dir: DASHBOARD_DIR });
  }
  return app;
}
