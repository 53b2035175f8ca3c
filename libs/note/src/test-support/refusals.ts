import { NoteError, type NoteErrorReason } from '../errors.js';

/** The NoteError that `action` throws, or undefined when it returns; any other error is thrown on. */
export function refusalOf(action: () => unknown): NoteError | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof NoteError) return error;
    throw error;
  }
  return undefined;
}

/** The reason of the NoteError that `action` throws (see refusalOf). */
export const reasonOf = (action: () => unknown): NoteErrorReason | undefined => refusalOf(action)?.reason;
