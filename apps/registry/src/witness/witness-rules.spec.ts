import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TreeHasher } from '#plaza/merkle';
import { formatAddCheckpointRequest, noteVerifierFromKey, type NoteVerifier } from '#plaza/note';
import { WitnessError, WitnessErrorCode } from './witness-error.js';
import { judge, readSubmission, type Submission } from './witness-rules.js';
import type { HeldTree } from './witness.repository.js';

const hasher = new TreeHasher((bytes) => createHash('sha256').update(bytes).digest());
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

// The spec digest's 7.5: transparency-dev/witness's test log "monkeys", its checkpoints of size 5 and 8 and the proof between.
const MONKEYS = noteVerifierFromKey('monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT');
const M_INIT = 'monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n— monkeys 202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n';
const M_NEXT = 'monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n\n— monkeys 202ffoUEboiQYpHzICeaFmoy3RNviHTpAxYrq/eO4QQVQMvu9UebKBMX2MJC76NLthZaKsnKbCA8GxrjePZhvDCH7Ag=\n';
const PROOF_5_8 = [
  'b9e1d62618f7fee8034e4c5010f727ab24d8e4705cb296c374bf2025a87a10d2',
  'aac66cd7a79ce4012d80762fe8eec3a77f22d1ca4145c3f4cee022e7efcd599d',
  '89d0f753f66a290c483b39cd5e9eafb12021293395fad3d4a2ad053cfbcfdc9e',
  '29e40bb79c966f4c6fe96aff6f30acfce5f3e8d84c02215175d6e018a5dee833',
].map(hex);
const M_INIT_ROOT = b64('41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=');

// 7.3 and 7.4: transparency-dev/tessera's 15-entry test log and the consistency proofs derived from it.
const TESSERA = noteVerifierFromKey('example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx');
const tessera = (size: number): string => readFileSync(new URL(`../../../../test/vectors/tessera-testlog/checkpoint.${size}`, import.meta.url), 'utf8');

const LOGS = new Map<string, NoteVerifier>([['monkeys', MONKEYS], ['example.com/log/testdata', TESSERA]]);
const body = (oldSize: number, proof: Uint8Array[], note: string): Uint8Array => utf8(formatAddCheckpointRequest({ oldSize, consistencyProof: proof, checkpoint: note }));
const nothingHeld = async (): Promise<HeldTree> => ({ size: 0, rootHash: await hasher.empty() });

/** The code of the WitnessError a call throws (sync or async), or 'none'. */
async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof WitnessError) return error.code;
    throw error;
  }
  return 'none';
}

describe('reading an add-checkpoint request (in the order of tlog-witness v1.0.0)', () => {
  it("reads the old size, the proof and the checkpoint of a note signed by the log's listed key", () => {
    const submission = readSubmission(body(5, PROOF_5_8, M_NEXT), LOGS);
    expect(submission).toMatchObject({ oldSize: 5, note: M_NEXT, text: 'monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n' });
    expect(submission.checkpoint).toMatchObject({ origin: 'monkeys', size: 8 });
    expect(submission.proof).toEqual(PROOF_5_8);
  });

  it("reads the spec digest's add-checkpoint body from 8 to 15 of tessera's log, byte for byte", () => {
    const submission = readSubmission(utf8(`old 8\n5jLpqTgjsBDSEX6SgZiRnbTMdTuRd8bQ5tSsAOxe0Ks=\n\n${tessera(15)}`), LOGS);
    expect([submission.oldSize, submission.checkpoint.size, submission.note]).toEqual([8, 15, tessera(15)]);
  });

  it.each([
    ['a body that is not one', utf8('hello\n'), WitnessErrorCode.Malformed],
    ['a proof line that is not a 32-byte hash (the Go tests\' junk proof)', utf8(`old 5\nAg==\n\n${M_NEXT}`), WitnessErrorCode.Malformed],
    ['a note that is not a checkpoint', body(0, [], 'monkeys\nfive\n\n— monkeys 202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n'), WitnessErrorCode.Malformed],
    ['bytes that are not UTF-8', new Uint8Array([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff]), WitnessErrorCode.Malformed],
    ['a log it does not witness', body(0, [], M_INIT.replaceAll('monkeys', 'apes')), WitnessErrorCode.UnknownLog],
    ['a signature line of the listed key that fails', body(0, [], M_INIT.replace('202fftzG', '202fftzH')), WitnessErrorCode.SignatureInvalid],
    ['a checkpoint whose text was changed after signing', body(0, [], M_INIT.replace('\n5\n', '\n6\n')), WitnessErrorCode.SignatureInvalid],
    ['a checkpoint with no signature by the listed key', body(0, [], tessera(8).replace('M9e0', 'AAAA')), WitnessErrorCode.SignatureInvalid],
  ])('refuses %s', async (_, request, code) => {
    expect(await refusal(() => readSubmission(request, LOGS))).toBe(code);
  });

  it('answers 404 for every origin when it witnesses no log', async () => {
    expect(await refusal(() => readSubmission(body(0, [], M_INIT), new Map()))).toBe(WitnessErrorCode.UnknownLog);
  });
});

describe('judging a checkpoint against the tree held for its log', () => {
  const submission = (oldSize: number, proof: Uint8Array[], note: string): Submission => readSubmission(body(oldSize, proof, note), LOGS);
  const heldInit: HeldTree = { size: 5, rootHash: M_INIT_ROOT };

  it('advances from nothing held with old 0 and no proof', async () => {
    expect(await judge(hasher, submission(0, [], M_INIT), await nothingHeld())).toEqual({ advance: true });
  });

  it('advances from the held tree with a consistency proof that verifies (the Go witness tests: 5 to 8)', async () => {
    expect(await judge(hasher, submission(5, PROOF_5_8, M_NEXT), heldInit)).toEqual({ advance: true });
  });

  it("advances through tessera's log with the digest's proofs: 3 to 8, then 8 to 15", async () => {
    const root = async (size: number): Promise<HeldTree> => ({ size, rootHash: readSubmission(body(0, [], tessera(size)), LOGS).checkpoint.rootHash });
    const proof3to8 = ['Zx8UbF5HHooag6PCFM5LqQe486WIjRTMjNPOdbsS75Q=', '9xWrP6pdBx5uKsS7mU1b9zWUPcw3mdoNCF55gM+5M2o=', 'T1X2GdkhUjV3iyufF9b0kVsWFxIU0VI4EpNml2Teci4=', 'g0ZoeYWtIV8Q8i+4CmgqPnBvH2il107lyCgTQsyB7H4='].map(b64);
    expect(await judge(hasher, submission(3, proof3to8, tessera(8)), await root(3))).toEqual({ advance: true });
    expect(await judge(hasher, submission(8, [b64('5jLpqTgjsBDSEX6SgZiRnbTMdTuRd8bQ5tSsAOxe0Ks=')], tessera(15)), await root(8))).toEqual({ advance: true });
    // Tessera's empty checkpoint: size 0 with the empty tree's root.
    expect(await judge(hasher, submission(0, [], tessera(0)), await nothingHeld())).toEqual({ advance: true });
  });

  it('cosigns the held checkpoint again: the same size and root, no proof', async () => {
    expect(await judge(hasher, submission(5, [], M_INIT), heldInit)).toEqual({ advance: true });
  });

  it('tells a log whose old size is not the held one the size it holds (409, text/x.tlog.size)', async () => {
    expect(await judge(hasher, submission(2, PROOF_5_8, M_NEXT), heldInit)).toEqual({ heldSize: 5 });
    expect(await judge(hasher, submission(0, [], M_NEXT), heldInit)).toEqual({ heldSize: 5 });
    expect(await judge(hasher, submission(5, PROOF_5_8, M_NEXT), await nothingHeld())).toEqual({ heldSize: 0 });
  });

  it('refuses an old size beyond the checkpoint (400) before comparing it with the held size', async () => {
    expect(await refusal(() => judge(hasher, submission(8, [], M_INIT), { size: 8, rootHash: M_INIT_ROOT }))).toBe(WitnessErrorCode.OldSizeBeyondCheckpoint);
    expect(await refusal(() => judge(hasher, submission(8, [], M_INIT), heldInit))).toBe(WitnessErrorCode.OldSizeBeyondCheckpoint);
  });

  it('refuses the same size with another root as a fork (409 witness.root_mismatch, not a resync)', async () => {
    expect(await refusal(() => judge(hasher, submission(5, [], M_INIT), { size: 5, rootHash: new Uint8Array(32).fill(0xff) }))).toBe(WitnessErrorCode.RootMismatch);
  });

  it('refuses proofs that do not verify (422): from 0 with a proof, a wrong proof, a proof for the same size', async () => {
    const none = await nothingHeld();
    expect(await refusal(() => judge(hasher, submission(0, PROOF_5_8, M_INIT), none))).toBe(WitnessErrorCode.ProofInvalid);
    expect(await refusal(() => judge(hasher, submission(5, PROOF_5_8.slice().reverse(), M_NEXT), heldInit))).toBe(WitnessErrorCode.ProofInvalid);
    expect(await refusal(() => judge(hasher, submission(5, PROOF_5_8.slice(1), M_NEXT), heldInit))).toBe(WitnessErrorCode.ProofInvalid);
    expect(await refusal(() => judge(hasher, submission(5, PROOF_5_8, M_NEXT), { size: 5, rootHash: new Uint8Array(32) }))).toBe(WitnessErrorCode.ProofInvalid);
    expect(await refusal(() => judge(hasher, submission(5, PROOF_5_8, M_INIT), heldInit))).toBe(WitnessErrorCode.ProofInvalid);
    // The Go tests' junk proof, as bytes the parser would refuse: a proof hash that is not one.
    expect(await refusal(() => judge(hasher, { ...submission(5, PROOF_5_8, M_NEXT), proof: [Uint8Array.of(2)] }, heldInit))).toBe(WitnessErrorCode.ProofInvalid);
  });

  it("refuses a checkpoint of size 0 whose root is not the empty tree's (422)", async () => {
    const empty = { ...submission(0, [], tessera(0)) };
    const forged: Submission = { ...empty, checkpoint: { ...empty.checkpoint, rootHash: new Uint8Array(32) } };
    const none = await nothingHeld();
    expect(await refusal(() => judge(hasher, forged, none))).toBe(WitnessErrorCode.ProofInvalid);
  });
});
