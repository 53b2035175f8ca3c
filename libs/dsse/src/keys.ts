import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { DsseError } from './errors.js';
import type { KeyInput } from './types.js';

/** The two supported signature algorithms (JOSE names). */
export type Algorithm = 'Ed25519' | 'ES256';

const publicCache = new WeakMap<object, KeyObject>();

function keyObject(input: KeyInput, kind: 'private' | 'public'): KeyObject {
  if (input instanceof KeyObject) {
    if (kind === 'private' && input.type !== 'private') throw new DsseError('invalid_sign_input', 'signing needs a private key');
    return kind === 'public' && input.type === 'private' ? createPublicKey(input) : input;
  }
  try {
    if (typeof input === 'string') return kind === 'private' ? createPrivateKey(input) : createPublicKey(input);
    if (kind === 'public') {
      const cached = publicCache.get(input);
      if (cached) return cached;
      const key = createPublicKey({ key: input, format: 'jwk' });
      publicCache.set(input, key);
      return key;
    }
    return createPrivateKey({ key: input, format: 'jwk' });
  } catch (e) {
    throw new DsseError(kind === 'private' ? 'invalid_sign_input' : 'unsupported_key', `cannot read the ${kind} key: ${(e as Error).message}`);
  }
}

/** The algorithm of a key, or a DsseError `unsupported_key` (`invalid_sign_input` when signing). */
export function algorithmOf(key: KeyObject, signing = false): Algorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new DsseError(signing ? 'invalid_sign_input' : 'unsupported_key', 'only Ed25519 and ECDSA P-256 keys are supported');
}

/** Signs bytes: Ed25519, or ECDSA P-256 with SHA-256 giving a raw 64-byte r||s signature. */
export function signBytes(privateKey: KeyInput, message: Uint8Array): Uint8Array {
  const key = keyObject(privateKey, 'private');
  return algorithmOf(key, true) === 'Ed25519' ? cryptoSign(null, message, key) : cryptoSign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
}

/**
 * Verifies a signature. ECDSA signatures must be raw r||s (64 bytes); a DER-encoded one is reported
 * as `signature_der` rather than silently accepted.
 */
export function verifyBytes(publicKey: KeyInput, message: Uint8Array, signature: Uint8Array): 'ok' | 'bad_signature' | 'signature_der' {
  const key = keyObject(publicKey, 'public');
  const algorithm = algorithmOf(key);
  if (signature.length !== 64) {
    return algorithm === 'ES256' && signature[0] === 0x30 && signature.length >= 8 && signature.length <= 72 ? 'signature_der' : 'bad_signature';
  }
  const ok =
    algorithm === 'Ed25519'
      ? cryptoVerify(null, message, key, signature)
      : cryptoVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
  return ok ? 'ok' : 'bad_signature';
}

/** A fresh key pair as JWKs (for tests, tooling and a vendor's first key). */
export function generateSigningKey(algorithm: Algorithm, keyid: string): { keyid: string; privateKey: JsonWebKey; publicKey: JsonWebKey } {
  const pair = algorithm === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { keyid, privateKey: pair.privateKey.export({ format: 'jwk' }), publicKey: pair.publicKey.export({ format: 'jwk' }) };
}
