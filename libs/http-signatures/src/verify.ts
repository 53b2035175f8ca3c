import { verify, type KeyObject } from 'node:crypto';
import { isInnerList, parseDictionary, type Dictionary, type InnerList } from 'structured-headers';
import { verifyContentDigest } from './content-digest.js';
import { ALGORITHM, CLOCK_SKEW_SECONDS, DELIVERY_COMPONENTS, MAX_VALIDITY_SECONDS } from './profile.js';
import { isByteSequence } from './structured.js';
import { cloudEventHeaderNames, fieldValue, signatureBase } from './signature-base.js';
import type { HttpRequest } from './types.js';

export interface VerifyOptions {
  /** The Ed25519 public key of a keyid, or undefined for a keyid you do not trust. */
  keys: (keyid: string) => KeyObject | undefined;
  /** The `tag` the signature must carry (e.g. `plaza-delivery`). */
  tag: string;
  /** The receiver's clock, unix seconds. */
  now: number;
  /** Refuse a signature created longer ago than this, on top of its `expires`. */
  maxAgeSeconds?: number;
  /** Components the signature must cover; `DELIVERY_COMPONENTS` unless given. `content-digest` always is. */
  requiredComponents?: readonly string[];
  /** Refuse a request with a `ce-*` header the signature does not cover; true unless set false. */
  requireAllCeHeaders?: boolean;
  /**
   * The replay check, asked last (after the signature verified, so a forger cannot burn a nonce):
   * true refuses the request. It should remember the nonce until `expires`; `NonceCache.seen` does.
   */
  seenNonce?: (nonce: string, expires: number) => boolean;
}

export type VerifyResult =
  | { ok: true; keyid: string; nonce: string; created: number; expires: number }
  | { ok: false; reason: string };

interface Candidate {
  components: string[];
  params: Record<string, string | number>;
}

/**
 * Verifies the request's signature that carries `options.tag` (RFC 9421), and its Content-Digest
 * (RFC 9530, sha-256), against Plaza's delivery profile. Never throws: a refusal says why.
 */
export function verifyRequest(request: HttpRequest, options: VerifyOptions): VerifyResult {
  const { keys, tag, now, maxAgeSeconds, requiredComponents = DELIVERY_COMPONENTS, requireAllCeHeaders = true, seenNonce } = options;
  const inputHeader = fieldValue(request.headers, 'signature-input');
  const signatureHeader = fieldValue(request.headers, 'signature');
  if (inputHeader === undefined || signatureHeader === undefined) return refuse('Signature-Input or Signature is missing');
  let inputs: Dictionary;
  let signatures: Dictionary;
  try {
    inputs = parseDictionary(inputHeader);
    signatures = parseDictionary(signatureHeader);
  } catch {
    return refuse('Signature-Input or Signature is not a structured dictionary');
  }

  const tagged = [...inputs].filter(([, member]) => isInnerList(member) && member[1].get('tag') === tag);
  if (tagged.length === 0) return refuse(`no signature carries the tag "${tag}"`);
  if (tagged.length > 1) return refuse(`more than one signature carries the tag "${tag}"`);
  const [label, member] = tagged[0]!;
  const candidate = readCandidate(member as InnerList);
  if (typeof candidate === 'string') return refuse(candidate);
  const { components, params } = candidate;

  if (params.alg !== ALGORITHM) return refuse(`alg is not "${ALGORITHM}"`);
  const { keyid, nonce, created, expires } = params;
  if (typeof keyid !== 'string') return refuse('keyid is missing');
  if (typeof nonce !== 'string' || nonce === '') return refuse('nonce is missing');
  if (typeof created !== 'number') return refuse('created is missing');
  if (typeof expires !== 'number') return refuse('expires is missing');

  const covered = new Set(components);
  for (const name of new Set([...requiredComponents, 'content-digest'])) {
    if (!covered.has(name)) return refuse(`the signature does not cover ${name}`);
  }
  if (requireAllCeHeaders) {
    const uncovered = cloudEventHeaderNames(request.headers).filter((name) => !covered.has(name));
    if (uncovered.length > 0) return refuse(`the signature does not cover ${uncovered.join(', ')}`);
  }

  if (created > now + CLOCK_SKEW_SECONDS) return refuse('created is in the future');
  if (expires <= created || expires - created > MAX_VALIDITY_SECONDS) {
    return refuse(`expires is not within ${MAX_VALIDITY_SECONDS} s after created`);
  }
  if (now > expires + CLOCK_SKEW_SECONDS) return refuse('the signature has expired');
  if (maxAgeSeconds !== undefined && now - created > maxAgeSeconds) return refuse('the signature is older than allowed');

  const key = keys(keyid);
  if (key === undefined) return refuse(`unknown keyid "${keyid}"`);
  if (key.asymmetricKeyType !== 'ed25519') return refuse(`the key of "${keyid}" is not Ed25519`);

  const digest = fieldValue(request.headers, 'content-digest');
  if (digest === undefined || !verifyContentDigest(digest, request.body)) return refuse('Content-Digest does not match the body');

  const signature = signatures.get(label);
  if (signature === undefined || isInnerList(signature) || !isByteSequence(signature[0])) {
    return refuse(`Signature has no byte sequence labelled ${label}`);
  }
  let base: string;
  try {
    base = signatureBase(request, components, params);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (!verify(null, Buffer.from(base, 'ascii'), key, new Uint8Array(signature[0]))) return refuse('the signature does not verify');

  if (seenNonce?.(nonce, expires)) return refuse('the nonce was seen before');
  return { ok: true, keyid, nonce, created, expires };
}

/** The covered component names and parameters, or why they are not of the form this profile signs. */
function readCandidate([items, parameters]: InnerList): Candidate | string {
  const components: string[] = [];
  for (const [name, itemParams] of items) {
    if (typeof name !== 'string' || itemParams.size > 0) return 'a covered component is not a plain component name';
    components.push(name);
  }
  const params: Record<string, string | number> = {};
  for (const [key, value] of parameters) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) params[key] = value;
    else return `the signature parameter ${key} is not a string or integer`;
  }
  return { components, params };
}

const refuse = (reason: string): VerifyResult => ({ ok: false, reason });
