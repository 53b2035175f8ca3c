import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MerkleTree, TreeHasher, verifyConsistency } from '#plaza/merkle';
import {
  cosignatureMessage,
  cosignatureTime,
  cosignatureVerifier,
  cosignatureVerifierFromKey,
  cosigner,
  decodeSignerKey,
  decodeVerifierKey,
  ed25519Signer,
  encodeSignerKey,
  formatAddCheckpointRequest,
  noteVerifierFromKey,
  openCheckpoint,
  parseAddCheckpointRequest,
  parseNote,
  signNote,
  verifyNote,
} from './index.js';
import { reasonOf } from './test-support/refusals.js';

/*
 * The known answers of the C2SP digest, section 7: golang.org/x/mod sumdb/note's tests (7.1), the signed-note spec's
 * example (7.2), transparency-dev/tessera's test log (7.3, the files in test/vectors/tessera-testlog), the witness
 * request derived from it (7.4), transparency-dev/witness's test keys and checkpoints (7.5) and the cosignature
 * derived from them (7.6).
 */

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const b64 = (text: string): Uint8Array => Buffer.from(text, 'base64');
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());

describe('golang.org/x/mod sumdb/note vectors (7.1)', () => {
  const skey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
  const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  const peterLine = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
  const enochKey = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
  const enochLine = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

  it('signing the text with the decoded signer key reproduces Go\'s 210-byte note exactly', () => {
    const { name, keyId, privateKey } = decodeSignerKey(skey);
    expect([name, keyId]).toEqual(['PeterNeumann', 0xc74f20a3]);
    const signer = ed25519Signer(name, privateKey);
    expect(signer.verifierKey).toBe(vkey);
    const note = signNote(text, signer);
    expect(note).toBe(`${text}\n${peterLine}`);
    expect(Buffer.byteLength(note)).toBe(210);
    expect(sha256(note)).toBe('537569759e8fc05d0cd7cbd8beb018f45cf8229f5b270aa1c829445405bab98e');
  });

  it('encoding the private key again gives back Go\'s signer key string', () => {
    expect(encodeSignerKey('PeterNeumann', decodeSignerKey(skey).privateKey)).toBe(skey);
  });

  it('the note verifies with the verifier key and names the one signature that verified', () => {
    const note = verifyNote(`${text}\n${peterLine}`, [noteVerifierFromKey(vkey)]);
    expect(note.text).toBe(text);
    expect(note.verified.map((s) => [s.name, s.keyId])).toEqual([['PeterNeumann', 0xc74f20a3]]);
    expect(note.unverified).toEqual([]);
  });

  it('a note signed by both keys verifies with both, and keeps the unknown one unverified when only one is known', () => {
    const both = `${text}\n${peterLine}${enochLine}`;
    expect(verifyNote(both, [noteVerifierFromKey(vkey), noteVerifierFromKey(enochKey)]).verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    const one = verifyNote(both, [noteVerifierFromKey(enochKey)]);
    expect(one.verified.map((s) => s.name)).toEqual(['EnochRoot']);
    expect(one.unverified.map((s) => s.name)).toEqual(['PeterNeumann']);
  });

  it('refuses the verifier keys Go refuses: an unknown signature type, a key of the wrong length', () => {
    expect(reasonOf(() => noteVerifierFromKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).toBe('invalid_key');
    // Go reads the trailing bits of "EY==" and refuses the key for its length; its base64 is not canonical, so it
    // is refused before that here (keys.spec.ts proves the length check with a canonical key).
    expect(reasonOf(() => noteVerifierFromKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='))).toBe('malformed');
  });
});

describe('the signed-note spec example (7.2)', () => {
  it('verifies with its verifier key', () => {
    const message = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
    const note = verifyNote(message, [noteVerifierFromKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k')]);
    expect(note.text).toBe('This is an example message.\n');
  });
});

describe('the tessera test log (7.3)', () => {
  const folder = new URL('../../../test/vectors/tessera-testlog/', import.meta.url);
  const read = (path: string): Buffer => readFileSync(new URL(path, folder));
  const logKey = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx';
  const logSigner = (): ReturnType<typeof ed25519Signer> => {
    const { name, privateKey } = decodeSignerKey('PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg');
    return ed25519Signer(name, privateKey);
  };
  const entries = 'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(' ');
  const sizes = Array.from({ length: 16 }, (_, size) => size);

  it('the log\'s signer key and verifier key are one key', () => {
    expect(logSigner().verifierKey).toBe(logKey);
  });

  it.each(sizes)('checkpoint.%i verifies with the log key and holds the RFC 6962 root of the first entries', async (size) => {
    const tree = new MerkleTree(hasher);
    await tree.appendEntries(entries.slice(0, size).map((entry) => Buffer.from(entry)));
    const { checkpoint, note } = openCheckpoint(read(`checkpoint.${size}`), [noteVerifierFromKey(logKey)]);
    expect(checkpoint).toEqual({ origin: 'example.com/log/testdata', size, rootHash: expect.anything(), extensions: [] });
    expect(hex(checkpoint.rootHash)).toBe(hex(await tree.root()));
    expect(note.verified.map((s) => s.name)).toEqual(['example.com/log/testdata']);
  });

  it.each(sizes)('re-signing the text of checkpoint.%i reproduces the file byte for byte', (size) => {
    const file = read(`checkpoint.${size}`);
    expect(Buffer.from(signNote(parseNote(file).text, logSigner()))).toEqual(file);
  });

  it('checkpoint is checkpoint.15, with the root and signature the digest lists', () => {
    const latest = read('checkpoint');
    expect(latest).toEqual(read('checkpoint.15'));
    const { checkpoint } = openCheckpoint(latest, [noteVerifierFromKey(logKey)]);
    expect(Buffer.from(checkpoint.rootHash).toString('base64')).toBe('rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=');
    expect(latest.toString()).toContain('— example.com/log/testdata M9e0luh4jTG+UMBqOUo9/q+yAEvx1ilBEniMvjf1zfcBOhg+CKubMt53MvIt/uEWP6zdkdIQzd/fmwlM/dlPWF74ewI=\n');
  });

  it('an add-checkpoint body from 8 to 15 is the old size, the one-hash proof, a blank line and checkpoint.15 (7.4)', async () => {
    const proof = [b64('5jLpqTgjsBDSEX6SgZiRnbTMdTuRd8bQ5tSsAOxe0Ks=')];
    const checkpoint15 = read('checkpoint.15').toString();
    const body = formatAddCheckpointRequest({ oldSize: 8, consistencyProof: proof, checkpoint: checkpoint15 });
    expect(body).toBe(`old 8\n5jLpqTgjsBDSEX6SgZiRnbTMdTuRd8bQ5tSsAOxe0Ks=\n\n${checkpoint15}`);

    // What a witness holding size 8 does with it: read, verify the note, check the proof against its stored root.
    const request = parseAddCheckpointRequest(Buffer.from(body));
    const { checkpoint } = openCheckpoint(request.checkpoint, [noteVerifierFromKey(logKey)]);
    const { checkpoint: old } = openCheckpoint(read('checkpoint.8'), [noteVerifierFromKey(logKey)]);
    expect(await verifyConsistency(hasher, request.oldSize, checkpoint.size, old.rootHash, checkpoint.rootHash, request.consistencyProof)).toBe(true);
  });
});

describe('transparency-dev/witness test vectors (7.5) and the cosignature derived from them (7.6)', () => {
  const mPK = 'monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT';
  const mSK = 'PRIVATE+KEY+monkeys+db4d9f7e+ATWIAF3yVBG+Hv1rZFQoNt/BaURkLPtOFMAM2HrEeIr6';
  const wSK = 'PRIVATE+KEY+witness+f13a86db+AaLa/dfyBhyo/m0Z7WCi98ENVZWtrP8pxgRNrx7tIWiA';
  const wPK = 'witness+f13a86db+AdYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN';
  const mInit = 'monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n— monkeys 202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n';
  const mNext = 'monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n\n— monkeys 202ffoUEboiQYpHzICeaFmoy3RNviHTpAxYrq/eO4QQVQMvu9UebKBMX2MJC76NLthZaKsnKbCA8GxrjePZhvDCH7Ag=\n';
  const proof = [
    'b9e1d62618f7fee8034e4c5010f727ab24d8e4705cb296c374bf2025a87a10d2',
    'aac66cd7a79ce4012d80762fe8eec3a77f22d1ca4145c3f4cee022e7efcd599d',
    '89d0f753f66a290c483b39cd5e9eafb12021293395fad3d4a2ad053cfbcfdc9e',
    '29e40bb79c966f4c6fe96aff6f30acfce5f3e8d84c02215175d6e018a5dee833',
  ].map((h) => Buffer.from(h, 'hex'));
  const cosignerKey = 'witness+24b37851+BNYV1Ztajd9BvyjP2HgpwrqYL6TjOwIjGMOq8Bu42xbN';
  const cosignatureLine = '— witness JLN4UQAAAABkGFDL30hyK1zJfcjUteDTTLwHjqqBssk83aRYgcomnd8bo/7OG1sGbEwpJoabhF3oO+9mYxBnYeQ2iSFGj5xaybB7Aw==\n';
  const witness = (): ReturnType<typeof cosigner> => cosigner('witness', decodeSignerKey(wSK).privateKey, { clock: () => 1679315147 });

  it('the log\'s and the witness\'s signer keys match their verifier keys, and both checkpoints verify', () => {
    expect(ed25519Signer('monkeys', decodeSignerKey(mSK).privateKey).verifierKey).toBe(mPK);
    expect(ed25519Signer('witness', decodeSignerKey(wSK).privateKey).verifierKey).toBe(wPK);
    expect(openCheckpoint(mInit, [noteVerifierFromKey(mPK)]).checkpoint.size).toBe(5);
    expect(openCheckpoint(mNext, [noteVerifierFromKey(mPK)]).checkpoint.size).toBe(8);
  });

  it('the 5 -> 8 proof travels in an add-checkpoint body and verifies between the two roots', async () => {
    const request = parseAddCheckpointRequest(formatAddCheckpointRequest({ oldSize: 5, consistencyProof: proof, checkpoint: mNext }));
    const init = openCheckpoint(mInit, [noteVerifierFromKey(mPK)]).checkpoint;
    const next = openCheckpoint(request.checkpoint, [noteVerifierFromKey(mPK)]).checkpoint;
    expect(request.consistencyProof.map(hex)).toEqual(proof.map(hex));
    expect(await verifyConsistency(hasher, 5, 8, init.rootHash, next.rootHash, request.consistencyProof)).toBe(true);
  });

  it('the refusals the witness test expects: a junk proof hash is not a request, a proof from 0 or to a wrong root does not verify', async () => {
    const head = (oldSize: number, lines: string[]): string => `old ${oldSize}\n${lines.map((l) => `${l}\n`).join('')}\n${mNext}`;
    expect(reasonOf(() => parseAddCheckpointRequest(head(5, [Buffer.from([0x02]).toString('base64')])))).toBe('malformed');
    expect(reasonOf(() => parseAddCheckpointRequest(head(5, [Buffer.from([0x02, 0x03]).toString('base64')])))).toBe('malformed');
    const init = openCheckpoint(mInit, [noteVerifierFromKey(mPK)]).checkpoint;
    const next = openCheckpoint(mNext, [noteVerifierFromKey(mPK)]).checkpoint;
    expect(await verifyConsistency(hasher, 0, 8, await hasher.empty(), next.rootHash, proof)).toBe(false);
    expect(await verifyConsistency(hasher, 5, 8, init.rootHash, Buffer.alloc(32, 0xff), proof)).toBe(false);
  });

  it('cosigning mNext at 1679315147 reproduces the derived cosignature line, key id and message', () => {
    const signer = witness();
    expect(signer.verifierKey).toBe(cosignerKey);
    expect(signer.keyId).toBe(0x24b37851);
    const { text } = parseNote(mNext);
    expect(Buffer.from(cosignatureMessage(text, 1679315147)).toString()).toBe(
      'cosignature/v1\ntime 1679315147\nmonkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n',
    );
    expect(signNote(parseNote(mNext), signer)).toBe(mNext + cosignatureLine);
  });

  it('the cosigned checkpoint verifies with the log key and the witness key, given as type 0x04 or as its 0x01 note key', () => {
    for (const witnessKey of [cosignerKey, wPK]) {
      const note = verifyNote(mNext + cosignatureLine, [noteVerifierFromKey(mPK), cosignatureVerifierFromKey(witnessKey)]);
      expect(note.verified.map((s) => s.name)).toEqual(['monkeys', 'witness']);
      expect(cosignatureTime(note.verified[1]!)).toBe(1679315147);
    }
    expect(decodeVerifierKey(cosignerKey).keyId).toBe(cosignatureVerifier('witness', decodeVerifierKey(wPK).publicKey).keyId);
  });

  it('the C2SP cosignature example line decodes to key id 8d66cf3f and time 1679315147', () => {
    // tlog-cosignature.md's example; its witness key is not published, so only its layout can be checked.
    const note = parseNote(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
        '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
        '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n',
    );
    const [, cosignature] = note.signatures;
    expect(cosignature!.keyId.toString(16)).toBe('8d66cf3f');
    expect(cosignatureTime(cosignature!)).toBe(1679315147);
  });
});
