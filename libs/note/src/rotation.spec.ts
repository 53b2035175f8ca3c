import { generateKeyPairSync } from 'node:crypto';
import {
  ed25519Signer, followKeyRotations, formatCheckpoint, formatKeyRotation, type NoteSigner, noteVerifierFromKey, openCheckpoint, openKeyRotation, parseCheckpoint, parseKeyRotation, parseNote,
  signKeyRotation, signNote,
} from './index.js';
import { reasonOf } from './test-support/refusals.js';

const ORIGIN = 'plaza.test/log';
const newSigner = (name = ORIGIN): NoteSigner => ed25519Signer(name, generateKeyPairSync('ed25519').privateKey);
const [a, b, c, d] = [newSigner(), newSigner(), newSigner(), newSigner()];
const rotation = (from: NoteSigner, to: NoteSigner, size: number) => signKeyRotation({ origin: ORIGIN, oldKey: from.verifierKey, newKey: to.verifierKey, size }, from, to);

describe('key rotation statements', () => {
  it('are five lines: origin, "key rotation", the old key, the new key and the size from which the new key signs', () => {
    const text = formatKeyRotation({ origin: ORIGIN, oldKey: a.verifierKey, newKey: b.verifierKey, size: 42 });
    expect(text).toBe(`${ORIGIN}\nkey rotation\nold ${a.verifierKey}\nnew ${b.verifierKey}\nsize 42\n`);
    expect(parseKeyRotation(text)).toEqual({ origin: ORIGIN, oldKey: a.verifierKey, newKey: b.verifierKey, size: 42 });
  });

  it('are signed by the old key, then by the new one, and open only with both signatures', () => {
    const note = rotation(a, b, 7);
    expect(parseNote(note).signatures.map((s) => s.keyId)).toEqual([a.keyId, b.keyId]);
    expect(openKeyRotation(note)).toEqual({ origin: ORIGIN, oldKey: a.verifierKey, newKey: b.verifierKey, size: 7 });
    const text = formatKeyRotation({ origin: ORIGIN, oldKey: a.verifierKey, newKey: b.verifierKey, size: 7 });
    expect(reasonOf(() => openKeyRotation(signNote(text, a)))).toBe('unknown_key');
    expect(reasonOf(() => openKeyRotation(signNote(text, b)))).toBe('unknown_key');
    // Signed by the key it names as new and a third key: the old key never vouched for it.
    expect(reasonOf(() => openKeyRotation(signNote(text, [c, b])))).toBe('unknown_key');
  });

  it('refuse a signature that does not verify', () => {
    const note = rotation(a, b, 7);
    const tampered = note.replace('size 7', 'size 8');
    expect(reasonOf(() => openKeyRotation(tampered))).toBe('invalid_signature');
  });

  it('cannot be signed by keys other than the ones they name', () => {
    expect(reasonOf(() => signKeyRotation({ origin: ORIGIN, oldKey: a.verifierKey, newKey: b.verifierKey, size: 1 }, c, b))).toBe('invalid_key');
  });

  it.each([
    ['a key of another name', () => formatKeyRotation({ origin: ORIGIN, oldKey: a.verifierKey, newKey: newSigner('other.test/log').verifierKey, size: 1 })],
    ['the same key twice', () => formatKeyRotation({ origin: ORIGIN, oldKey: a.verifierKey, newKey: a.verifierKey, size: 1 })],
    ['a negative size', () => formatKeyRotation({ origin: ORIGIN, oldKey: a.verifierKey, newKey: b.verifierKey, size: -1 })],
    ['a size with a leading zero', () => parseKeyRotation(`${ORIGIN}\nkey rotation\nold ${a.verifierKey}\nnew ${b.verifierKey}\nsize 01\n`)],
    ['another label', () => parseKeyRotation(`${ORIGIN}\nkey rotations\nold ${a.verifierKey}\nnew ${b.verifierKey}\nsize 1\n`)],
    ['an extra line', () => parseKeyRotation(`${ORIGIN}\nkey rotation\nold ${a.verifierKey}\nnew ${b.verifierKey}\nsize 1\nmore\n`)],
    ['a swapped old and new line', () => parseKeyRotation(`${ORIGIN}\nkey rotation\nnew ${b.verifierKey}\nold ${a.verifierKey}\nsize 1\n`)],
  ])('refuse %s', (_, action) => {
    expect(reasonOf(action)).toBe('malformed');
  });

  it('never read as a checkpoint, nor a checkpoint as a statement', () => {
    const statement = rotation(a, b, 3);
    expect(reasonOf(() => openCheckpoint(statement, [noteVerifierFromKey(a.verifierKey)]))).toBe('malformed');
    const checkpoint = formatCheckpoint({ origin: ORIGIN, size: 3, rootHash: new Uint8Array(32), extensions: [] });
    expect(reasonOf(() => parseKeyRotation(checkpoint))).toBe('malformed');
    expect(parseCheckpoint(checkpoint).size).toBe(3);
  });
});

describe('following key rotations', () => {
  const chain = [rotation(a, b, 10), rotation(b, c, 20), rotation(c, d, 20)];

  it('leads from the trusted key to the latest one through each statement', () => {
    const followed = followKeyRotations(a.verifierKey, chain);
    expect(followed.vkey).toBe(d.verifierKey);
    expect(followed.minSize).toBe(20);
    expect(followed.rotations.map((r) => r.newKey)).toEqual([b.verifierKey, c.verifierKey, d.verifierKey]);
  });

  it('starts at the trusted key, skipping the statements before it', () => {
    expect(followKeyRotations(c.verifierKey, chain)).toMatchObject({ vkey: d.verifierKey, minSize: 20 });
    expect(followKeyRotations(d.verifierKey, chain)).toEqual({ vkey: d.verifierKey, minSize: 0, rotations: [] });
  });

  it('stays at a key no statement rotates away from', () => {
    const stranger = newSigner();
    expect(followKeyRotations(stranger.verifierKey, chain).vkey).toBe(stranger.verifierKey);
  });

  it('refuses a chain with a gap: a statement signed by a key the chain did not reach', () => {
    expect(reasonOf(() => followKeyRotations(a.verifierKey, [chain[0]!, chain[2]!]))).toBe('invalid_key');
  });

  it('refuses a chain whose statement does not verify', () => {
    expect(reasonOf(() => followKeyRotations(a.verifierKey, [chain[0]!, chain[1]!.replace('size 20', 'size 21'), chain[2]!]))).toBe('invalid_signature');
  });

  it('refuses a chain that goes back in tree size', () => {
    expect(reasonOf(() => followKeyRotations(a.verifierKey, [rotation(a, b, 10), rotation(b, c, 9)]))).toBe('malformed');
  });

  it("ignores another log's statements before the trusted key's", () => {
    const [x, y] = [newSigner('other.test/log'), newSigner('other.test/log')];
    const foreign = signKeyRotation({ origin: 'other.test/log', oldKey: x.verifierKey, newKey: y.verifierKey, size: 1 }, x, y);
    expect(followKeyRotations(a.verifierKey, [foreign, ...chain]).vkey).toBe(d.verifierKey);
  });
});
