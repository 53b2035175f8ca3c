import { PayloadTooLargeException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { PlazaError } from './plaza-error.js';
import { renderProblem } from './problem.js';
import { ProblemCatalogue, type ProblemTable } from './problem-table.js';
import { REQUEST_PROBLEMS, SERVICE_PROBLEMS } from './request-error.js';
import { AUTH_PROBLEMS } from './auth-error.js';

enum ThingErrorCode {
  NotFound = 'thing.not_found',
  NotReady = 'thing.not_ready',
}
class ThingError extends PlazaError<ThingErrorCode> {}
const THING_PROBLEMS: ProblemTable<ThingErrorCode> = {
  [ThingErrorCode.NotFound]: { status: 404, title: 'No such thing' },
  [ThingErrorCode.NotReady]: { status: 503, title: 'The thing is not ready yet' },
};

const settings = (retryAfterSeconds: number, tables = [REQUEST_PROBLEMS, SERVICE_PROBLEMS, AUTH_PROBLEMS, THING_PROBLEMS]) => ({
  catalogue: new ProblemCatalogue(tables),
  retryAfterSeconds,
});

const request = { id: 'req-123', url: '/api/v1/sources?limit=5', routeOptions: { url: '/api/v1/sources' } };

describe('renderProblem', () => {
  it('renders a feature error with its catalogued status, stable code and the request id', () => {
    const { body, unexpected } = renderProblem(new ThingError(ThingErrorCode.NotFound, 'There is no thing x.'), request, settings(5));
    expect(body).toEqual({
      type: 'urn:plaza:problem:thing.not_found',
      title: 'No such thing',
      status: 404,
      detail: 'There is no thing x.',
      code: 'thing.not_found',
      instance: '/api/v1/sources',
      requestId: 'req-123',
    });
    expect(unexpected).toBe(false);
  });

  it('turns an unknown error into a 500 that reveals neither its message, its stack nor its SQL', () => {
    const error = new QueryFailedError('SELECT secret FROM api_keys WHERE hash = $1', ['x'], new Error('column "secret" does not exist'));
    const { body, unexpected } = renderProblem(error, request, settings(5));
    expect(body).toMatchObject({ status: 500, code: 'service.internal', requestId: 'req-123' });
    expect(JSON.stringify(body)).not.toMatch(/SELECT|secret|api_keys|at .*:\d+/);
    expect(unexpected).toBe(true);
  });

  it('answers 503 with Retry-After when the database cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { body, headers } = renderProblem(refused, request, settings(9));
    expect(body).toMatchObject({ status: 503, code: 'service.database_unavailable' });
    expect(headers['retry-after']).toBe('9');
  });

  it('tells when to try again on every 503, a feature\'s as well (a file not built yet)', () => {
    const { body, headers } = renderProblem(new ThingError(ThingErrorCode.NotReady, 'Not yet.'), request, settings(4));
    expect(body).toMatchObject({ status: 503, code: 'thing.not_ready' });
    expect(headers['retry-after']).toBe('4');
    expect(renderProblem(new ThingError(ThingErrorCode.NotFound, 'No.'), request, settings(4)).headers['retry-after']).toBeUndefined();
  });

  it("keeps fastify's own codes when Nest wraps them", () => {
    const wrapped = new PayloadTooLargeException('too large', { cause: Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }) });
    expect(renderProblem(wrapped, request, settings(5)).body).toMatchObject({ status: 413, code: 'request.body_too_large' });
  });

  it('names no instance for a request that reached no route, so a client-chosen URL is never echoed', () => {
    const badUrl = Object.assign(new URIError("'/%E0%A4%A' is not a valid url component"), { code: 'FST_ERR_BAD_URL' });
    const { body } = renderProblem(badUrl, { id: 'req-1', url: '/%E0%A4%A', routeOptions: {} }, settings(5));
    expect(body).toMatchObject({ status: 400, code: 'request.malformed_url' });
    expect(body.instance).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('%E0');
  });

  it('answers 500 for a code whose table the catalogue lacks: the registry forgot it, the caller did nothing wrong', () => {
    const { body, unexpected } = renderProblem(new ThingError(ThingErrorCode.NotFound, 'x'), request, settings(5, [REQUEST_PROBLEMS, SERVICE_PROBLEMS, AUTH_PROBLEMS]));
    expect(body).toMatchObject({ status: 500, code: 'service.internal' });
    expect(unexpected).toBe(true);
  });

  it('refuses a catalogue in which two tables claim one code', () => {
    expect(() => new ProblemCatalogue([THING_PROBLEMS, { [ThingErrorCode.NotFound]: { status: 410, title: 'Gone' } }])).toThrow(/thing\.not_found/);
  });
});
