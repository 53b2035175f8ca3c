import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loggableError } from './loggable-error.js';
import { PROBLEM_SETTINGS, type ProblemSettings } from './problem-table.js';
import { PROBLEM_MEDIA_TYPE, renderProblem } from './problem.js';

/**
 * The one global filter: every error leaves the registry as a problem document, including fastify's own
 * (body parsing, size limits, rate limiting), which Nest routes here through its error handler.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  constructor(@Inject(PROBLEM_SETTINGS) private readonly problems: ProblemSettings) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const problem = renderProblem(error, request, this.problems);
    if (problem.unexpected) this.logger.error({ error: loggableError(error), requestId: request.id }, 'unexpected error');
    else if (problem.body.status === 503) this.logger.warn({ requestId: request.id, code: problem.body.code }, 'database unavailable');
    void http.getResponse<FastifyReply>().status(problem.body.status).headers(problem.headers).type(PROBLEM_MEDIA_TYPE).send(problem.body);
  }
}
