import { Buffer } from 'node:buffer';
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './encoding.js';
import { NoteError } from './errors.js';

/** The signature types (first byte of a typed public key) this library knows; signed-note lists the others. */
export const SignatureType = {
  /** An Ed25519 signature over the note text (signed-note). */
  Ed25519: 0x01,
  /** A timestamped Ed25519 cosignature/v1 over a checkpoint (tlog-cosignature). */
  CosignatureV1: 0x04,
} as const;
export type SignatureType = (typeof SignatureType)[keyof typeof SignatureType];

/** Produces the signature bytes of one signature line (the key id is written by the note). */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  /** The verifier key string of the matching verifier, `name+hex8(keyId)+b64(type || public key)`. */
  readonly verifierKey: string;
  sign(text: Uint8Array): Uint8Array;
}

/** Checks the signature bytes of a line whose name and key id are its own. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly verifierKey: string;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** A verifier key string read into its parts. */
export interface VerifierKey {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
}

const NAME_FORBIDDEN = /[\p{White_Space}+\x00-\x1f\p{Cs}]/u;

/**
 * A key name as signed-note allows it: not empty, no Unicode white space, no '+' (Go's rule), and no control
 * character or lone surrogate either, which no note could carry.
 */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !NAME_FORBIDDEN.test(name);
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) throw new NoteError('invalid_name', `key name ${JSON.stringify(name)} is empty or holds white space, '+' or a control character`);
}

/** The key id: the first four bytes, big-endian, of SHA-256(name || 0x0A || type || public key). */
export function keyId(name: string, type: number, publicKey: Uint8Array): number {
  return createHash('sha256').update(name, 'utf8').update(Uint8Array.of(0x0a, type)).update(publicKey).digest().readUInt32BE(0);
}

const hex8 = (id: number): string => id.toString(16).padStart(8, '0');
const typeName = (type: number): string => `0x${type.toString(16).padStart(2, '0')}`;

export function encodeVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  checkName(name);
  return `${name}+${hex8(keyId(name, type, publicKey))}+${encodeBase64(Uint8Array.of(type, ...publicKey))}`;
}

const HEX8 = /^[0-9a-fA-F]{8}$/;

/** `name+hex8(keyId)+b64(type || key)`, split on the first two '+' only (base64 holds '+'). */
function splitKeyString(text: string, what: string): { name: string; id: number; type: number; key: Uint8Array } {
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  const id = text.slice(first + 1, second);
  const typed = second < 0 ? null : decodeBase64(text.slice(second + 1));
  if (typed === null || typed.length < 2 || !HEX8.test(id)) {
    throw new NoteError('malformed', `${what} is name+keyid+key: the key id in 8 hex digits, the key in base64 after its type byte`);
  }
  const name = text.slice(0, first);
  checkName(name);
  return { name, id: Number.parseInt(id, 16), type: typed[0]!, key: typed.subarray(1) };
}

function checkId(said: number, computed: number, what: string): void {
  if (said !== computed) throw new NoteError('invalid_key', `${what} says key id ${hex8(said)}, its key has ${hex8(computed)}`);
}

/** Reads a verifier key string; the key id is recomputed from the name and key and must match. */
export function decodeVerifierKey(vkey: string): VerifierKey {
  const { name, id, type, key } = splitKeyString(vkey, 'a verifier key');
  const computed = keyId(name, type, key);
  checkId(id, computed, 'the verifier key');
  return { name, keyId: computed, type, publicKey: key };
}

const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 public key from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NoteError('invalid_key', `an Ed25519 public key is 32 bytes, not ${raw.length}`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI, raw]), format: 'der', type: 'spki' });
}

/** An Ed25519 private key from its 32-byte seed. */
export function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new NoteError('invalid_key', `an Ed25519 private key is a 32-byte seed, not ${seed.length} bytes`);
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
}

function checkEd25519(key: KeyObject, kind: 'public' | 'private'): void {
  if (key.asymmetricKeyType !== 'ed25519' || (kind === 'private' && key.type !== 'private')) {
    throw new NoteError('invalid_key', `expected an Ed25519 ${kind} key, got ${key.asymmetricKeyType ?? 'a secret'} ${key.type} key`);
  }
}

/** The 32 raw bytes of an Ed25519 public key, or of the public half of a private key. */
export function rawEd25519PublicKey(key: KeyObject): Uint8Array {
  checkEd25519(key, 'public');
  return Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
}

function rawSeed(key: KeyObject): Uint8Array {
  checkEd25519(key, 'private');
  return Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url');
}

/** The name, key id and vkey of an Ed25519 key under a name, for one signature type (a signer's key must be private). */
export function ed25519Identity(name: string, type: SignatureType, key: KeyObject, kind: 'public' | 'private'): Omit<NoteVerifier, 'verify'> {
  checkEd25519(key, kind);
  const publicKey = rawEd25519PublicKey(key);
  return { name, keyId: keyId(name, type, publicKey), verifierKey: encodeVerifierKey(name, type, publicKey) };
}

/** Signs with an Ed25519 private key under a name (signature type 0x01); the key name of a log is its origin. */
export function ed25519Signer(name: string, privateKey: KeyObject): NoteSigner {
  return { ...ed25519Identity(name, SignatureType.Ed25519, privateKey, 'private'), sign: (text) => sign(null, text, privateKey) };
}

/** Verifies signature type 0x01 by an Ed25519 public key (a KeyObject or its 32 raw bytes) under a name. */
export function ed25519Verifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  const key = publicKey instanceof Uint8Array ? ed25519PublicKey(publicKey) : publicKey;
  return {
    ...ed25519Identity(name, SignatureType.Ed25519, key, 'public'),
    verify: (text, signature) => signature.length === 64 && verify(null, text, key, signature),
  };
}

/** The raw Ed25519 public key of a decoded vkey, whose type must be one of `types`. */
export function ed25519KeyOf(vkey: VerifierKey, ...types: SignatureType[]): Uint8Array {
  if (!types.includes(vkey.type as SignatureType)) {
    throw new NoteError('invalid_key', `signature type ${typeName(vkey.type)} is not ${types.map(typeName).join(' or ')}`);
  }
  if (vkey.publicKey.length !== 32) throw new NoteError('invalid_key', `an Ed25519 public key is 32 bytes, not ${vkey.publicKey.length}`);
  return vkey.publicKey;
}

/** A verifier for a signed-note vkey string of type 0x01 (Go's NewVerifier). */
export function noteVerifierFromKey(vkey: string): NoteVerifier {
  const decoded = decodeVerifierKey(vkey);
  return ed25519Verifier(decoded.name, ed25519KeyOf(decoded, SignatureType.Ed25519));
}

const SIGNER_PREFIX = 'PRIVATE+KEY+';

/** A signer key string, Go's `PRIVATE+KEY+name+hex8(keyId)+b64(0x01 || seed)` (a golang.org/x/mod convention). */
export function encodeSignerKey(name: string, privateKey: KeyObject): string {
  const { keyId: id } = ed25519Signer(name, privateKey);
  return `${SIGNER_PREFIX}${name}+${hex8(id)}+${encodeBase64(Uint8Array.of(SignatureType.Ed25519, ...rawSeed(privateKey)))}`;
}

/** Reads a Go signer key string; the key id must be that of the public key the seed gives. */
export function decodeSignerKey(skey: string): { name: string; keyId: number; privateKey: KeyObject } {
  if (!skey.startsWith(SIGNER_PREFIX)) throw new NoteError('malformed', `a signer key starts with ${SIGNER_PREFIX}`);
  const { name, id, type, key } = splitKeyString(skey.slice(SIGNER_PREFIX.length), `a signer key after ${SIGNER_PREFIX}`);
  if (type !== SignatureType.Ed25519) throw new NoteError('invalid_key', `a signer key is of type 0x01 (Ed25519), not ${typeName(type)}`);
  const privateKey = ed25519PrivateKey(key);
  const computed = keyId(name, type, rawEd25519PublicKey(privateKey));
  checkId(id, computed, 'the signer key');
  return { name, keyId: computed, privateKey };
}
