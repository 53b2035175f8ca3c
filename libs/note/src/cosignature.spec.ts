import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import {
  cosignatureTime,
  cosignatureVerifier,
  cosignatureVerifierFromKey,
  cosigner,
  ed25519Signer,
  encodeVerifierKey,
  formatCheckpoint,
  noteVerifierFromKey,
  parseNote,
  rawEd25519PublicKey,
  signNote,
  verifyNote,
  type NoteSignature,
} from './index.js';
import { reasonOf } from './test-support/refusals.js';

const log = ed25519Signer('log.example', generateKeyPairSync('ed25519').privateKey);
const witnessKey = generateKeyPairSync('ed25519');
const witness = cosigner('witness.example/w1', witnessKey.privateKey, { clock: () => 1_700_000_000 });
const logVerifier = noteVerifierFromKey(log.verifierKey);
const witnessVerifier = cosignatureVerifierFromKey(witness.verifierKey);
const TEXT = formatCheckpoint({ origin: 'log.example', size: 10, rootHash: new Uint8Array(32).fill(7), extensions: ['an extension'] });
const cosigned = signNote(parseNote(signNote(TEXT, log)), witness);
const cosignatureOf = (message: string): NoteSignature => parseNote(message).signatures.at(-1)!;

describe('cosignatures (tlog-cosignature v1, type 0x04)', () => {
  it('carry the cosigner\'s clock in seconds before the 64-byte signature, and verify with the log\'s signature', () => {
    const cosignature = cosignatureOf(cosigned);
    expect(cosignature.signature).toHaveLength(72);
    expect(cosignatureTime(cosignature)).toBe(1_700_000_000);
    expect(verifyNote(cosigned, [logVerifier, witnessVerifier]).verified.map((s) => s.name)).toEqual(['log.example', 'witness.example/w1']);
  });

  it('have a key id and vkey of type 0x04, unlike the same key as a note signer', () => {
    const raw = rawEd25519PublicKey(witnessKey.publicKey);
    expect(witness.verifierKey).toBe(encodeVerifierKey('witness.example/w1', 0x04, raw));
    expect(witness.keyId).not.toBe(ed25519Signer('witness.example/w1', witnessKey.privateKey).keyId);
    expect(cosignatureVerifier('witness.example/w1', witnessKey.publicKey).keyId).toBe(witness.keyId);
  });

  it('are not taken for a note signature by the same key, nor a note signature for a cosignature', () => {
    const asNoteKey = noteVerifierFromKey(ed25519Signer('witness.example/w1', witnessKey.privateKey).verifierKey);
    expect(reasonOf(() => verifyNote(signNote(TEXT, witness), [asNoteKey]))).toBe('unknown_key');
    const noteSignature = parseNote(signNote(TEXT, ed25519Signer('witness.example/w1', witnessKey.privateKey))).signatures[0]!;
    const relabelled = { ...noteSignature, keyId: witness.keyId };
    expect(reasonOf(() => verifyNote({ text: TEXT, signatures: [relabelled] }, [witnessVerifier]))).toBe('invalid_signature');
  });

  it('cover the time and every line of the checkpoint, extension lines included', () => {
    const laterTime = (message: string): string => {
      const cosignature = cosignatureOf(message);
      const signature = Buffer.from(cosignature.signature);
      signature.writeBigUInt64BE(1_700_000_001n);
      return signNote({ text: TEXT, signatures: [{ ...cosignature, signature }] }, log);
    };
    expect(reasonOf(() => verifyNote(laterTime(cosigned), [witnessVerifier]))).toBe('invalid_signature');
    const otherExtension = { text: TEXT.replace('an extension', 'another one'), signatures: [cosignatureOf(cosigned)] };
    expect(reasonOf(() => verifyNote(otherExtension, [witnessVerifier]))).toBe('invalid_signature');
  });

  it('fail with a time beyond 2^53 - 1 seconds, which no key could have signed in this world', () => {
    const signature = Buffer.alloc(72);
    signature.writeBigUInt64BE(2n ** 60n);
    const far = { name: witness.name, keyId: witness.keyId, signature };
    expect(reasonOf(() => verifyNote({ text: TEXT, signatures: [far] }, [witnessVerifier]))).toBe('invalid_signature');
    expect(reasonOf(() => cosignatureTime(far))).toBe('malformed');
  });

  it('are made only over a checkpoint, and only with a positive time', () => {
    expect(reasonOf(() => signNote('not a checkpoint\n', witness))).toBe('malformed');
    const stopped = cosigner('witness.example/w1', witnessKey.privateKey, { clock: () => 0 });
    expect(() => signNote(TEXT, stopped)).toThrow(RangeError);
  });

  it('take the time from the system clock by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const time = cosignatureTime(cosignatureOf(signNote(TEXT, cosigner('w', witnessKey.privateKey))));
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('a 64-byte note signature is not a cosignature', () => {
    expect(reasonOf(() => cosignatureTime(parseNote(signNote(TEXT, log)).signatures[0]!))).toBe('malformed');
  });

  it('a witness vkey must be an Ed25519 key of type 0x04 or 0x01', () => {
    const raw = rawEd25519PublicKey(witnessKey.publicKey);
    expect(reasonOf(() => cosignatureVerifierFromKey(encodeVerifierKey('w', 0x02, raw)))).toBe('invalid_key');
    expect(reasonOf(() => cosignatureVerifierFromKey(encodeVerifierKey('w', 0x04, raw.subarray(1))))).toBe('invalid_key');
  });
});
