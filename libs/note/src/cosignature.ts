import { Buffer } from 'node:buffer';
import { type KeyObject, sign, verify } from 'node:crypto';
import { parseCheckpoint } from './checkpoint.js';
import { utf8 } from './encoding.js';
import { NoteError } from './errors.js';
import { decodeVerifierKey, ed25519Identity, ed25519KeyOf, ed25519PublicKey, SignatureType, type NoteSigner, type NoteVerifier } from './keys.js';
import type { NoteSignature } from './note.js';

/** A cosignature/v1 is a big-endian u64 timestamp then a 64-byte Ed25519 signature. */
const TIMESTAMPED_LENGTH = 8 + 64;

/** What a cosigner signs: `cosignature/v1`, `time <seconds>`, then the whole checkpoint text (extension lines too). */
export function cosignatureMessage(checkpointText: string | Uint8Array, timestamp: number): Uint8Array {
  const text = typeof checkpointText === 'string' ? utf8(checkpointText) : checkpointText;
  return Buffer.concat([utf8(`cosignature/v1\ntime ${timestamp}\n`), text]);
}

export interface CosignerOptions {
  /** The time to sign, in POSIX seconds (default: now). */
  readonly clock?: () => number;
}

/**
 * A witness's signer (tlog-cosignature v1, type 0x04): signs a checkpoint text with the time and an Ed25519 key that
 * must serve no other cosigner name (the message does not name the cosigner). Refuses a text that is not a checkpoint.
 */
export function cosigner(name: string, privateKey: KeyObject, options: CosignerOptions = {}): NoteSigner {
  const clock = options.clock ?? ((): number => Math.floor(Date.now() / 1000));
  return {
    ...ed25519Identity(name, SignatureType.CosignatureV1, privateKey, 'private'),
    sign(text) {
      parseCheckpoint(Buffer.from(text).toString('utf8'));
      const timestamp = clock();
      if (!Number.isSafeInteger(timestamp) || timestamp <= 0) throw new RangeError(`a cosignature's time is positive whole seconds, not ${timestamp}`);
      const signed = new Uint8Array(TIMESTAMPED_LENGTH);
      new DataView(signed.buffer).setBigUint64(0, BigInt(timestamp));
      signed.set(sign(null, cosignatureMessage(text, timestamp), privateKey), 8);
      return signed;
    },
  };
}

/** The time of a timestamped signature, or null when it is not one or its time is beyond 2^53 - 1 seconds. */
function timestampOf(signature: Uint8Array): number | null {
  if (signature.length !== TIMESTAMPED_LENGTH) return null;
  const timestamp = new DataView(signature.buffer, signature.byteOffset).getBigUint64(0);
  return timestamp <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(timestamp) : null;
}

/**
 * Verifies cosignature/v1 lines of a witness (its name and 32-byte Ed25519 key). A time beyond 2^53 - 1 seconds
 * (285 million years ahead; the spec lets verifiers refuse times in the future) fails.
 */
export function cosignatureVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  const key = publicKey instanceof Uint8Array ? ed25519PublicKey(publicKey) : publicKey;
  return {
    ...ed25519Identity(name, SignatureType.CosignatureV1, key, 'public'),
    verify(text, signature) {
      const timestamp = timestampOf(signature);
      if (timestamp === null) return false;
      return verify(null, cosignatureMessage(text, timestamp), key, signature.subarray(8));
    },
  };
}

/**
 * A verifier for a witness's vkey string: type 0x04, or type 0x01 for the same Ed25519 key, taken as its
 * cosignature/v1 key under the type 0x04 key id (transparency-dev/formats takes both forms too).
 */
export function cosignatureVerifierFromKey(vkey: string): NoteVerifier {
  const decoded = decodeVerifierKey(vkey);
  return cosignatureVerifier(decoded.name, ed25519KeyOf(decoded, SignatureType.CosignatureV1, SignatureType.Ed25519));
}

/** The time a cosignature/v1 line says it was made, in POSIX seconds (read without verifying it). */
export function cosignatureTime(signature: NoteSignature): number {
  const timestamp = timestampOf(signature.signature);
  if (timestamp === null) throw new NoteError('malformed', `the signature by ${signature.name} is not a cosignature/v1 with a time below 2^53 seconds`);
  return timestamp;
}
