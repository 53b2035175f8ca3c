import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { FastifyInstance } from 'fastify';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';
import { AuthError, AuthErrorCode } from '../errors/auth-error.js';
import { AUTHENTICATOR, type Authenticator } from './authenticator.js';
import { ACCESS_METADATA, type Access, type AuthenticatedRequest } from './decorators.js';

/** The member of a Nest route's fastify config that says whether the route is public or needs a key. */
const ROUTE_ACCESS = 'plazaAccess';
type RouteAccess = 'public' | 'key';

/**
 * Authenticates before the body is read. Fastify reads and parses a body before Nest's guards run, so a guard alone
 * lets anyone without a key make the registry read (up to the body limit) and parse what they send. Here each Nest
 * route's @Public/@Allow rule (the same metadata, resolved as the guard resolves it) is written into the fastify route's
 * config, and a preParsing hook (the last step before the body is read) answers 401 on a route that needs a key when
 * no valid key is sent, and authenticates any key that is sent. preParsing rather than onRequest: the rate limit adds
 * its onRequest hooks to each route, and those run after every application-wide onRequest hook, so a flood of made-up
 * keys would otherwise be looked up before it is counted. A route with no rule needs a key (deny by default); the
 * guard then decides what the authenticated principal may do.
 *
 * Call after NestFactory.create (controllers are known) and before app.init (which registers the routes).
 */
export function authenticateBeforeBody(app: NestFastifyApplication): void {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  for (const wrapper of new DiscoveryService(app.get(ModulesContainer)).getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
    if (!controller) continue;
    const prototype = controller.prototype as Record<string, object>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const method = prototype[name]!;
      if (Reflect.getMetadata(METHOD_METADATA, method) === undefined) continue;
      const access = reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [method as never, controller]);
      const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method) as object | undefined) ?? {};
      const routeAccess: RouteAccess = access?.public ? 'public' : 'key';
      Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [ROUTE_ACCESS]: routeAccess }, method);
    }
  }
  const authenticator = app.get<Authenticator>(AUTHENTICATOR);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.addHook('preParsing', async (request: AuthenticatedRequest) => {
    const access = (request.routeOptions.config as { [ROUTE_ACCESS]?: RouteAccess })[ROUTE_ACCESS];
    if (access === undefined) {
      // No route: answered 404 before the body is read, since nothing would ever use it.
      if (request.is404) throw new RequestError(RequestErrorCode.RouteNotFound, 'No endpoint matches this method and path.');
      // Not a Nest route (assets, API docs): no key is looked at.
      return;
    }
    const header = request.headers.authorization;
    if (header === undefined) {
      if (access === 'key') throw new AuthError(AuthErrorCode.Unauthenticated, 'Send an API key as Authorization: Bearer <key>.');
      return;
    }
    request.principal = await authenticator.authenticate(header);
  });
}
