import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fastifyStatic from '@fastify/static';
import rateLimit from '@fastify/rate-limit';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule, problemSettings } from './app.module.js';
import { RequestError, RequestErrorCode } from '../kernel/errors/request-error.js';
import { authenticateBeforeBody } from '../kernel/auth/authenticate-before-body.js';
import { registerStrictJson } from '../kernel/http/json-body.js';
import { registerSecurityHeaders } from '../kernel/http/security-headers.js';
import { registerUnreadBodyDrain, serverOptions } from '../kernel/http/server-options.js';
import { validationPipe } from '../kernel/http/validation.js';
import { registerExchangeBody } from '../exchange/exchange-body.js';
import { registerWitnessBody } from '../witness/index.js';
import { createLogger, nestLogger } from '../kernel/logging/logger.js';
import { RouteLogController } from '../kernel/logging/route-log-controller.js';
import type { AppConfig } from '../platform/config/config.js';
import { Metrics } from '../platform/metrics/metrics.js';
import { ResponseCache } from '../platform/response-cache/response-cache.js';
import { publicAssetsDir } from '../public-site/public-assets.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,100}$/;

/** A refused body is read and discarded up to this many times the larger body limit before the connection is closed. */
const DRAIN_LIMIT_FACTOR = 4;

/** Builds the registry (not yet listening): used by main.ts and by every end-to-end suite (which may capture its log). */
export async function createApp(config: AppConfig, options: { logDestination?: DestinationStream } = {}): Promise<NestFastifyApplication> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RouteLogController(),
    bodyLimit: config.bodyLimitBytes,
    ...serverOptions(config, problemSettings(config)),
    // A caller's request id is kept when it looks like one, so logs line up across services.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: nestLogger(logger),
    abortOnError: false,
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Times every request, cached reads too; and /metrics with PLAZA_METRICS_TOKEN, off the rate limit.
  app.get(Metrics).register(fastify);
  // First among the hooks that refuse or slow a request: a cached public read needs none of them.
  app.get(ResponseCache).register(fastify);
  // Before every hook that may refuse a request, so refusals carry them too (a cached answer replays its own).
  registerSecurityHeaders(fastify);
  // PostgreSQL text cannot hold U+0000: a NUL in a path or query parameter is refused before it reaches a query.
  fastify.addHook('onRequest', async (request) => {
    if (/%00/i.test(request.url)) throw new RequestError(RequestErrorCode.Invalid, 'The URL contains a NUL character (%00), which is never accepted.');
  });
  registerStrictJson(fastify);
  registerExchangeBody(fastify, config.exchangeBodyLimitBytes);
  registerWitnessBody(fastify);
  registerUnreadBodyDrain(fastify, DRAIN_LIMIT_FACTOR * Math.max(config.bodyLimitBytes, config.exchangeBodyLimitBytes));
  await app.register(rateLimit as never, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per client address: the limit runs before the key is checked, so a key's (public) prefix must not
    // choose the bucket, or anyone could spend a key holder's budget, or dodge the limit with made-up prefixes.
    keyGenerator: (request: FastifyRequest) => request.ip,
    errorResponseBuilder: (_request: FastifyRequest, context: { after: string; max: number }) =>
      new RequestError(RequestErrorCode.RateLimited, `At most ${context.max} requests a minute; retry in ${context.after}.`),
  });
  authenticateBeforeBody(app);
  // The public register's scripts and styles (built by `npm run build`); the pages set their own, stricter CSP.
  await app.register(fastifyStatic as never, { root: publicAssetsDir(), prefix: '/assets/', decorateReply: false, index: false, wildcard: false, maxAge: 3_600_000 });
  app.useGlobalPipes(validationPipe());
  const document = openApiDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/** The registry's OpenAPI document, served at /docs/openapi.json (and the source of libs/client's types). */
export function openApiDocument(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Plaza registry')
      .setDescription(
        'The public registry of smart-city data sources, the organisations that run them and their signing keys. ' +
          'Reads of public data need no key; writes need `Authorization: Bearer <API key>`. Every error is an RFC 9457 problem with a stable `code`.',
      )
      .setVersion('1')
      // From PLAZA_PUBLIC_URL, as every absolute URL the registry prints: never from Host or X-Forwarded-*.
      .addServer(config.publicUrl)
      .addBearerAuth()
      .build(),
  );
}
