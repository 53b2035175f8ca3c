import { generateKeyPairSync, sign } from 'node:crypto';
import { serializeDictionary } from 'structured-headers';
import { contentDigest, NonceCache, signatureBase, signRequest, verifyRequest } from './index.js';
import type { HttpRequest, SignatureParameters, SignOptions, VerifyOptions } from './index.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const KEYID = 'plaza-delivery-2026-01';
const TAG = 'plaza-delivery';
const CREATED = 1_767_225_600;
const BODY = Buffer.from('{"pm25":12}');

function delivery(): HttpRequest {
  return {
    method: 'POST',
    url: 'https://hooks.example.org/plaza/events?subscription=7',
    headers: {
      'content-type': 'application/json',
      'content-digest': contentDigest(BODY),
      'ce-specversion': '1.0',
      'ce-id': 'r-1',
      'ce-source': 'urn:city:sensor:7',
      'ce-type': 'air.reading',
      'ce-time': '2026-01-01T00:00:00Z',
    },
    body: BODY,
  };
}

const signing: SignOptions = { key: privateKey, keyid: KEYID, created: CREATED, expires: CREATED + 300, nonce: 'n-1', tag: TAG };
const verifying: VerifyOptions = { keys: (keyid) => (keyid === KEYID ? publicKey : undefined), tag: TAG, now: CREATED + 1 };

function signed(request = delivery(), options: Partial<SignOptions> = {}): HttpRequest {
  return { ...request, headers: { ...request.headers, ...signRequest(request, { ...signing, ...options }) } };
}

/** Signs with any components and parameters, to build what signRequest would never produce. */
function signedWith(request: HttpRequest, components: string[], params: SignatureParameters): HttpRequest {
  const signature = sign(null, Buffer.from(signatureBase(request, components, params), 'ascii'), privateKey);
  const inputs = new Map([['sig1', [components.map((name) => [name, new Map()]), new Map(Object.entries(params))]]]);
  return {
    ...request,
    headers: {
      ...request.headers,
      'signature-input': serializeDictionary(inputs as Parameters<typeof serializeDictionary>[0]),
      signature: serializeDictionary({ sig1: [new Uint8Array(signature), new Map()] }),
    },
  };
}

const COMPONENTS = ['@method', '@target-uri', 'content-type', 'content-digest', 'ce-id', 'ce-source', 'ce-specversion', 'ce-time', 'ce-type'];
const PARAMS = { created: CREATED, expires: CREATED + 300, nonce: 'n-1', alg: 'ed25519', keyid: KEYID, tag: TAG };

describe('signRequest', () => {
  it('covers the delivery components and every ce-* header in sorted order, with the parameters in a fixed order', () => {
    const request = delivery();
    const headers = signRequest({ ...request, headers: { ...request.headers, 'CE-Region': 'north' } }, signing);
    expect(headers['signature-input']).toBe(
      'sig1=("@method" "@target-uri" "content-type" "content-digest" "ce-id" "ce-region" "ce-source" "ce-specversion" "ce-time" "ce-type")' +
        `;created=${CREATED};expires=${CREATED + 300};nonce="n-1";alg="ed25519";keyid="${KEYID}";tag="${TAG}"`,
    );
    expect(headers.signature).toMatch(/^sig1=:[A-Za-z0-9+/]{86}==:$/);
  });

  it('uses the label it is given', () => {
    const headers = signRequest(delivery(), { ...signing, label: 'plaza' });
    expect(headers['signature-input']).toMatch(/^plaza=\(/);
    expect(headers.signature).toMatch(/^plaza=:/);
  });

  it('refuses a validity over 300 seconds, a request without a matching Content-Digest, and a key that is not Ed25519', () => {
    expect(() => signRequest(delivery(), { ...signing, expires: CREATED + 301 })).toThrow('at most 300 s');
    const tampered = { ...delivery(), body: Buffer.from('{"pm25":13}') };
    expect(() => signRequest(tampered, signing)).toThrow('Content-Digest');
    expect(() => signRequest(delivery(), { ...signing, key: publicKey })).toThrow('Ed25519 private key');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => signRequest(delivery(), { ...signing, key: p256 })).toThrow('Ed25519 private key');
  });
});

describe('verifyRequest', () => {
  it('accepts a signed delivery and reports its keyid, nonce and times', () => {
    expect(verifyRequest(signed(), verifying)).toEqual({ ok: true, keyid: KEYID, nonce: 'n-1', created: CREATED, expires: CREATED + 300 });
  });

  it('accepts the test helper signature built from the same profile (so the crafted refusals below fail only where they differ)', () => {
    expect(verifyRequest(signedWith(delivery(), COMPONENTS, PARAMS), verifying)).toMatchObject({ ok: true });
  });

  it('accepts a repeated header as Node delivers it (an array) when it was signed joined', () => {
    const request = delivery();
    const sent = signed({ ...request, headers: { ...request.headers, 'ce-traceparent': 'a, b' } });
    expect(verifyRequest({ ...sent, headers: { ...sent.headers, 'ce-traceparent': ['a', 'b'] } }, verifying).ok).toBe(true);
  });

  it('picks the signature with its tag among others in the same headers', () => {
    const mine = signed();
    const other = signRequest(delivery(), { ...signing, tag: 'someone-else', label: 'proxy' });
    const headers = {
      ...mine.headers,
      'signature-input': [other['signature-input'], mine.headers['signature-input'] as string],
      signature: `${other.signature}, ${mine.headers.signature as string}`,
    };
    expect(verifyRequest({ ...mine, headers }, verifying).ok).toBe(true);
  });

  it('refuses a tampered body: the Content-Digest no longer matches', () => {
    expect(verifyRequest({ ...signed(), body: Buffer.from('{"pm25":99}') }, verifying)).toEqual({
      ok: false,
      reason: 'Content-Digest does not match the body',
    });
  });

  it('refuses a tampered ce-* header', () => {
    const sent = signed();
    const result = verifyRequest({ ...sent, headers: { ...sent.headers, 'ce-source': 'urn:city:sensor:8' } }, verifying);
    expect(result).toEqual({ ok: false, reason: 'the signature does not verify' });
  });

  it('refuses a ce-* header added after signing, which the signature does not cover', () => {
    const sent = signed();
    const result = verifyRequest({ ...sent, headers: { ...sent.headers, 'ce-subject': 'added' } }, verifying);
    expect(result).toEqual({ ok: false, reason: 'the signature does not cover ce-subject' });
  });

  it('refuses a request delivered to another target URI than the one signed', () => {
    const sent = signed();
    const result = verifyRequest({ ...sent, url: 'https://hooks.example.org/plaza/events?subscription=8' }, verifying);
    expect(result).toEqual({ ok: false, reason: 'the signature does not verify' });
  });

  it('refuses an expired signature, past the clock skew', () => {
    expect(verifyRequest(signed(), { ...verifying, now: CREATED + 300 + 5 }).ok).toBe(true);
    expect(verifyRequest(signed(), { ...verifying, now: CREATED + 300 + 6 })).toEqual({ ok: false, reason: 'the signature has expired' });
  });

  it('refuses a signature created in the future, past the clock skew', () => {
    expect(verifyRequest(signed(), { ...verifying, now: CREATED - 6 })).toEqual({ ok: false, reason: 'created is in the future' });
  });

  it('refuses a signature older than maxAgeSeconds', () => {
    expect(verifyRequest(signed(), { ...verifying, now: CREATED + 61, maxAgeSeconds: 60 })).toEqual({
      ok: false,
      reason: 'the signature is older than allowed',
    });
  });

  it('refuses expires more than 300 seconds after created, and expires missing', () => {
    const long = signedWith(delivery(), COMPONENTS, { ...PARAMS, expires: CREATED + 301 });
    expect(verifyRequest(long, verifying)).toEqual({ ok: false, reason: 'expires is not within 300 s after created' });
    const { expires: _omitted, ...withoutExpires } = PARAMS;
    expect(verifyRequest(signedWith(delivery(), COMPONENTS, withoutExpires), verifying)).toEqual({ ok: false, reason: 'expires is missing' });
  });

  it('refuses a signature with another tag', () => {
    expect(verifyRequest(signed(delivery(), { tag: 'plaza-test' }), verifying)).toEqual({
      ok: false,
      reason: 'no signature carries the tag "plaza-delivery"',
    });
  });

  it('refuses another alg, and a missing one', () => {
    const rsa = signedWith(delivery(), COMPONENTS, { ...PARAMS, alg: 'rsa-pss-sha512' });
    expect(verifyRequest(rsa, verifying)).toEqual({ ok: false, reason: 'alg is not "ed25519"' });
    const { alg: _omitted, ...withoutAlg } = PARAMS;
    expect(verifyRequest(signedWith(delivery(), COMPONENTS, withoutAlg), verifying)).toEqual({ ok: false, reason: 'alg is not "ed25519"' });
  });

  it('refuses an unknown keyid', () => {
    expect(verifyRequest(signed(delivery(), { keyid: 'retired-key' }), verifying)).toEqual({ ok: false, reason: 'unknown keyid "retired-key"' });
  });

  it('refuses a signature by another key under a trusted keyid', () => {
    const stranger = generateKeyPairSync('ed25519').privateKey;
    expect(verifyRequest(signed(delivery(), { key: stranger }), verifying)).toEqual({ ok: false, reason: 'the signature does not verify' });
  });

  it('refuses a signature without content-digest among its components, even when the caller does not require it', () => {
    const withoutDigest = signedWith(delivery(), COMPONENTS.filter((name) => name !== 'content-digest'), PARAMS);
    const reason = { ok: false, reason: 'the signature does not cover content-digest' };
    expect(verifyRequest(withoutDigest, verifying)).toEqual(reason);
    expect(verifyRequest(withoutDigest, { ...verifying, requiredComponents: ['@method'] })).toEqual(reason);
  });

  it('refuses a signature without a required component', () => {
    const withoutTarget = signedWith(delivery(), COMPONENTS.filter((name) => name !== '@target-uri'), PARAMS);
    expect(verifyRequest(withoutTarget, verifying)).toEqual({ ok: false, reason: 'the signature does not cover @target-uri' });
  });

  it('refuses a request without signature headers, and headers that are not structured dictionaries', () => {
    expect(verifyRequest(delivery(), verifying)).toEqual({ ok: false, reason: 'Signature-Input or Signature is missing' });
    const sent = signed();
    const garbled = { ...sent, headers: { ...sent.headers, signature: 'sig1=:not base64' } };
    expect(verifyRequest(garbled, verifying)).toEqual({ ok: false, reason: 'Signature-Input or Signature is not a structured dictionary' });
  });

  it('refuses a replayed nonce through a NonceCache', () => {
    const nonces = new NonceCache({ now: () => CREATED + 1 });
    const options = { ...verifying, seenNonce: nonces.seen };
    expect(verifyRequest(signed(), options).ok).toBe(true);
    expect(verifyRequest(signed(), options)).toEqual({ ok: false, reason: 'the nonce was seen before' });
    expect(verifyRequest(signed(delivery(), { nonce: 'n-2' }), options).ok).toBe(true);
  });

  it('does not let a forged request burn the nonce of a genuine one', () => {
    const nonces = new NonceCache({ now: () => CREATED + 1 });
    const options = { ...verifying, seenNonce: nonces.seen };
    const forged = signed(delivery(), { key: generateKeyPairSync('ed25519').privateKey });
    expect(verifyRequest(forged, options).ok).toBe(false);
    expect(verifyRequest(signed(), options).ok).toBe(true);
  });
});
