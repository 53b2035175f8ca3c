import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { findDuplicateMember } from '#plaza/json';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';

/**
 * Replaces fastify's JSON parser with a stricter one: no `__proto__` or `constructor.prototype`
 * members (prototype pollution), and no member name twice in one object (JSON.parse would silently
 * keep the last, so two readers of one body could see different values).
 */
export function registerStrictJson(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    let value: unknown;
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (error) {
      const forbidden = /prototype property|forbidden/i.test((error as Error).message);
      return done(
        forbidden
          ? new RequestError(RequestErrorCode.ForbiddenMember, 'The body contains a __proto__ or constructor.prototype member, which is never accepted.')
          : new RequestError(RequestErrorCode.MalformedJson, `The body is not valid JSON: ${(error as Error).message}`),
        undefined,
      );
    }
    const duplicate = findDuplicateMember(text);
    if (duplicate !== null) {
      return done(new RequestError(RequestErrorCode.DuplicateMember, `The member ${duplicate} appears more than once in its object.`, { errors: [{ pointer: `#${duplicate}`, detail: 'duplicate member' }] }), undefined);
    }
    done(null, value);
  });
}
