import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.js';
import { loggableError } from './loggable-error.js';
import { PROBLEM_MEDIA_TYPE, renderProblem } from './problem.js';

/**
 * The one global filter: every error leaves the registry as a problem document, including fastify's own
 * (body parsing, size limits, rate limiting), which Nest routes here through its error handler.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const problem = renderProblem(error, request, this.config.retryAfterSeconds);
    if (problem.unexpected) this.logger.error({ error: loggableError(error), requestId: request.id }, 'unexpected error');
    else if (problem.body.status === 503) this.logger.warn({ requestId: request.id, code: problem.body.code }, 'database unavailable');
    void http.getResponse<FastifyReply>().status(problem.body.status).headers(problem.headers).type(PROBLEM_MEDIA_TYPE).send(problem.body);
  }
}
