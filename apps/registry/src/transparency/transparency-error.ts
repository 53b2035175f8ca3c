import { PlazaError } from '../common/errors/plaza-error.js';

export enum TransparencyErrorCode {
  /** An index range that is empty, reversed or longer than one call may return. */
  InvalidRange = 'log.invalid_range',
  /** A tree size larger than the log's current size. */
  SizeBeyondTree = 'log.size_beyond_tree',
  /** A leaf index that is not below the tree size it is asked for. */
  IndexOutOfRange = 'log.index_out_of_range',
  /** A checkpoint already stored for a size names another root: the registry refuses to sign a fork. */
  CheckpointConflict = 'log.checkpoint_conflict',
  /** The record the entry is about has changed since (a later entry is its latest), or no longer exists. */
  RecordSuperseded = 'log.record_superseded',
  /** The record is not one the caller may read (a member, an API key, a draft): its entry's salt stays secret. */
  RecordNotDisclosed = 'log.record_not_disclosed',
}

export class TransparencyError extends PlazaError<TransparencyErrorCode> {}
