import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { findDuplicateMember } from '#plaza/json';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';

/**
 * Replaces fastify's JSON parser with a stricter one: no `__proto__` or `constructor.prototype`
 * members (prototype pollution), no member name twice in one object (JSON.parse would silently
 * keep the last, so two readers of one body could see different values), and no NUL character in
 * any text (PostgreSQL cannot store it, so it would otherwise fail as a 500 deep in a query).
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
    const nul = findNulCharacter(text, value);
    if (nul !== null) {
      return done(new RequestError(RequestErrorCode.Invalid, `The text at ${nul} contains a NUL character (U+0000), which is never accepted.`, { errors: [{ pointer: `#${nul}`, detail: 'NUL character (U+0000) not accepted' }] }), undefined);
    }
    done(null, value);
  });
}

/**
 * The JSON pointer of the first string or member name holding U+0000 (PostgreSQL text cannot store it), or null.
 * JSON text can only carry it escaped, so most bodies are cleared by one scan; the walk keeps its own stack.
 */
function findNulCharacter(text: string, value: unknown): string | null {
  if (!text.includes('\\u0000')) return null;
  const pending: [unknown, string][] = [[value, '']];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, pointer] = next;
    if (typeof item === 'string' && item.includes('\u0000')) return pointer;
    if (item === null || typeof item !== 'object') continue;
    for (const [name, member] of Object.entries(item).reverse()) {
      const at = `${pointer}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (name.includes('\u0000')) return at;
      pending.push([member, at]);
    }
  }
  return null;
}
