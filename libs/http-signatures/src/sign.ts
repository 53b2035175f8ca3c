import { sign, type KeyObject } from 'node:crypto';
import { serializeDictionary } from 'structured-headers';
import { verifyContentDigest } from './content-digest.js';
import { ALGORITHM, DELIVERY_COMPONENTS, MAX_VALIDITY_SECONDS } from './profile.js';
import { cloudEventHeaderNames, fieldValue, signatureBase, signatureParams } from './signature-base.js';
import type { HttpRequest } from './types.js';

export interface SignOptions {
  /** Ed25519 private key. */
  key: KeyObject;
  keyid: string;
  /** Unix seconds. */
  created: number;
  /** Unix seconds, after `created` and at most 300 s after it. */
  expires: number;
  /** Unique per request: receivers refuse a nonce they have seen. */
  nonce: string;
  /** The application profile, checked by the receiver (e.g. `plaza-delivery`). */
  tag: string;
  /** The signature's label in both headers; `sig1` unless given. */
  label?: string;
}

export interface SignatureHeaders {
  'signature-input': string;
  signature: string;
}

/**
 * Signs a delivery over `@method`, `@target-uri`, `content-type`, `content-digest` and every `ce-*`
 * header (sorted), with `created`, `expires`, `nonce`, `alg`, `keyid` and `tag`. The request must
 * already carry `Content-Type` and a `Content-Digest` matching its body; send the URL, headers and
 * body exactly as signed.
 */
export function signRequest(request: HttpRequest, options: SignOptions): SignatureHeaders {
  const { key, keyid, created, expires, nonce, tag, label = 'sig1' } = options;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new Error('the key is not an Ed25519 private key');
  if (!Number.isInteger(created) || !Number.isInteger(expires)) throw new Error('created and expires must be whole seconds');
  if (expires <= created || expires - created > MAX_VALIDITY_SECONDS) {
    throw new Error(`expires must be after created and at most ${MAX_VALIDITY_SECONDS} s after it`);
  }
  if (nonce === '') throw new Error('the nonce is empty');
  const digest = fieldValue(request.headers, 'content-digest');
  if (digest === undefined || !verifyContentDigest(digest, request.body)) {
    throw new Error('the request has no Content-Digest matching its body');
  }
  const components = [...DELIVERY_COMPONENTS, ...cloudEventHeaderNames(request.headers)];
  const params = { created, expires, nonce, alg: ALGORITHM, keyid, tag };
  const signature = sign(null, Buffer.from(signatureBase(request, components, params), 'ascii'), key);
  return {
    'signature-input': serializeDictionary(new Map([[label, signatureParams(components, params)]])),
    signature: serializeDictionary(new Map([[label, [signature, new Map()]]])),
  };
}
