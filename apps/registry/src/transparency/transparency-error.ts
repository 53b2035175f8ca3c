import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

export enum TransparencyErrorCode {
  /** An index range that is empty, reversed or longer than one call may return. */
  InvalidRange = 'log.invalid_range',
  /** A tree size larger than the log's current size. */
  SizeBeyondTree = 'log.size_beyond_tree',
  /** A leaf index that is not below the tree size it is asked for. */
  IndexOutOfRange = 'log.index_out_of_range',
  /** A checkpoint already stored for a size names another root: the registry refuses to sign a fork. */
  CheckpointConflict = 'log.checkpoint_conflict',
  /** No checkpoint is stored yet, and this instance is not the one that signs them. */
  CheckpointPending = 'log.checkpoint_pending',
  /** Witnesses are configured, and none of the log's checkpoints has its quorum of cosignatures yet. */
  CheckpointNotWitnessed = 'log.checkpoint_not_witnessed',
  /**
   * The record the entry is about has changed since (a later entry is its latest), or no longer exists, and the state
   * the entry recorded is not disclosed: not kept (before history), or not public when written.
   */
  RecordSuperseded = 'log.record_superseded',
  /** The record is not one the caller may read (a member, an API key, a draft): its entry's salt stays secret. */
  RecordNotDisclosed = 'log.record_not_disclosed',
  /** The operator withheld the state this entry recorded (typed in error): it is no longer disclosed. */
  StateWithheld = 'log.state_withheld',
  /** The entry has no kept state to withhold: it predates kept states, or is itself a withholding. */
  StateNotKept = 'log.state_not_kept',
  /** The entry's state is already withheld. */
  StateAlreadyWithheld = 'log.state_already_withheld',
}

export class TransparencyError extends PlazaError<TransparencyErrorCode> {}

/** Every TransparencyErrorCode with its HTTP status and stable title. */
export const TRANSPARENCY_PROBLEMS: ProblemTable<TransparencyErrorCode> = {
  [TransparencyErrorCode.InvalidRange]: { status: 400, title: 'The index range is not valid' },
  [TransparencyErrorCode.SizeBeyondTree]: { status: 400, title: 'The tree size is beyond the current size of the log' },
  [TransparencyErrorCode.IndexOutOfRange]: { status: 400, title: 'The index is not below the tree size' },
  [TransparencyErrorCode.CheckpointConflict]: { status: 500, title: 'A checkpoint of this size was signed over another root' },
  [TransparencyErrorCode.CheckpointPending]: { status: 503, title: 'The log has no signed checkpoint yet' },
  [TransparencyErrorCode.CheckpointNotWitnessed]: { status: 503, title: 'No checkpoint of the log is witnessed yet' },
  [TransparencyErrorCode.RecordSuperseded]: { status: 409, title: 'The record has changed since this entry' },
  [TransparencyErrorCode.RecordNotDisclosed]: { status: 404, title: 'This entry is about a record you may not read' },
  [TransparencyErrorCode.StateWithheld]: { status: 410, title: 'The state this entry recorded was withheld by the operator' },
  [TransparencyErrorCode.StateNotKept]: { status: 409, title: 'This entry has no kept state to withhold' },
  [TransparencyErrorCode.StateAlreadyWithheld]: { status: 409, title: 'The state this entry recorded is already withheld' },
};
