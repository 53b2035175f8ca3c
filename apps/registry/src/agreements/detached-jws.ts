import { flattenedVerify, importJWK, type JWK } from 'jose';

/**
 * The signature format: a detached JWS (RFC 7515 appendix F) in compact form, `<protected>..<signature>`.
 * The payload is the document bytes, base64url-encoded as usual (b64 is not used: no `b64`, no `crit`);
 * it is left out of the JWS and supplied by the verifier. The protected header is `{"alg": ..., "kid": ...}`,
 * with alg EdDSA or ES256 and kid the RFC 7638 thumbprint of a registered key of the signing party.
 */
export interface DetachedJws {
  protected: string;
  signature: string;
  header: { alg: string; kid: string };
}

const COMPACT_DETACHED = /^([A-Za-z0-9_-]+)\.\.([A-Za-z0-9_-]+)$/;

/** Parses `<protected>..<signature>`; null when it is not a detached compact JWS with alg and kid, or uses b64/crit. */
export function parseDetachedJws(jws: string): DetachedJws | null {
  const match = COMPACT_DETACHED.exec(jws);
  if (!match) return null;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return null;
  const h = header as Record<string, unknown>;
  if (typeof h.alg !== 'string' || typeof h.kid !== 'string') return null;
  // An unencoded payload and critical extensions are not part of this format (jose would accept b64:false).
  if ('b64' in h || 'crit' in h) return null;
  return { protected: match[1]!, signature: match[2]!, header: { alg: h.alg, kid: h.kid } };
}

/** Whether the detached JWS verifies over `bytes` with this public key (and only its algorithm). */
export async function verifyDetachedJws(jws: DetachedJws, bytes: Uint8Array, jwk: JWK, alg: string): Promise<boolean> {
  if (jws.header.alg !== alg) return false;
  try {
    const key = await importJWK({ ...jwk, alg }, alg);
    await flattenedVerify({ protected: jws.protected, payload: Buffer.from(bytes).toString('base64url'), signature: jws.signature }, key, { algorithms: [alg] });
    return true;
  } catch {
    return false;
  }
}
