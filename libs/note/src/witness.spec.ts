import { Buffer } from 'node:buffer';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import {
  addSignatures,
  cosignatureVerifierFromKey,
  cosigner,
  ed25519Signer,
  formatAddCheckpointRequest,
  formatAddCheckpointResponse,
  formatCheckpoint,
  formatTreeSize,
  MAX_CONSISTENCY_PROOF_LINES,
  noteVerifierFromKey,
  parseAddCheckpointRequest,
  parseAddCheckpointResponse,
  parseNote,
  parseTreeSize,
  signNote,
  signText,
  verifyNote,
} from './index.js';
import { reasonOf } from './test-support/refusals.js';

const log = ed25519Signer('log.example', generateKeyPairSync('ed25519').privateKey);
const witness = cosigner('witness.example', generateKeyPairSync('ed25519').privateKey, { clock: () => 1_700_000_000 });
const CHECKPOINT = signNote(formatCheckpoint({ origin: 'log.example', size: 20, rootHash: new Uint8Array(32).fill(9), extensions: [] }), log);
const HASH = Buffer.alloc(32, 1).toString('base64');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('the add-checkpoint request (tlog-witness v1.0.0)', () => {
  it('reads back what it writes: old size, 0 to 63 proof hashes, the note byte for byte', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: MAX_CONSISTENCY_PROOF_LINES }), (oldSize, proof) => {
        const body = formatAddCheckpointRequest({ oldSize, consistencyProof: proof, checkpoint: CHECKPOINT });
        const read = parseAddCheckpointRequest(Buffer.from(body));
        expect([read.oldSize, read.consistencyProof.map(hex), read.checkpoint]).toEqual([oldSize, proof.map(hex), CHECKPOINT]);
      }),
      { numRuns: 50 },
    );
  });

  it('writes "old 0" and no proof lines for a first request', () => {
    expect(formatAddCheckpointRequest({ oldSize: 0, consistencyProof: [], checkpoint: CHECKPOINT })).toBe(`old 0\n\n${CHECKPOINT}`);
  });

  it.each([
    ['no old line', `\n${CHECKPOINT}`],
    ['an old size with a leading zero', `old 05\n\n${CHECKPOINT}`],
    ['two spaces after old', `old  5\n\n${CHECKPOINT}`],
    ['a proof line that is not a 32-byte hash', `old 5\n${Buffer.alloc(31).toString('base64')}\n\n${CHECKPOINT}`],
    ['64 proof lines', `old 5\n${`${HASH}\n`.repeat(64)}\n${CHECKPOINT}`],
    ['no blank line after the proof', `old 5\n${HASH}\n`],
    ['no checkpoint', `old 5\n${HASH}\n\n`],
    ['CRLF line ends', `old 5\r\n\r\n${CHECKPOINT}`],
  ])('refuses a body with %s', (_, body) => {
    expect(reasonOf(() => parseAddCheckpointRequest(body))).toBe('malformed');
  });

  it('takes 63 proof lines', () => {
    expect(parseAddCheckpointRequest(`old 5\n${`${HASH}\n`.repeat(63)}\n${CHECKPOINT}`).consistencyProof).toHaveLength(63);
  });

  it('refuses to write more than 63 proof hashes, a short hash, or a checkpoint that is not a note', () => {
    const hash = new Uint8Array(32);
    expect(reasonOf(() => formatAddCheckpointRequest({ oldSize: 1, consistencyProof: Array(64).fill(hash), checkpoint: CHECKPOINT }))).toBe('malformed');
    expect(reasonOf(() => formatAddCheckpointRequest({ oldSize: 1, consistencyProof: [new Uint8Array(31)], checkpoint: CHECKPOINT }))).toBe('malformed');
    expect(reasonOf(() => formatAddCheckpointRequest({ oldSize: 1, consistencyProof: [], checkpoint: 'log.example\n20\n' }))).toBe('malformed');
  });
});

describe('the witness\'s answers', () => {
  it('a 200 is the cosignature lines, which the log appends to its checkpoint and verifies with the witness key', () => {
    const { text } = parseNote(CHECKPOINT);
    const body = formatAddCheckpointResponse([signText(text, witness)]);
    expect(body).toMatch(/^— witness\.example [A-Za-z0-9+/]{102}==\n$/);
    const cosigned = addSignatures(parseNote(CHECKPOINT), parseAddCheckpointResponse(Buffer.from(body)));
    const note = verifyNote(cosigned, [noteVerifierFromKey(log.verifierKey), cosignatureVerifierFromKey(witness.verifierKey)]);
    expect(note.verified.map((s) => s.name)).toEqual(['log.example', 'witness.example']);
  });

  it('refuses an empty 200, one without its final newline, or more lines than the reader takes', () => {
    const line = formatAddCheckpointResponse([signText(parseNote(CHECKPOINT).text, witness)]);
    expect(reasonOf(() => parseAddCheckpointResponse(''))).toBe('malformed');
    expect(reasonOf(() => parseAddCheckpointResponse(line.slice(0, -1)))).toBe('malformed');
    expect(reasonOf(() => parseAddCheckpointResponse(line.repeat(17), { maxSignatures: 16 }))).toBe('too_many_signatures');
    expect(reasonOf(() => formatAddCheckpointResponse([]))).toBe('malformed');
  });

  it(`a 409's ${'text/x.tlog.size'} body is the size the witness holds and a newline`, () => {
    expect(formatTreeSize(5)).toBe('5\n');
    expect(parseTreeSize(Buffer.from('5\n'))).toBe(5);
    expect(parseTreeSize('0\n')).toBe(0);
    for (const body of ['5', '05\n', '5\n\n', ' 5\n', '\n', '', '-1\n', 'five\n']) {
      expect(reasonOf(() => parseTreeSize(body))).toBe('malformed');
    }
    expect(reasonOf(() => formatTreeSize(-1))).toBe('malformed');
  });
});
