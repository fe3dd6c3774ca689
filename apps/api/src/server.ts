import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
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

  if (existsSync(DASHBOARD_DIR)) serveDashboard(fastify);
  else log.warn('dashboard build not found; / will 404', { dir: DASHBOARD_DIR });
  if (existsSync(DASHBOARD_DIR)) {
    await app.register(fastifyStatic, {
      root: DASHBOARD_DIR,
      prefix: '/',
      index: ['index.html'],
      wildcard: false,
      // @fastify/static hands the reply itself to setHeaders.
      setHeaders: (res: { header(name: string, value: string): unknown }, path: string) => {
        // Hashed assets never change; the shell and the service worker must be revalidated.
        if (path.includes(`${sep}assets${sep}`))
          res.header('cache-control', 'public, max-age=31536000, immutable');
        else res.header('cache-control', 'no-cache');
      },
    });
  }
  return app;
}

/**
 * The dashboard is a single-page app whose views share names with API routes (`/alerts`,
 * `/sessions/:id`, …). A browser navigation (Sec-Fetch-Mode: navigate, or an HTML Accept)
 * to a view's path gets the app's shell; API clients asking for JSON get JSON as before.
 */
export const DASHBOARD_VIEW_PATH =
  /^\/(?:|analytics|anomalies|service-map|sql|hitl|settings|sessions(?:\/[^/]+)?|traces(?:\/[^/]+)?|alerts(?:\/[^/]+(?:\/[^/]+)?)?)\/?$/;

/** The seed's pages, for bookmarks: each leads to the view that replaced it. */
export const SEED_PAGES: Record<string, string> = {
  '/analytics-dashboard.html': '/analytics',
  '/mobile-dashboard.html': '/',
  '/index-enhanced.html': '/',
  '/dashboard': '/',
};

function serveDashboard(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return;
    const path = req.url.split('?', 1)[0] ?? '/';
    const seed = SEED_PAGES[path];
    if (seed) {
      const query = req.url.slice(path.length);
      return reply.redirect(`${seed}${query}`, 302);
    }
    if (path === '/' || !DASHBOARD_VIEW_PATH.test(path)) return;
    const accept = req.headers.accept ?? '';
    const navigation =
      req.headers['sec-fetch-mode'] === 'navigate' ||
      (accept.includes('text/html') && !accept.includes('application/json'));
    if (!navigation) return;
    reply.header('cache-control', 'no-cache');
    const shell = await readFile(join(DASHBOARD_DIR, 'index.html'));
    return reply.type('text/html; charset=utf-8').send(shell);
  });
}
