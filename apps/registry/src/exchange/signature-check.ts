import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeMaterial, DsseError, type DsseErrorCode, verify } from '#plaza/dsse';
import { ExchangeErrorCode, type Refusal } from './exchange-error.js';
import type { ExchangeKey } from './exchange.repository.js';
import type { EnvelopedEvent } from './received-event.js';
import { type KeyStatus, keyStatusAt } from '../signing-keys/index.js';

/** An event whose signature verified: the key, and the signed digests that identify its content. */
export interface SignedEvent extends EnvelopedEvent {
  keyid: string;
  coreDigest: Buffer;
  extDigest: Buffer | null;
  dssematerial: string;
}

const MATERIAL_CODES: Partial<Record<DsseErrorCode, ExchangeErrorCode>> = {
  missing_material: ExchangeErrorCode.SignatureMissing,
  malformed_material: ExchangeErrorCode.MaterialMalformed,
  malformed_payload: ExchangeErrorCode.MaterialMalformed,
  unknown_payload_type: ExchangeErrorCode.PayloadTypeUnknown,
  invalid_signedextattrs: ExchangeErrorCode.SignedExtensionsInvalid,
  signature_der: ExchangeErrorCode.SignatureDer,
  bad_signature: ExchangeErrorCode.SignatureInvalid,
  unsupported_key: ExchangeErrorCode.SignatureInvalid,
  core_mismatch: ExchangeErrorCode.ContentMismatch,
  ext_mismatch: ExchangeErrorCode.ContentMismatch,
  unsupported_extension_type: ExchangeErrorCode.ContentMismatch,
};

const STATUS_CODES: Record<Exclude<KeyStatus, 'active'>, ExchangeErrorCode> = {
  revoked: ExchangeErrorCode.KeyRevoked,
  expired: ExchangeErrorCode.KeyExpired,
  pending: ExchangeErrorCode.KeyNotYetValid,
};

const signatureRefusal = (code: ExchangeErrorCode, detail: string): Refusal => ({ code, check: 'signature', detail });

/** Why a key that signed cannot be used at `at`, or null when it is active then. */
export function keyRefusal(key: ExchangeKey, at: Date): Refusal | null {
  const status = keyStatusAt(key, at);
  return status === 'active' ? null : signatureRefusal(STATUS_CODES[status], `the signing key ${key.kid} is ${status === 'pending' ? 'not valid yet' : status} at receipt`);
}

/**
 * Public keys by kid, parsed from their JWK once per process. A kid is the RFC 7638 thumbprint of its JWK, so the key
 * behind a kid never changes: nothing here can go stale (a key's status is read from the database every time).
 */
export class PublicKeys {
  private static readonly MAX = 10_000;
  private readonly parsed = new Map<string, KeyObject>();

  of(key: ExchangeKey): KeyObject {
    let parsed = this.parsed.get(key.kid);
    if (!parsed) {
      if (this.parsed.size >= PublicKeys.MAX) this.parsed.clear();
      parsed = createPublicKey({ key: key.jwk, format: 'jwk' });
      this.parsed.set(key.kid, parsed);
    }
    return parsed;
  }
}

/** The keyids an event's material names, or none if it cannot be decoded (verification will say why). */
export function keyidsOf(event: EnvelopedEvent): string[] {
  try {
    return decodeMaterial(event.attributes.dssematerial).signatures.map((s) => s.keyid);
  } catch (error) {
    if (error instanceof DsseError) return [];
    throw error;
  }
}

/**
 * Check 2, the signature, over the exact bytes received: material present and well formed, a keyid that is a
 * registered key of the caller's organisation, active at receipt (judged by the registry's clock), and a signature
 * by it that verifies over the event's attributes and data. Runs outside any database transaction; the key's
 * status is judged again, under a lock, in the transaction that stores the event.
 */
export async function checkSignature(
  event: EnvelopedEvent, keyids: readonly string[], keys: ReadonlyMap<string, ExchangeKey>, publicKeys: PublicKeys, organisationId: string, at: Date,
): Promise<SignedEvent | Refusal> {
  const usable = new Map<string, ExchangeKey>();
  let inactive: Refusal | null = null;
  let foreign = false;
  for (const keyid of keyids) {
    const key = keys.get(keyid);
    if (!key) continue;
    if (key.organisationId !== organisationId) {
      foreign = true;
      continue;
    }
    const refusal = keyRefusal(key, at);
    if (refusal) inactive ??= refusal;
    else usable.set(keyid, key);
  }
  const result = await verify(event, (keyid) => {
    const key = usable.get(keyid);
    return key && publicKeys.of(key);
  });
  if (result.ok) {
    return {
      ...event,
      keyid: result.keyid,
      coreDigest: Buffer.from(result.digests.core, 'base64'),
      extDigest: result.digests.ext === undefined ? null : Buffer.from(result.digests.ext, 'base64'),
      dssematerial: event.attributes.dssematerial as string,
    };
  }
  if (result.code === 'unknown_key') {
    if (inactive) return inactive;
    if (foreign) return signatureRefusal(ExchangeErrorCode.KeyOfAnotherOrganisation, "the event is signed with a key of another organisation than the caller's");
    return signatureRefusal(ExchangeErrorCode.KeyUnknown, 'no signature names a registered signing key');
  }
  return signatureRefusal(MATERIAL_CODES[result.code] ?? ExchangeErrorCode.SignatureInvalid, result.message);
}
