import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../kernel/errors/auth-error.js';
import { PROBLEM_SETTINGS, type ProblemSettings } from '../kernel/errors/problem-table.js';
import { PROBLEM_MEDIA_TYPE, renderProblem } from '../kernel/errors/problem.js';
import { PageRenderer } from './page-renderer.js';
import { errorPage } from './views/error.js';

/**
 * Errors on a page are pages: a record that is not public (or not there) is a 404 page, an invalid address a 400
 * page, in the reader's language. The status is the one the API would give, from the same table. A refused API key
 * (a program, not a browser, sends one) gets the API's problem document, as on every other route.
 */
@Catch()
export class PageErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('PublicSite');

  constructor(
    @Inject(PROBLEM_SETTINGS) private readonly problems: ProblemSettings,
    @Inject(PageRenderer) private readonly pages: PageRenderer,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = renderProblem(error, request, this.problems);
    if (problem.unexpected) this.logger.error({ err: error, requestId: request.id }, 'unexpected error');
    if (error instanceof AuthError) {
      void reply.status(problem.body.status).headers(problem.headers).type(PROBLEM_MEDIA_TYPE).send(problem.body);
      return;
    }
    const lang = (request.query as { lang?: unknown } | undefined)?.lang;
    const locale = this.pages.locale(request, lang === 'fr' || lang === 'en' ? lang : undefined);
    const { title, content } = errorPage(locale, problem.body.status, request.id);
    void reply.headers(problem.headers);
    this.pages.send(reply, request, { locale, title, section: null }, content, problem.body.status);
  }
}
