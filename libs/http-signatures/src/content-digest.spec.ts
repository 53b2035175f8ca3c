import { createHash } from 'node:crypto';
import { contentDigest, verifyContentDigest } from './index.js';

// RFC 9530 section 2's example body and its sha-256 Content-Digest.
const BODY = Buffer.from('{"hello": "world"}');
const RFC_DIGEST = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';

describe('Content-Digest', () => {
  it('serialises the sha-256 digest as the RFC 9530 example does', () => {
    expect(contentDigest(BODY)).toBe(RFC_DIGEST);
  });

  it('accepts a matching sha-256 member, also beside other algorithms', () => {
    const sha512 = createHash('sha512').update(BODY).digest('base64');
    expect(verifyContentDigest(RFC_DIGEST, BODY)).toBe(true);
    expect(verifyContentDigest(`sha-512=:${sha512}:, ${RFC_DIGEST}`, BODY)).toBe(true);
  });

  it('refuses a changed body, a digest without sha-256, and a value that is not a dictionary', () => {
    const sha512 = createHash('sha512').update(BODY).digest('base64');
    expect(verifyContentDigest(RFC_DIGEST, Buffer.from('{"hello": "world!"}'))).toBe(false);
    expect(verifyContentDigest(`sha-512=:${sha512}:`, BODY)).toBe(false);
    expect(verifyContentDigest('sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=', BODY)).toBe(false);
    expect(verifyContentDigest('sha-256=:AAAA:', BODY)).toBe(false);
  });
});
