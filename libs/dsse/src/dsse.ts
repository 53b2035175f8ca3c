import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import { readBinary, headerPairs, type HeaderInput } from './binary.js';
import { CORE_ATTRIBUTES, coreDigest, extDigest, own, signedExtensionsProblem } from './canonical.js';
import { decodeMaterial, encodeMaterial, pae, PAYLOAD_TYPE, SCHEME_VERSION, type DecodedMaterial } from './envelope.js';
import { DsseError, type DsseErrorCode } from './errors.js';
import { signBytes, verifyBytes } from './keys.js';
import { scanBatch, scanStructured, type ScanOptions, type ScannedEvent } from './scanner.js';
import type { AttributeValue, CloudEventInput, ExtensionType, KeyInput, PublicKeys, SigningKey } from './types.js';

export interface SignOptions {
  /** Extension attributes to sign, in this order (no core attribute, no `dssematerial`, no repeats). */
  readonly signedExtensions?: readonly string[];
  /** CloudEvents types of signed extensions; without one, the JSON type decides (boolean, integer, string). */
  readonly extensionTypes?: Readonly<Record<string, ExtensionType>>;
}

export interface VerifyOptions {
  /** CloudEvents types of extensions, for the canonical serialisation (see SignOptions). */
  readonly extensionTypes?: Readonly<Record<string, ExtensionType>>;
  /**
   * How signed extensions are checked: `infer` (default) takes undeclared types from the JSON value;
   * `declared` checks them only if every signed extension has a declared type, else skips them;
   * `skip` never checks them (a core-only result).
   */
  readonly extensions?: 'infer' | 'declared' | 'skip';
  /**
   * What the verified event carries (the spec's consumer modes): `strict` (default) core attributes,
   * data and verified extensions only; `passthrough` also the unsigned ones, under `unverified`;
   * `core-only` core attributes and data only.
   */
  readonly present?: 'strict' | 'passthrough' | 'core-only';
}

/** What a successful verification covered. */
export type Coverage = 'core' | 'core+extensions' | 'core+extensions-skipped';

export interface VerifiedEvent {
  /** Verified attributes only (per the `present` option). */
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** The verified data bytes. */
  readonly data: Uint8Array;
  /** `passthrough` only: attributes the signature does not cover. Do not trust them. */
  readonly unverified?: Readonly<Record<string, AttributeValue>>;
}

export interface VerificationSuccess {
  readonly ok: true;
  /** The scheme version (store it with the event). */
  readonly scheme: typeof SCHEME_VERSION;
  /** The keyid whose signature verified. */
  readonly keyid: string;
  readonly coverage: Coverage;
  /** The signed extension names, in signed order. */
  readonly signedExtensions: readonly string[];
  /** The signed digests (standard base64): identify the signed content independently of the signature bytes. */
  readonly digests: { readonly core: string; readonly ext?: string };
  readonly event: VerifiedEvent;
}

export interface VerificationFailure {
  readonly ok: false;
  readonly scheme: typeof SCHEME_VERSION;
  readonly code: DsseErrorCode;
  readonly message: string;
  /** Set when a signature by this key verified but the event does not match what it signed. */
  readonly keyid?: string;
}

export type VerificationResult = VerificationSuccess | VerificationFailure;

const REQUIRED = ['id', 'source', 'specversion', 'type'] as const;
const CORE_SET: ReadonlySet<string> = new Set(CORE_ATTRIBUTES);

const asBytes = (data: Uint8Array | string | undefined): Uint8Array =>
  data === undefined ? new Uint8Array(0) : typeof data === 'string' ? Buffer.from(data, 'utf8') : data;

/**
 * Signs an event and returns its `dssematerial` value (standard base64 of the DSSE envelope). The
 * caller puts it on the event: the JSON member `dssematerial` (structured/batch) or the header
 * `ce-dssematerial` (binary) - or use signStructured/signBatch/signBinary, which do that for you.
 * Throws DsseError (`invalid_sign_input`, `invalid_time`, `invalid_attribute`, `unsupported_extension_type`).
 */
export function sign(event: CloudEventInput, key: SigningKey, options: SignOptions = {}): string {
  if (typeof key.keyid !== 'string' || key.keyid === '') throw new DsseError('invalid_sign_input', 'the signing key needs a keyid');
  for (const name of REQUIRED) {
    const value = own(event.attributes, name);
    if (typeof value !== 'string' || value === '') throw new DsseError('invalid_sign_input', `required attribute "${name}" is missing or empty`);
  }
  const names = options.signedExtensions ?? [];
  const problem = signedExtensionsProblem(names) ?? (names.includes('data') ? '"data" is not an extension attribute' : null);
  if (problem) throw new DsseError('invalid_sign_input', `signedExtensions: ${problem}`);
  const core = coreDigest(event.attributes, asBytes(event.data));
  const payload: Record<string, unknown> = { core: encodeBase64(core) };
  if (names.length > 0) {
    payload.ext = encodeBase64(extDigest(event.attributes, names, options.extensionTypes));
    payload.signedextattrs = [...names];
  }
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const sig = signBytes(key.privateKey, pae(PAYLOAD_TYPE, body));
  return encodeMaterial(body, [{ keyid: key.keyid, sig }]);
}

function resolveKey(keys: PublicKeys, keyid: string, attributes: Readonly<Record<string, AttributeValue>>): KeyInput | null | undefined | Promise<KeyInput | null | undefined> {
  if (typeof keys === 'function') return keys(keyid, attributes);
  if (keys instanceof Map) return keys.get(keyid);
  return own(keys as Readonly<Record<string, KeyInput>>, keyid);
}

const fail = (code: DsseErrorCode, message: string, keyid?: string): VerificationFailure => ({
  ok: false,
  scheme: SCHEME_VERSION,
  code,
  message,
  ...(keyid !== undefined ? { keyid } : {}),
});

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

/**
 * Verifies one event against its `dssematerial` (the extension's verification protocol): decodes and
 * checks the envelope and payload, verifies a signature by an accepted key over the DSSE PAE, then
 * recomputes the core digest (and, per options, the extension digest) from the event's attributes and
 * exact data bytes. Never throws for a bad event: the result says why (a stable code).
 */
export async function verify(event: CloudEventInput, keys: PublicKeys, options: VerifyOptions = {}): Promise<VerificationResult> {
  let material: DecodedMaterial;
  try {
    material = decodeMaterial(own(event.attributes, 'dssematerial'));
  } catch (e) {
    return failure(e);
  }
  return verifyDecoded(event, material, keys, options);
}

/**
 * verify, for a caller that has already decoded the event's `dssematerial` (decodeMaterial) - to learn the keyids
 * it names before looking keys up, say - so that it is not decoded twice. `material` must be the decoding of the
 * event's own `dssematerial`. The signed digests on success are `material.core` and `material.ext`.
 */
export async function verifyDecoded(event: CloudEventInput, material: DecodedMaterial, keys: PublicKeys, options: VerifyOptions = {}): Promise<VerificationResult> {
  // DSSE: signatures by accepted keys only; one that verifies is enough.
  const message = pae(material.payloadType, material.payload);
  let keyid: string | undefined;
  let anyKey = false;
  let problem: 'bad_signature' | 'signature_der' = 'bad_signature';
  for (const signature of material.signatures) {
    let key: KeyInput | null | undefined;
    try {
      const answer = resolveKey(keys, signature.keyid, event.attributes);
      // A resolver may answer at once: only a promise (or thenable) is waited for.
      key = typeof (answer as { then?: unknown } | null | undefined)?.then === 'function' ? await answer : (answer as KeyInput | null | undefined);
    } catch (e) {
      if (e instanceof DsseError) return failure(e);
      throw e;
    }
    if (key === undefined || key === null) continue;
    anyKey = true;
    const sig = decodeBase64(signature.sig);
    if (!sig) continue;
    let outcome: ReturnType<typeof verifyBytes>;
    try {
      outcome = verifyBytes(key, message, sig);
    } catch (e) {
      return failure(e);
    }
    if (outcome === 'ok') {
      keyid = signature.keyid;
      break;
    }
    if (outcome === 'signature_der') problem = 'signature_der';
  }
  if (!anyKey) return fail('unknown_key', `no signature by an accepted key (keyids: ${material.signatures.map((s) => JSON.stringify(s.keyid)).join(', ')})`);
  if (keyid === undefined) return fail(problem, problem === 'signature_der' ? 'the ECDSA signature is DER-encoded; raw r||s is required' : 'no signature verifies');

  // The event against the signed digests.
  const data = asBytes(event.data);
  try {
    if (!equal(coreDigest(event.attributes, data), material.core)) {
      return fail('core_mismatch', 'the core attributes or the data differ from what was signed', keyid);
    }
  } catch (e) {
    return { ...failure(e), keyid };
  }
  let coverage: Coverage = 'core';
  const names = material.signedExtensions;
  if (material.ext) {
    const mode = options.extensions ?? 'infer';
    const types = options.extensionTypes ?? {};
    const typed = names.every((n) => own(types, n) !== undefined);
    if (mode === 'skip' || (mode === 'declared' && !typed)) {
      coverage = 'core+extensions-skipped';
    } else {
      try {
        if (!equal(extDigest(event.attributes, names, types), material.ext)) {
          return fail('ext_mismatch', 'a signed extension attribute differs from what was signed', keyid);
        }
      } catch (e) {
        return { ...failure(e), keyid };
      }
      coverage = 'core+extensions';
    }
  }

  const present = options.present ?? 'strict';
  const attributes: Record<string, AttributeValue> = {};
  const unverified: Record<string, AttributeValue> = {};
  const signedExt = coverage === 'core+extensions' && present !== 'core-only' && names.length > 0 ? new Set(names) : null;
  const given = event.attributes;
  for (const name of Object.keys(given)) {
    if (CORE_SET.has(name) || signedExt?.has(name)) attributes[name] = given[name]!;
    else if (present === 'passthrough') unverified[name] = given[name]!;
  }
  // No spreads: building the result is done once an event.
  const digests: { core: string; ext?: string } = { core: encodeBase64(material.core) };
  if (material.ext) digests.ext = encodeBase64(material.ext);
  const verified: { -readonly [K in keyof VerifiedEvent]: VerifiedEvent[K] } = { attributes, data };
  if (present === 'passthrough') verified.unverified = unverified;
  return { ok: true, scheme: SCHEME_VERSION, keyid, coverage, signedExtensions: names, digests, event: verified };
}

function failure(e: unknown): VerificationFailure {
  if (e instanceof DsseError) return fail(e.code, e.message);
  throw e;
}

// ---------------------------------------------------------------------------------------------
// Messages: structured, batch and binary mode.

/** Splices a `dssematerial` member into the event object of `buf`, returning [offset, removeLength, insert]. */
function materialEdit(buf: Buffer, event: ScannedEvent, material: string): [number, number, string] {
  const member = JSON.stringify(material);
  if (event.materialRange) return [event.materialRange.start, event.materialRange.end - event.materialRange.start, member];
  let at = event.range.end - 1; // the closing brace
  while (at > event.range.start && /\s/.test(String.fromCharCode(buf[at - 1]!))) at--;
  const empty = buf[at - 1] === 0x7b;
  return [at, 0, `${empty ? '' : ','}"dssematerial":${member}`];
}

function applyEdits(buf: Buffer, edits: [number, number, string][]): Buffer {
  const pieces: Buffer[] = [];
  let cursor = 0;
  for (const [at, remove, insert] of [...edits].sort((a, b) => a[0] - b[0])) {
    pieces.push(buf.subarray(cursor, at), Buffer.from(insert, 'utf8'));
    cursor = at + remove;
  }
  pieces.push(buf.subarray(cursor));
  return Buffer.concat(pieces);
}

/**
 * Signs a structured-mode body and returns the new body: the same bytes with a `dssematerial` member
 * added to the event object (or its value replaced). Nothing else is re-serialised.
 */
export function signStructured(body: Uint8Array | string, key: SigningKey, options: SignOptions & ScanOptions = {}): Buffer {
  const buf = Buffer.from(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  const event = scanStructured(buf, options);
  return applyEdits(buf, [materialEdit(buf, event, sign(event, key, options))]);
}

/** Signs every event of a batch-mode body with the same key and options; returns the new body. */
export function signBatch(body: Uint8Array | string, key: SigningKey, options: SignOptions & ScanOptions = {}): Buffer {
  const buf = Buffer.from(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  const events = scanBatch(buf, options);
  return applyEdits(buf, events.map((event) => materialEdit(buf, event, sign(event, key, options))));
}

/**
 * Signs a binary-mode message; returns the headers (lowercase names, each once) with
 * `ce-dssematerial` set. The body is signed exactly as given and must be sent unchanged.
 */
export function signBinary(headers: HeaderInput, body: Uint8Array | string, key: SigningKey, options: SignOptions = {}): Record<string, string> {
  const event = readBinary(headers, body);
  const material = sign(event, key, options);
  const out: Record<string, string> = {};
  for (const [name, value] of headerPairs(headers)) if (name !== 'ce-dssematerial') out[name] = value;
  out['ce-dssematerial'] = material;
  return out;
}

/** Verifies a structured-mode body. Throws DsseError if the body itself cannot be read (bad JSON, duplicates...). */
export async function verifyStructured(body: Uint8Array | string, keys: PublicKeys, options: VerifyOptions & ScanOptions = {}): Promise<VerificationResult> {
  return verify(scanStructured(body, options), keys, options);
}

/** Verifies each event of a batch-mode body; one result per event, in order. Throws DsseError if the body cannot be read. */
export async function verifyBatch(body: Uint8Array | string, keys: PublicKeys, options: VerifyOptions & ScanOptions = {}): Promise<VerificationResult[]> {
  const events = scanBatch(body, options);
  const results: VerificationResult[] = [];
  for (const event of events) results.push(await verify(event, keys, options));
  return results;
}

/** Verifies a binary-mode message. Throws DsseError `repeated_header` / `invalid_attribute` if the headers cannot be read. */
export async function verifyBinary(headers: HeaderInput, body: Uint8Array | string, keys: PublicKeys, options: VerifyOptions = {}): Promise<VerificationResult> {
  return verify(readBinary(headers, body), keys, options);
}

/** The CloudEvents HTTP mode of a request, from its Content-Type. */
export function detectMode(contentType: string | undefined): 'structured' | 'batch' | 'binary' {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === 'application/cloudevents-batch+json') return 'batch';
  if (media.startsWith('application/cloudevents+')) return 'structured';
  return 'binary';
}
