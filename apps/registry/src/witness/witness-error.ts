import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

/** The witness's refusals (tlog-witness v1.0.0). A stale old size is not one of them: its 409 is a `text/x.tlog.size` body. */
export enum WitnessErrorCode {
  /** Not an add-checkpoint body: the old size, proof lines, a blank line and a signed checkpoint note. */
  Malformed = 'witness.malformed',
  /** The checkpoint's origin is not a log this registry witnesses. */
  UnknownLog = 'witness.unknown_log',
  /** The checkpoint carries no valid signature by the log's configured key (or a line of that key fails). */
  SignatureInvalid = 'witness.signature_invalid',
  /** The old size is larger than the checkpoint's size. */
  OldSizeBeyondCheckpoint = 'witness.old_size_beyond_checkpoint',
  /** The checkpoint has the size the witness holds but another root: the log has forked. */
  RootMismatch = 'witness.root_mismatch',
  /** The consistency proof does not prove the held tree a prefix of the checkpoint's (or an empty tree's root is not the empty hash). */
  ProofInvalid = 'witness.proof_invalid',
}

export class WitnessError extends PlazaError<WitnessErrorCode> {}

/** Every WitnessErrorCode with its HTTP status (the spec's) and stable title. */
export const WITNESS_PROBLEMS: ProblemTable<WitnessErrorCode> = {
  [WitnessErrorCode.Malformed]: { status: 400, title: 'The body is not an add-checkpoint request' },
  [WitnessErrorCode.UnknownLog]: { status: 404, title: 'This registry does not witness that log' },
  [WitnessErrorCode.SignatureInvalid]: { status: 403, title: "The checkpoint is not signed by the log's key" },
  [WitnessErrorCode.OldSizeBeyondCheckpoint]: { status: 400, title: 'The old size is larger than the checkpoint' },
  [WitnessErrorCode.RootMismatch]: { status: 409, title: 'A checkpoint of this size with another root was cosigned' },
  [WitnessErrorCode.ProofInvalid]: { status: 422, title: 'The consistency proof does not verify' },
};
