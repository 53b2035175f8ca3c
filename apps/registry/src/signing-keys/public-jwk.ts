import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlgorithm } from './signing-key.entity.js';
import { SigningKeyError, SigningKeyErrorCode } from './signing-key-error.js';

export interface PublicSigningKey {
  /** The normalised public JWK, as stored and published. */
  jwk: Record<string, string>;
  kid: string;
  alg: SigningAlgorithm;
  key: KeyObject;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const ALLOWED_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'alg', 'use', 'kid', 'key_ops', 'ext']);
const SUPPORTED: Record<string, { crv: string; alg: SigningAlgorithm; members: string[] }> = {
  OKP: { crv: 'Ed25519', alg: 'EdDSA', members: ['x'] },
  EC: { crv: 'P-256', alg: 'ES256', members: ['x', 'y'] },
};

/**
 * Checks a JWK submitted for registration: public, Ed25519 or P-256, an `alg` (if any) that fits,
 * a point that is really on the curve, and a `kid` (if any) equal to its RFC 7638 thumbprint.
 */
export async function parsePublicSigningKey(input: Record<string, unknown>): Promise<PublicSigningKey> {
  const fail = (code: SigningKeyErrorCode, detail: string) => new SigningKeyError(code, detail);
  if (PRIVATE_MEMBERS.some((m) => m in input)) {
    throw fail(SigningKeyErrorCode.PrivateKeyMaterial, 'Send the public key only: the JWK has private members. Treat that private key as exposed.');
  }
  const kty = input.kty;
  const spec = typeof kty === 'string' && Object.hasOwn(SUPPORTED, kty) ? SUPPORTED[kty]! : undefined;
  if (!spec || input.crv !== spec.crv) {
    throw fail(SigningKeyErrorCode.UnsupportedKeyType, `Only Ed25519 (kty OKP) and P-256 (kty EC) keys are accepted; got kty ${String(kty)}, crv ${String(input.crv)}.`);
  }
  const unknown = Object.keys(input).filter((m) => !ALLOWED_MEMBERS.has(m));
  if (unknown.length > 0) throw fail(SigningKeyErrorCode.InvalidJwk, `The JWK has members a public signing key does not have: ${unknown.join(', ')}.`);
  if (input.alg !== undefined && input.alg !== spec.alg) {
    throw fail(SigningKeyErrorCode.AlgorithmMismatch, `A ${spec.crv} key signs with ${spec.alg}, but the JWK says alg ${String(input.alg)}.`);
  }
  if (input.use !== undefined && input.use !== 'sig') throw fail(SigningKeyErrorCode.InvalidJwk, 'use must be "sig" for a signing key.');
  const jwk: Record<string, string> = { kty: kty as string, crv: spec.crv };
  for (const member of spec.members) {
    const value = input[member];
    // Only the one canonical spelling is accepted: the last base64url character carries padding bits that
    // decoders ignore, so a looser check would let one key be registered (and named by thumbprint) several ways.
    if (typeof value !== 'string' || !isCanonicalCoordinate(value)) {
      throw fail(SigningKeyErrorCode.InvalidJwk, `${member} must be the unpadded base64url encoding of exactly ${COORDINATE_BYTES} bytes, in its canonical form.`);
    }
    jwk[member] = value;
  }
  if (spec.crv === 'Ed25519' && isWeakEd25519Point(Buffer.from(jwk.x!, 'base64url'))) {
    throw fail(SigningKeyErrorCode.InvalidJwk, 'The Ed25519 point is of small order (or not canonical): signatures under it prove nothing.');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    throw fail(SigningKeyErrorCode.InvalidJwk, 'The JWK does not describe a valid public key (wrong length, or not a point on the curve).');
  }
  const kid = await calculateJwkThumbprint(jwk as JWK, 'sha256');
  if (input.kid !== undefined && input.kid !== kid) {
    throw fail(SigningKeyErrorCode.InvalidJwk, `kid must be the RFC 7638 SHA-256 thumbprint of the key (${kid}), or absent.`);
  }
  return { jwk: { ...jwk, kid, alg: spec.alg, use: 'sig' }, kid, alg: spec.alg, key };
}

// Ed25519's x and P-256's x and y are all 32 bytes long.
const COORDINATE_BYTES = 32;

/** Decodes and re-encodes: anything but the one canonical spelling (other alphabets, padding, stray bits) differs. */
function isCanonicalCoordinate(value: string): boolean {
  const bytes = Buffer.from(value, 'base64url');
  return bytes.length === COORDINATE_BYTES && bytes.toString('base64url') === value;
}

const ED25519_P = 2n ** 255n - 19n;
// The y coordinates of the Ed25519 points of order 1, 2, 4 and 8: with such a "public key" a signature
// can be made that verifies for any message, without any private key.
const SMALL_ORDER_Y = new Set([
  0n,
  1n,
  ED25519_P - 1n,
  0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n,
  0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
]);

/** True for a small-order or non-canonical encoding of an Ed25519 public key. */
function isWeakEd25519Point(x: Buffer): boolean {
  const bytes = Buffer.from(x);
  bytes[31]! &= 0x7f; // the top bit is the sign of the x coordinate; the rest is y, little-endian
  const y = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
  return y >= ED25519_P || SMALL_ORDER_Y.has(y);
}
