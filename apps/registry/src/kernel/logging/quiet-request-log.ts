import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';

/** The member of a fastify route's config that marks it quiet (read by RouteLogController). */
export const QUIET_REQUEST_LOG = 'plazaQuietRequestLog';

/**
 * For a route called at a high rate (the exchange's submissions): a request it answers below 400 leaves its line at
 * debug, not info, so the log at the default level is not one line an event; a refusal (4xx) or failure (5xx) is
 * logged as on any route. Merged into the route's fastify config, beside what other decorators put there.
 */
export function QuietRequestLog(): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as object | undefined) ?? {};
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [QUIET_REQUEST_LOG]: true }, handler);
    return descriptor;
  };
}

/** Whether a route's config marks it quiet. */
export const isQuiet = (config: unknown): boolean => (config as { [QUIET_REQUEST_LOG]?: unknown } | undefined)?.[QUIET_REQUEST_LOG] === true;
