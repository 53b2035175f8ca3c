/**
 * Every failure the library reports is a NoteError with one of these stable reasons, so a caller can map it to an
 * answer (a witness: `malformed` is a 400, `unknown_key` and `invalid_signature` are a 403).
 */
export type NoteErrorReason =
  | 'malformed' // not a signed note, checkpoint, key string or witness message as the specs write them
  | 'too_many_signatures' // more signature lines than the reader accepts (100 by default, as Go)
  | 'invalid_name' // a key name that is empty or holds white space, '+' or a control character
  | 'invalid_key' // a key of the wrong type or length, or a key string whose key id does not match its key
  | 'ambiguous_key' // two different verifiers answer to the same key name and key id
  | 'unknown_key' // no signature on the note is by a key the caller accepts
  | 'invalid_signature'; // a signature by a key the caller accepts does not verify: the whole note is refused

export class NoteError extends Error {
  override readonly name = 'NoteError';
  constructor(
    readonly reason: NoteErrorReason,
    message: string,
    /** The key of the failing signature line, for `invalid_signature` and `ambiguous_key`. */
    readonly key?: { readonly name: string; readonly keyId: number },
  ) {
    super(message);
  }
}
