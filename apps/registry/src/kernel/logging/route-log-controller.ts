import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { isQuiet } from './quiet-request-log.js';

/**
 * fastify's request log lines, without what a client sent: one line per request with its method, the route
 * pattern it reached (`/api/v1/sources`, never the URL, whose query may hold a resident's coordinates), the status
 * and the duration (a QuietRequestLog route's answers only at debug); the request id comes with the request's logger.
 * Errors are named by their type and code only, since some of fastify's messages quote the URL.
 */
export class RouteLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.warn({ ...requestLine(request, reply), error: named(error) }, 'request ended early');
    // A quiet route's answers (QuietRequestLog) are logged only at debug; its refusals and failures as any other's.
    else if (reply.statusCode < 400 && isQuiet(request.routeOptions.config)) reply.log.debug(requestLine(request, reply), 'request completed');
    else reply.log.info(requestLine(request, reply), 'request completed');
  }

  override defaultErrorLog(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log[reply.statusCode >= 500 ? 'error' : 'info']({ status: reply.statusCode, error: named(error) }, 'request failed');
  }

  // The completion line says 404 with no route.
  override routeNotFound(): void {}

  override streamError(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn({ error: named(error) }, 'response stream failed');
  }

  override writeHeadError(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn({ error: named(error) }, 'could not write the response head');
  }

  override serializerError(error: Error, _request: FastifyRequest, reply: FastifyReply, metadata: { statusCode: number }): void {
    reply.log.error({ status: metadata.statusCode, error: named(error) }, 'could not serialise the response');
  }
}

/** The one line a request leaves in the log (also for the router's refusals, which fastify does not log). */
export function requestLine(request: FastifyRequest, reply: FastifyReply) {
  return { method: request.method, route: request.routeOptions.url ?? null, status: reply.statusCode, durationMs: Math.round(reply.elapsedTime) };
}

const named = (error: Error) => ({ type: error.name, code: (error as { code?: unknown }).code });
