/**
 * #plaza/http-signatures - Plaza's webhook delivery signatures: HTTP Message Signatures (RFC 9421,
 * Ed25519) over the request and its RFC 9530 Content-Digest. See libs/http-signatures/README.md.
 */
export { contentDigest, verifyContentDigest } from './content-digest.js';
export { signRequest, type SignOptions, type SignatureHeaders } from './sign.js';
export { verifyRequest, type VerifyOptions, type VerifyResult } from './verify.js';
export { NonceCache, type NonceCacheOptions } from './nonce-cache.js';
export { signatureBase } from './signature-base.js';
export { ALGORITHM, CLOCK_SKEW_SECONDS, DELIVERY_COMPONENTS, MAX_VALIDITY_SECONDS } from './profile.js';
export type { HeaderValue, HttpRequest, SignatureParameters } from './types.js';
