import { type INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_METADATA, type Access } from '../../apps/registry/src/kernel/auth/decorators.js';

/** One HTTP route of the running app, as Nest registered it, with the access rule AccessGuard will read. */
export interface AppRoute {
  method: string;
  /** Full path template, e.g. `/api/v1/organisations/:slug/members/:memberId`. */
  path: string;
  /** Path parameter names, in order. */
  params: string[];
  /** Whether the handler reads a request body (@Body()). */
  takesBody: boolean;
  /** What AccessGuard resolves for this handler (handler metadata, else controller metadata). */
  access: Access | undefined;
  /** `Controller.method`, for messages. */
  handler: string;
  /** False for a controller marked @ApiExcludeController (the public register's HTML pages), which the OpenAPI document leaves out. */
  documented: boolean;
}

// @nestjs/swagger's metadata key for @ApiExcludeController (its constants module is not among the package's exports).
const API_EXCLUDE_CONTROLLER = 'swagger/apiExcludeController';

export const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

function joinPath(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function asList(value: unknown): string[] {
  if (value === undefined) return ['/'];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/**
 * Every controller route of the running app, discovered from Nest's module container and the routing
 * metadata on each handler: nothing here is a hand-written list.
 */
export function discoverRoutes(app: INestApplication): AppRoute[] {
  const discovery = new DiscoveryService(app.get(ModulesContainer));
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: AppRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!controller || typeof controller !== 'function') continue;
    const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
      const methodCode = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
      if (methodCode === undefined || methodPaths === undefined) continue; // not a route handler
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, unknown>;
      const takesBody = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
      const access = reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [handler, controller]);
      const documented = !(Reflect.getMetadata(API_EXCLUDE_CONTROLLER, controller) as boolean[] | undefined)?.[0];
      for (const prefix of prefixes) {
        for (const methodPath of asList(methodPaths)) {
          const path = joinPath(prefix, methodPath);
          routes.push({
            method: RequestMethod[methodCode],
            path,
            params: [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!),
            takesBody,
            access,
            handler: `${controller.name}.${name}`,
            documented,
          });
        }
      }
    }
  }
  return routes.sort((a, b) => routeKey(a).localeCompare(routeKey(b)));
}

/**
 * Every method and path in fastify's own routing table, read from printRoutes():
 * this sees routes registered beside Nest (plugins, raw fastify routes) that Nest's metadata cannot.
 */
export function fastifyRoutes(app: INestApplication): { method: string; path: string }[] {
  const fastify = app.getHttpAdapter().getInstance() as { printRoutes(options: { commonPrefix: boolean }): string };
  // With common prefixes: without them, find-my-way prints a wildcard route (`/log/tile/*`) without its static prefix.
  const tree = fastify.printRoutes({ commonPrefix: true });
  const stack: string[] = [];
  const routes: { method: string; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    if (!Number.isInteger(depth)) throw new Error(`Unexpected line in fastify's route tree: ${JSON.stringify(line)}`);
    stack.length = depth;
    stack.push(match[2]!);
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) {
      routes.push({ method, path: stack.join('') });
    }
  }
  return routes;
}
