import { decodeBase64, encodeBase64, noteText, parseDecimal } from './encoding.js';
import { NoteError } from './errors.js';
import type { NoteVerifier } from './keys.js';
import { type ReadOptions, type VerifiedNote, verifyNote } from './note.js';

/** A tlog-checkpoint: the text of a log's signed note. */
export interface Checkpoint {
  /** The log's identity, a schema-less URL by convention (the tiles' prefix without scheme). */
  readonly origin: string;
  /** The number of entries in the tree. Sizes beyond 2^53 - 1 are refused: a number must stay exact. */
  readonly size: number;
  /** The RFC 6962 root hash, 32 bytes. */
  readonly rootHash: Uint8Array;
  /** Lines after the root hash, each non-empty (NOT RECOMMENDED by the spec: no monitor can audit them). */
  readonly extensions: readonly string[];
}

const malformed = (detail: string): NoteError => new NoteError('malformed', `not a checkpoint: ${detail}`);

function checkLine(line: string, what: string): void {
  if (line === '' || line.includes('\n') || noteText(line) === null) throw malformed(`the ${what} is one non-empty line of UTF-8 text without control characters`);
}

/** The checkpoint's note text: origin, size in decimal, base64 root hash and any extension lines, each ending with a newline. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions } = checkpoint;
  checkLine(origin, 'origin');
  if (!Number.isSafeInteger(size) || size < 0) throw malformed(`size ${size} is not a whole number from 0 to 2^53 - 1`);
  if (rootHash.length !== 32) throw malformed(`the root hash is 32 bytes, not ${rootHash.length}`);
  extensions.forEach((line) => checkLine(line, 'extension line'));
  return [origin, String(size), encodeBase64(rootHash), ...extensions].map((line) => `${line}\n`).join('');
}

/** Reads a checkpoint from a note's text (a parsed or verified note's `text`). */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('every line ends with a newline');
  const [origin = '', size = '', root = '', ...extensions] = text.slice(0, -1).split('\n');
  checkLine(origin, 'origin');
  const parsedSize = parseDecimal(size);
  if (parsedSize === null) throw malformed('the second line is the tree size in decimal, without leading zeros');
  const rootHash = decodeBase64(root);
  if (rootHash === null || rootHash.length !== 32) throw malformed('the third line is the base64 of a 32-byte root hash');
  extensions.forEach((line) => checkLine(line, 'extension line'));
  return { origin, size: parsedSize, rootHash, extensions };
}

/** Verifies a checkpoint note (verifyNote's rules) and reads its checkpoint. */
export function openCheckpoint(
  message: string | Uint8Array,
  verifiers: Iterable<NoteVerifier>,
  options?: ReadOptions,
): { checkpoint: Checkpoint; note: VerifiedNote } {
  const note = verifyNote(message, verifiers, options);
  return { checkpoint: parseCheckpoint(note.text), note };
}
