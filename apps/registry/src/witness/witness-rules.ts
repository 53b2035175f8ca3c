import { equalBytes, type TreeHasher, verifyConsistency } from '#plaza/merkle';
import { type Checkpoint, NoteError, type NoteVerifier, parseAddCheckpointRequest, parseCheckpoint, parseNote, verifyNote } from '#plaza/note';
import { WitnessError, WitnessErrorCode } from './witness-error.js';
import type { HeldTree } from './witness.repository.js';

/** An add-checkpoint request read and authenticated: the log's claim, signed by the key the operator listed for its origin. */
export interface Submission {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  readonly checkpoint: Checkpoint;
  /** The signed note as sent, byte for byte (what the witness holds). */
  readonly note: string;
  /** The note's text: what the cosignature covers. */
  readonly text: string;
}

/** What to do with an authenticated submission: hold it and cosign, or tell the log the size the witness holds (409). */
export type Judgement = { readonly advance: true } | { readonly heldSize: number };

const quoted = (text: string): string => JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);

/**
 * Reads an add-checkpoint body (tlog-witness v1.0.0) and checks its note against the key listed for its origin, in the
 * spec's order: a body that is not one is a 400, an origin not listed a 404, a note without a valid signature by the
 * log's key (or with a failing line of that key) a 403.
 */
export function readSubmission(body: Uint8Array, logs: ReadonlyMap<string, NoteVerifier>): Submission {
  let oldSize: number;
  let proof: readonly Uint8Array[];
  let note: string;
  let text: string;
  let checkpoint: Checkpoint;
  try {
    ({ oldSize, consistencyProof: proof, checkpoint: note } = parseAddCheckpointRequest(body));
    ({ text } = parseNote(note));
    checkpoint = parseCheckpoint(text);
  } catch (error) {
    throw malformed(error);
  }
  const key = logs.get(checkpoint.origin);
  if (!key) throw new WitnessError(WitnessErrorCode.UnknownLog, `This registry witnesses no log with origin ${quoted(checkpoint.origin)}.`);
  try {
    verifyNote(note, [key]);
  } catch (error) {
    if (error instanceof NoteError && (error.reason === 'unknown_key' || error.reason === 'invalid_signature')) {
      throw new WitnessError(WitnessErrorCode.SignatureInvalid, `The checkpoint carries no valid signature by ${key.name}+${key.keyId.toString(16).padStart(8, '0')}, the key listed for its origin.`);
    }
    throw malformed(error);
  }
  return { oldSize, proof, checkpoint, note, text };
}

function malformed(error: unknown): WitnessError {
  if (!(error instanceof NoteError)) throw error;
  return new WitnessError(WitnessErrorCode.Malformed, `Not an add-checkpoint request (tlog-witness): ${error.message}.`);
}

/**
 * Judges a submission against the tree the witness holds for its log (size 0 and the empty tree's root when none), in
 * the order of tlog-witness v1.0.0. Same size with another root is a fork: 409 as v1.0.0 says (a problem document, not
 * a `text/x.tlog.size` body, so a log does not take it for a resync; the spec's main branch answers 422).
 */
export async function judge(hasher: TreeHasher, submission: Submission, held: HeldTree): Promise<Judgement> {
  const { oldSize, proof, checkpoint } = submission;
  if (oldSize > checkpoint.size) {
    throw new WitnessError(WitnessErrorCode.OldSizeBeyondCheckpoint, `The old size ${oldSize} is larger than the checkpoint's size ${checkpoint.size}.`);
  }
  if (oldSize !== held.size) return { heldSize: held.size };
  if (checkpoint.size === 0 && !equalBytes(checkpoint.rootHash, await hasher.empty())) {
    throw new WitnessError(WitnessErrorCode.ProofInvalid, "A checkpoint of size 0 has the empty tree's root, SHA-256 of nothing.");
  }
  if (oldSize === 0 && proof.length > 0) throw new WitnessError(WitnessErrorCode.ProofInvalid, 'From size 0 the consistency proof is empty.');
  if (oldSize === checkpoint.size && !equalBytes(checkpoint.rootHash, held.rootHash)) {
    throw new WitnessError(WitnessErrorCode.RootMismatch, `This registry cosigned a checkpoint of size ${held.size} with another root: the log has forked.`);
  }
  if (!(await verifyConsistency(hasher, oldSize, checkpoint.size, held.rootHash, checkpoint.rootHash, proof))) {
    throw new WitnessError(WitnessErrorCode.ProofInvalid, `The consistency proof does not prove the tree of size ${oldSize} this registry holds a prefix of the checkpoint's tree of size ${checkpoint.size}.`);
  }
  return { advance: true };
}
