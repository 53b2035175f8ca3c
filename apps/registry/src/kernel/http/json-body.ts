import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { inspectJson, type JsonFinding } from '#plaza/json';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';

/** Replaces fastify's JSON parser with readJsonBody. */
export function registerStrictJson(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, readJsonBody(body as string));
    } catch (error) {
      done(error as RequestError, undefined);
    }
  });
}

/**
 * Reads a JSON body strictly: no `__proto__` or `constructor.prototype` members (prototype pollution), no member
 * name twice in one object (JSON.parse would silently keep the last, so two readers of one body could see different
 * values), no NUL character and no lone surrogate in any text (PostgreSQL cannot store either, so they would
 * otherwise fail as a 500 deep in a query), nothing nested deeper than MAX_JSON_DEPTH and no object wider than
 * MAX_JSON_MEMBERS. Linear in the body: one parse, then one inspection pass. Throws RequestError; undefined for an
 * empty body.
 */
export function readJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (/prototype property|forbidden/i.test((error as Error).message)) {
      throw new RequestError(RequestErrorCode.ForbiddenMember, 'The body contains a __proto__ or constructor.prototype member, which is never accepted.');
    }
    throw new RequestError(RequestErrorCode.MalformedJson, `The body is not valid JSON: ${(error as Error).message}`);
  }
  const finding = inspectJson(text, { maxDepth: MAX_JSON_DEPTH, maxMembers: MAX_JSON_MEMBERS });
  if (finding !== null) throw refusal(finding);
  return value;
}

/** The deepest nesting a JSON body may have; no Plaza request needs more, and deeper bodies only cost work. */
export const MAX_JSON_DEPTH = 64;
/**
 * The most members one object of a body may have. No Plaza request needs more than a few dozen, and class-transformer
 * (the validation pipe) is quadratic in the members of one object: 85,000 of them held the process for 25 s.
 */
export const MAX_JSON_MEMBERS = 1_000;

function refusal({ flaw, pointer }: JsonFinding): RequestError {
  const errors = (detail: string) => ({ errors: [{ pointer: `#${pointer}`, detail }] });
  switch (flaw) {
    case 'duplicate_member':
      return new RequestError(RequestErrorCode.DuplicateMember, `The member ${pointer} appears more than once in its object.`, errors('duplicate member'));
    case 'too_deep':
      return new RequestError(RequestErrorCode.TooDeep, `The body is nested deeper than ${MAX_JSON_DEPTH} levels at ${pointer}.`, errors(`nested deeper than ${MAX_JSON_DEPTH} levels`));
    case 'too_many_members':
      return new RequestError(RequestErrorCode.TooManyMembers, `The object at ${pointer || 'the top'} has more than ${MAX_JSON_MEMBERS} members.`, errors(`more than ${MAX_JSON_MEMBERS} members`));
    case 'nul_character':
      return new RequestError(RequestErrorCode.Invalid, `The text at ${pointer} contains a NUL character (U+0000), which is never accepted.`, errors('NUL character (U+0000) not accepted'));
    case 'lone_surrogate':
      return new RequestError(
        RequestErrorCode.Invalid,
        `The text at ${pointer} contains an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is not Unicode text.`,
        errors('unpaired UTF-16 surrogate not accepted'),
      );
  }
}
