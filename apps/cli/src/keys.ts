import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export type KeyAlgorithm = 'EdDSA' | 'ES256';

/** A new signing key pair as a private JWK (kid = RFC 7638 thumbprint, alg set). Keep it secret. */
export async function generateSigningKey(alg: KeyAlgorithm): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk), 'sha256');
  return { ...jwk, kid, alg, use: 'sig' };
}

/** The public half of a JWK: what is registered with Plaza. */
export function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y } = jwk;
  return y === undefined ? { kty, crv, x } : { kty, crv, x, y };
}

/** Proof of possession: the registry's challenge signed as a compact JWS with the private key. */
export async function proveChallenge(privateJwk: JWK, challenge: string): Promise<string> {
  const alg = privateJwk.alg ?? (privateJwk.kty === 'OKP' ? 'EdDSA' : 'ES256');
  const key = await importJWK(privateJwk, alg);
  return new CompactSign(new TextEncoder().encode(challenge)).setProtectedHeader({ alg }).sign(key);
}
