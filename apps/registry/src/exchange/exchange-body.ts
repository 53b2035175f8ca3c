import type { FastifyInstance } from 'fastify';
import { ExchangeError, ExchangeErrorCode } from './exchange-error.js';

/** The routes that take CloudEvents: their bodies are read as raw bytes, whatever the Content-Type says. */
export const EXCHANGE_SUBMIT_PATHS: ReadonlySet<string> = new Set(['/api/v1/exchange/events', '/api/v1/exchange/events/dry-run']);

// An internal media type: the exchange's requests are switched to it so that one parser hands over the exact bytes.
const RAW_MEDIA_TYPE = 'application/x-plaza-exchange-raw';

/**
 * Signatures cover the exact bytes received, and binary mode carries any Content-Type (often application/json,
 * which the registry's strict JSON parser would otherwise parse). So on the exchange's POST routes the Content-Type
 * is switched, before the body is read, to a parser that keeps it as a Buffer; the mode is decided later from the
 * headers as received (`rawHeaders`, untouched). The size limit (PLAZA_EXCHANGE_BODY_LIMIT_BYTES) applies while
 * reading, so an oversized body is a 413 before anything is parsed. Compressed bodies are refused before reading:
 * nothing is ever decompressed, so a gzip bomb costs no memory.
 */
export function registerExchangeBody(fastify: FastifyInstance, bodyLimitBytes: number): void {
  fastify.addContentTypeParser(RAW_MEDIA_TYPE, { parseAs: 'buffer', bodyLimit: bodyLimitBytes }, (_request, body, done) => done(null, body));
  fastify.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' || !EXCHANGE_SUBMIT_PATHS.has(request.routeOptions.url ?? '')) return;
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      throw new ExchangeError(
        ExchangeErrorCode.ContentEncodingUnsupported,
        `Content-Encoding "${encoding.slice(0, 40)}" is not accepted: send the signed bytes uncompressed (the registry never decompresses).`,
      );
    }
    request.headers['content-type'] = RAW_MEDIA_TYPE;
  });
}
