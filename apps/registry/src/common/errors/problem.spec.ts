import { PayloadTooLargeException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { SourceError, SourceErrorCode } from '../../sources/source-error.js';
import { renderProblem } from './problem.js';
import { PROBLEM_CATALOG } from './problem-catalog.js';

const request = { id: 'req-123', url: '/api/v1/sources?limit=5', routeOptions: { url: '/api/v1/sources' } };

describe('renderProblem', () => {
  it('renders a feature error with its catalogued status, stable code and the request id', () => {
    const { body, unexpected } = renderProblem(new SourceError(SourceErrorCode.NotFound, 'There is no data source x.'), request, 5);
    expect(body).toEqual({
      type: 'urn:plaza:problem:source.not_found',
      title: PROBLEM_CATALOG[SourceErrorCode.NotFound].title,
      status: 404,
      detail: 'There is no data source x.',
      code: 'source.not_found',
      instance: '/api/v1/sources',
      requestId: 'req-123',
    });
    expect(unexpected).toBe(false);
  });

  it('turns an unknown error into a 500 that reveals neither its message, its stack nor its SQL', () => {
    const error = new QueryFailedError('SELECT secret FROM api_keys WHERE hash = $1', ['x'], new Error('column "secret" does not exist'));
    const { body, unexpected } = renderProblem(error, request, 5);
    expect(body).toMatchObject({ status: 500, code: 'service.internal', requestId: 'req-123' });
    expect(JSON.stringify(body)).not.toMatch(/SELECT|secret|api_keys|at .*:\d+/);
    expect(unexpected).toBe(true);
  });

  it('answers 503 with Retry-After when the database cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { body, headers } = renderProblem(refused, request, 9);
    expect(body).toMatchObject({ status: 503, code: 'service.database_unavailable' });
    expect(headers['retry-after']).toBe('9');
  });

  it("keeps fastify's own codes when Nest wraps them", () => {
    const wrapped = new PayloadTooLargeException('too large', { cause: Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }) });
    expect(renderProblem(wrapped, request, 5).body).toMatchObject({ status: 413, code: 'request.body_too_large' });
  });

  it('names no instance for a request that reached no route, so a client-chosen URL is never echoed', () => {
    const badUrl = Object.assign(new URIError("'/%E0%A4%A' is not a valid url component"), { code: 'FST_ERR_BAD_URL' });
    const { body } = renderProblem(badUrl, { id: 'req-1', url: '/%E0%A4%A', routeOptions: {} }, 5);
    expect(body).toMatchObject({ status: 400, code: 'request.malformed_url' });
    expect(body.instance).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('%E0');
  });

  it('has a 4xx or 5xx status and a title for every code', () => {
    for (const [code, entry] of Object.entries(PROBLEM_CATALOG)) {
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.title.length).toBeGreaterThan(0);
      expect(code).toMatch(/^[a-z_]+\.[a-z_]+$/);
    }
  });
});
