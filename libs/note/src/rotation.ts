import { parseDecimal } from './encoding.js';
import { NoteError } from './errors.js';
import { decodeVerifierKey, type NoteSigner, noteVerifierFromKey } from './keys.js';
import { parseNote, signNote, verifyNote } from './note.js';

/**
 * A log key rotation: Plaza's own signed note (not a C2SP format) by which a log's old key names its successor.
 * Its text, each line ending with a newline:
 *
 *     <origin>
 *     key rotation
 *     old <the old verifier key>
 *     new <the new verifier key>
 *     size <the tree size from which the new key signs checkpoints>
 *
 * It is signed by the old key (the log vouches for its successor) and by the new one (which proves the new key's
 * holder made the statement with it). Both keys are named by the origin, as a log's key is. The second line keeps a
 * statement from ever reading as a checkpoint (whose second line is a number) and the reverse.
 */
export interface KeyRotation {
  readonly origin: string;
  readonly oldKey: string;
  readonly newKey: string;
  /** The new key signs no checkpoint of a smaller tree. */
  readonly size: number;
}

export const KEY_ROTATION_LINE = 'key rotation';

const malformed = (detail: string): NoteError => new NoteError('malformed', `not a key rotation: ${detail}`);

function checkKeys(rotation: KeyRotation): void {
  const [oldKey, newKey] = [rotation.oldKey, rotation.newKey].map((vkey) => decodeVerifierKey(vkey));
  if (oldKey!.name !== rotation.origin || newKey!.name !== rotation.origin) throw malformed(`both keys are named by the origin ${rotation.origin}`);
  if (rotation.oldKey === rotation.newKey) throw malformed('the new key is the old one');
  noteVerifierFromKey(rotation.oldKey);
  noteVerifierFromKey(rotation.newKey);
}

/** The statement's note text. */
export function formatKeyRotation(rotation: KeyRotation): string {
  if (!Number.isSafeInteger(rotation.size) || rotation.size < 0) throw malformed(`size ${rotation.size} is not a whole number`);
  checkKeys(rotation);
  return `${rotation.origin}\n${KEY_ROTATION_LINE}\nold ${rotation.oldKey}\nnew ${rotation.newKey}\nsize ${rotation.size}\n`;
}

/** Reads a statement's note text (no signature is checked). */
export function parseKeyRotation(text: string): KeyRotation {
  const lines = text.split('\n');
  const [origin = '', label, oldLine = '', newLine = '', sizeLine = '', end, ...rest] = lines;
  if (label !== KEY_ROTATION_LINE || end !== '' || rest.length > 0) throw malformed(`five lines: the origin, "${KEY_ROTATION_LINE}", old, new and size`);
  const field = (line: string, name: string): string => {
    if (!line.startsWith(`${name} `)) throw malformed(`the line "${name} …" is missing`);
    return line.slice(name.length + 1);
  };
  const size = parseDecimal(field(sizeLine, 'size'));
  if (size === null) throw malformed('the size is a decimal without leading zeros');
  const rotation = { origin, oldKey: field(oldLine, 'old'), newKey: field(newLine, 'new'), size };
  checkKeys(rotation);
  return rotation;
}

/** The signed statement: signed by the old key, then by the new one, each of which must be the key it names. */
export function signKeyRotation(rotation: KeyRotation, oldSigner: NoteSigner, newSigner: NoteSigner): string {
  if (oldSigner.verifierKey !== rotation.oldKey || newSigner.verifierKey !== rotation.newKey) {
    throw new NoteError('invalid_key', 'a key rotation is signed by the old key and the new key it names');
  }
  return signNote(formatKeyRotation(rotation), [oldSigner, newSigner]);
}

/** A statement whose signatures by both the keys it names verify (any other signature on it is ignored). */
export function openKeyRotation(note: string): KeyRotation {
  const rotation = parseKeyRotation(parseNote(note).text);
  const verifiers = [noteVerifierFromKey(rotation.oldKey), noteVerifierFromKey(rotation.newKey)];
  const { verified } = verifyNote(note, verifiers);
  if (verified.length !== 2) throw new NoteError('unknown_key', 'a key rotation is signed by both the old key and the new key it names');
  return rotation;
}

/** Where following a log's key rotations from a trusted key leads. */
export interface FollowedKey {
  /** The log's latest key reachable from the trusted one: the one to accept checkpoints from. */
  readonly vkey: string;
  /** The smallest tree the latest key may sign (0 when no rotation was followed). */
  readonly minSize: number;
  /** The rotations followed, oldest first (empty when the trusted key is still the log's). */
  readonly rotations: readonly KeyRotation[];
}

/**
 * Follows a log's rotation statements (as the log lists them, oldest first) from a key the verifier trusts: each
 * statement from the trusted key on must verify, name the key the previous one led to as its old key
 * and not go back in tree size; Statements before the trusted key's own are not read. Nothing else moves trust to
 * another key: a key the statements do not reach is not the log's. (Each key is named by the origin, so a chain
 * from the trusted key keeps its origin.)
 */
export function followKeyRotations(trusted: string, statements: readonly string[]): FollowedKey {
  decodeVerifierKey(trusted);
  const parsed = statements.map((note) => ({ note, rotation: parseKeyRotation(parseNote(note).text) }));
  const first = parsed.findIndex(({ rotation }) => rotation.oldKey === trusted);
  const rotations: KeyRotation[] = [];
  let vkey = trusted;
  let minSize = 0;
  for (const { note, rotation } of first < 0 ? [] : parsed.slice(first)) {
    if (rotation.oldKey !== vkey) throw new NoteError('invalid_key', `the rotation to ${rotation.newKey} is signed by ${rotation.oldKey}, not by ${vkey}, the key the chain reached`);
    if (rotation.size < minSize) throw malformed(`the rotation to ${rotation.newKey} starts at size ${rotation.size}, before the previous one (${minSize})`);
    openKeyRotation(note);
    rotations.push(rotation);
    vkey = rotation.newKey;
    minSize = rotation.size;
  }
  return { vkey, minSize, rotations };
}
