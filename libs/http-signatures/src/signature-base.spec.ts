import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { signatureBase } from './index.js';
import type { HttpRequest } from './index.js';

/*
 * RFC 9421 Appendix B.1.4 (the Ed25519 test key "test-key-ed25519"), B.2 (the test request) and B.2.6
 * (signing it with Ed25519). Ed25519 is deterministic, so the published signature is reproduced exactly.
 */
const RFC_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----`;
const RFC_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----`;
const RFC_REQUEST: HttpRequest = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    host: 'example.com',
    date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'content-type': 'application/json',
    'content-digest':
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'content-length': '18',
  },
  body: Buffer.from('{"hello": "world"}'),
};
const B26_COMPONENTS = ['date', '@method', '@path', '@authority', 'content-type', 'content-length'];
const B26_PARAMS = { created: 1618884473, keyid: 'test-key-ed25519' };
const B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');
const B26_SIGNATURE = 'wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==';

describe('RFC 9421 B.2.6 (Ed25519)', () => {
  it('builds the published signature base', () => {
    expect(signatureBase(RFC_REQUEST, B26_COMPONENTS, B26_PARAMS)).toBe(B26_BASE);
  });

  it('reproduces the published signature with the published key, and the public key verifies it', () => {
    const base = Buffer.from(signatureBase(RFC_REQUEST, B26_COMPONENTS, B26_PARAMS), 'ascii');
    expect(sign(null, base, createPrivateKey(RFC_PRIVATE_KEY)).toString('base64')).toBe(B26_SIGNATURE);
    expect(verify(null, base, createPublicKey(RFC_PUBLIC_KEY), Buffer.from(B26_SIGNATURE, 'base64'))).toBe(true);
  });
});

describe('signatureBase', () => {
  it('lays out a delivery: the absolute target URI, canonical field values, then the parameters in order', () => {
    const request: HttpRequest = {
      method: 'POST',
      url: 'HTTPS://Hooks.Example.org:443/plaza/in?sub=7#ignored',
      headers: {
        'Content-Type': ' application/cloudevents+json ',
        'ce-source': 'urn:city:sensor:7',
        'ce-type': ['air.reading', '\tsecond'],
      },
      body: Buffer.alloc(0),
    };
    const base = signatureBase(request, ['@method', '@target-uri', 'content-type', 'ce-source', 'ce-type'], {
      created: 1767225600,
      expires: 1767225900,
      nonce: 'n-1',
      alg: 'ed25519',
      keyid: 'k1',
      tag: 'plaza-delivery',
    });
    expect(base).toBe(
      [
        '"@method": POST',
        '"@target-uri": https://hooks.example.org/plaza/in?sub=7',
        '"content-type": application/cloudevents+json',
        '"ce-source": urn:city:sensor:7',
        '"ce-type": air.reading, second',
        '"@signature-params": ("@method" "@target-uri" "content-type" "ce-source" "ce-type");created=1767225600;expires=1767225900;nonce="n-1";alg="ed25519";keyid="k1";tag="plaza-delivery"',
      ].join('\n'),
    );
  });

  it('replaces an obsolete line fold with one space', () => {
    const request = { ...RFC_REQUEST, headers: { 'x-folded': 'first part \r\n   second part' } };
    expect(signatureBase(request, ['x-folded'], {})).toBe('"x-folded": first part second part\n"@signature-params": ("x-folded")');
  });

  it('keeps the method as sent, without upper-casing it', () => {
    expect(signatureBase({ ...RFC_REQUEST, method: 'post' }, ['@method'], {})).toMatch(/^"@method": post\n/);
  });

  it('derives @query ("?" when there is none), @path ("/" when empty) and @scheme from the URL', () => {
    const base = signatureBase({ ...RFC_REQUEST, url: 'http://example.com' }, ['@query', '@path', '@scheme'], {});
    expect(base.split('\n').slice(0, 3)).toEqual(['"@query": ?', '"@path": /', '"@scheme": http']);
    expect(signatureBase(RFC_REQUEST, ['@query'], {})).toMatch(/^"@query": \?param=Value&Pet=dog\n/);
  });

  it('refuses an absent field, a repeated component, an unsupported one and a field name not lower-cased', () => {
    expect(() => signatureBase(RFC_REQUEST, ['ce-id'], {})).toThrow('the covered field ce-id is absent');
    expect(() => signatureBase(RFC_REQUEST, ['date', 'date'], {})).toThrow('listed twice');
    expect(() => signatureBase(RFC_REQUEST, ['@request-target'], {})).toThrow('not supported');
    expect(() => signatureBase(RFC_REQUEST, ['Date'], {})).toThrow('not lower-cased');
  });

  it('refuses a field value outside US-ASCII and a target URI with user information', () => {
    const request = { ...RFC_REQUEST, headers: { 'ce-subject': 'Fryslân' } };
    expect(() => signatureBase(request, ['ce-subject'], {})).toThrow('not US-ASCII');
    expect(() => signatureBase({ ...RFC_REQUEST, url: 'https://u:p@example.com/' }, ['@target-uri'], {})).toThrow('user information');
  });
});
