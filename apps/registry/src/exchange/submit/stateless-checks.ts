import { createPublicKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type DecodedMaterial, decodeMaterial, DsseError, verifyDecoded } from '#plaza/dsse';
import type { Principal } from '../../kernel/auth/principal.js';
import { ExchangeErrorCode, type Refusal } from '../exchange-error.js';
import type { ExchangeKey } from '../registry-read-model.js';
import { refusalOf } from './dsse-codes.js';
import { RegistryLookups } from './registry-lookups.js';
import type { Outcomes } from './outcomes.js';
import type { EnvelopedEvent } from './read.js';
import { StandardCheck, type StandardFinding } from './standard-check.js';
import { type KeyStatus, keyStatusAt } from '../../signing-keys/index.js';

// Phase 2, before any transaction: the keys and standards the events name are looked up (registry-lookups.ts), each event's signature is verified (check 2), and check 5's
// stateless half (which published version, and is the data valid against it) is settled for those that verified.

/** An event whose signature verified: the key, and the signed digests that identify its content (kept as bytes). */
export interface SignedEvent extends EnvelopedEvent {
  keyid: string;
  coreDigest: Buffer;
  extDigest: Buffer | null;
  dssematerial: string;
}

/** What phase 3 judges under lock: a signed event and what check 5 found out of the transaction. */
export interface PreparedEvent {
  event: SignedEvent;
  standard: StandardFinding;
}

// A DSSE keyid Plaza could have registered (an RFC 7638 thumbprint); anything else is unknown without a query.
const KEYID = /^[A-Za-z0-9_-]{1,128}$/;

const STATUS_CODES: Record<Exclude<KeyStatus, 'active'>, ExchangeErrorCode> = {
  revoked: ExchangeErrorCode.KeyRevoked,
  expired: ExchangeErrorCode.KeyExpired,
  pending: ExchangeErrorCode.KeyNotYetValid,
};

const signatureRefusal = (code: ExchangeErrorCode, detail: string): Refusal => ({ code, check: 'signature', detail });

/** Why a key that signed cannot be used at `at`, or null when it is active then (check 2; judged again under lock). */
export function keyRefusal(key: ExchangeKey, at: Date): Refusal | null {
  const status = keyStatusAt(key, at);
  return status === 'active' ? null : signatureRefusal(STATUS_CODES[status], `the signing key ${key.kid} is ${status === 'pending' ? 'not valid yet' : status} at receipt`);
}

/**
 * Public keys by kid, parsed from their JWK once per process. A kid is the RFC 7638 thumbprint of its JWK, so the key
 * behind a kid never changes: nothing here can go stale (a key's status is read from the database every time).
 */
class PublicKeys {
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

/** An event's `dssematerial`, decoded once: the keyids it names are looked up, then the same decoding is verified. */
type Material = { decoded: DecodedMaterial } | { failure: DsseError };

function decodeOnce(event: EnvelopedEvent): Material {
  try {
    return { decoded: decodeMaterial(event.attributes.dssematerial) };
  } catch (error) {
    if (error instanceof DsseError) return { failure: error };
    throw error;
  }
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

@Injectable()
export class StatelessChecks {
  private readonly publicKeys = new PublicKeys();

  constructor(
    @Inject(StandardCheck) private readonly standard: StandardCheck,
    @Inject(RegistryLookups) private readonly lookups: RegistryLookups,
  ) {}

  /**
   * Verifies the signatures of the events whose envelope passed (refusing the others into `outcomes`) and prepares
   * check 5 for the signed ones.
   */
  async run(principal: Principal, enveloped: EnvelopedEvent[], receivedAt: Date, outcomes: Outcomes): Promise<PreparedEvent[]> {
    const materials = enveloped.map(decodeOnce);
    const kids = materials.flatMap((m) => ('decoded' in m ? m.decoded.signatures.map((s) => s.keyid) : []));
    const { keys: found, standards, versions } = await this.lookups.lookup(
      [...new Set(kids)].filter((kid) => KEYID.test(kid)),
      [...new Set(enveloped.map((e) => e.type))],
      [...new Set(enveloped.flatMap((e) => (typeof e.attributes.dataschema === 'string' ? [e.attributes.dataschema] : [])))],
    );
    const keys = new Map(found.map((key) => [key.kid, key]));
    const signed: SignedEvent[] = [];
    for (const [i, event] of enveloped.entries()) {
      const checked = await this.checkSignature(event, materials[i]!, keys, principal.organisationId, receivedAt);
      if ('code' in checked) outcomes.refuse(event, checked, { at: receivedAt });
      else signed.push(checked);
    }
    const findings = await this.standard.prepare(signed, standards, versions);
    return signed.map((event, i) => ({ event, standard: findings[i]! }));
  }

  /**
   * Check 2, the signature, over the exact bytes received: material present and well formed, a keyid that is a
   * registered key of the caller's organisation, active at receipt (judged by the registry's clock), and a signature
   * by it that verifies over the event's attributes and data. The key's status is judged again, under a lock, in the
   * transaction that stores the event.
   */
  private async checkSignature(
    event: EnvelopedEvent, material: Material, keys: ReadonlyMap<string, ExchangeKey>, organisationId: string, at: Date,
  ): Promise<SignedEvent | Refusal> {
    if ('failure' in material) return refusalOf(material.failure, 'signature');
    const usable = new Map<string, ExchangeKey>();
    let inactive: Refusal | null = null;
    let foreign = false;
    for (const { keyid } of material.decoded.signatures) {
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
    const result = await verifyDecoded(event, material.decoded, (keyid) => {
      const key = usable.get(keyid);
      return key && this.publicKeys.of(key);
    });
    if (result.ok) {
      const { core, ext } = material.decoded;
      // Spelled out rather than spread (a spread per event costs more than the check); the type makes sure every field is carried over.
      return {
        index: event.index, attributes: event.attributes, data: event.data, dataEncoding: event.dataEncoding, received: event.received, headers: event.headers,
        source: event.source, id: event.id, type: event.type, timeText: event.timeText, time: event.time,
        keyid: result.keyid, coreDigest: asBuffer(core), extDigest: ext ? asBuffer(ext) : null, dssematerial: event.attributes.dssematerial as string,
      } satisfies { [K in keyof Required<SignedEvent>]: SignedEvent[K] };
    }
    if (result.code === 'unknown_key') {
      if (inactive) return inactive;
      if (foreign) return signatureRefusal(ExchangeErrorCode.KeyOfAnotherOrganisation, "the event is signed with a key of another organisation than the caller's");
      return signatureRefusal(ExchangeErrorCode.KeyUnknown, 'no signature names a registered signing key');
    }
    return refusalOf(result, 'signature');
  }
}
