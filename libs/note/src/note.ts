import { decodeBase64, encodeBase64, noteText, utf8 } from './encoding.js';
import { NoteError } from './errors.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './keys.js';

/** One signature line, `— <name> b64(keyId || signature)`. */
export interface NoteSignature {
  readonly name: string;
  /** The key id, a big-endian uint32. */
  readonly keyId: number;
  /** The bytes after the key id: 64 for Ed25519, 72 (timestamp and signature) for a cosignature/v1. */
  readonly signature: Uint8Array;
}

/** A signed note: its text and its signature lines, in order. */
export interface Note {
  /** The signed text, ending with its final newline (the blank line before the signatures is not part of it). */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** A note whose signatures by known keys all verified, at least one of them. */
export interface VerifiedNote extends Note {
  /** Signatures by the verifiers given: one per key (its first line when it signed twice), in note order. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by keys not given (one per identical line), kept so the note can be passed on whole. */
  readonly unverified: readonly NoteSignature[];
}

export interface ReadOptions {
  /** Refuse more signature lines than this: 100 by default (Go's limit), at least 16 (signed-note's minimum). */
  readonly maxSignatures?: number;
}

export const DEFAULT_MAX_SIGNATURES = 100;
export const MIN_MAX_SIGNATURES = 16;

const SIGNATURE_PREFIX = '\u2014 '; // an em dash and a space

const malformed = (detail: string): NoteError => new NoteError('malformed', detail);

function signatureCap(options: ReadOptions | undefined): number {
  const max = options?.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  if (!Number.isSafeInteger(max) || max < MIN_MAX_SIGNATURES) throw new RangeError(`maxSignatures must be an integer of at least ${MIN_MAX_SIGNATURES}`);
  return max;
}

function checkCount(count: number, options: ReadOptions | undefined): void {
  const max = signatureCap(options);
  if (count > max) throw new NoteError('too_many_signatures', `more than ${max} signature lines`);
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw malformed('every line after the blank line must be a signature: an em dash (U+2014), a space, the key name, a space, base64');
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = space < 0 ? rest : rest.slice(0, space);
  if (!isValidKeyName(name)) throw malformed(`signature key name ${JSON.stringify(name)} is empty or holds white space, '+' or a control character`);
  const bytes = space < 0 ? null : decodeBase64(rest.slice(space + 1));
  if (bytes === null || bytes.length < 5) throw malformed(`the signature by ${name} is not canonical base64 of a key id and at least one byte`);
  return { name, keyId: new DataView(bytes.buffer, bytes.byteOffset).getUint32(0), signature: bytes.subarray(4) };
}

/** Signature lines, each ending with a newline: the end of a note, and the whole answer of a witness. */
export function parseSignatureLines(block: string, options?: ReadOptions): NoteSignature[] {
  if (!block.endsWith('\n')) throw malformed('a note ends with signature lines, each ending with a newline');
  // The split stops one line past the cap, so a huge block is not split whole before it is refused.
  const lines = block.slice(0, -1).split('\n', signatureCap(options) + 1);
  checkCount(lines.length, options);
  return lines.map(parseSignatureLine);
}

/** Reads a signed note without verifying it. Formatting the result gives back the same bytes. */
export function parseNote(message: string | Uint8Array, options?: ReadOptions): Note {
  const text = noteText(message);
  if (text === null) throw malformed('a note is UTF-8 with no control character but the newline');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('a note has a blank line between its text and its signatures');
  return { text: text.slice(0, split + 1), signatures: parseSignatureLines(text.slice(split + 2), options) };
}

function checkText(text: string): void {
  if (!text.endsWith('\n') || noteText(text) === null) throw malformed('note text is UTF-8 ending with a newline, with no control character but the newline');
}

export function formatSignatureLine(signature: NoteSignature): string {
  const { name, keyId, signature: bytes } = signature;
  if (!isValidKeyName(name)) throw new NoteError('invalid_name', `key name ${JSON.stringify(name)} is empty or holds white space, '+' or a control character`);
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 0xffffffff || bytes.length === 0) throw malformed(`the signature by ${name} needs a uint32 key id and signature bytes`);
  const raw = new Uint8Array(4 + bytes.length);
  new DataView(raw.buffer).setUint32(0, keyId);
  raw.set(bytes, 4);
  return `${SIGNATURE_PREFIX}${name} ${encodeBase64(raw)}\n`;
}

/** The note as bytes to serve: text, a blank line, one line per signature. */
export function formatNote(note: Note): string {
  checkText(note.text);
  if (note.signatures.length === 0) throw malformed('a note carries at least one signature');
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
}

/** One signature over the text by the signer. */
export function signText(text: string, signer: NoteSigner): NoteSignature {
  checkText(text);
  if (!isValidKeyName(signer.name)) throw new NoteError('invalid_name', `signer name ${JSON.stringify(signer.name)} is empty or holds white space, '+' or a control character`);
  return { name: signer.name, keyId: signer.keyId, signature: signer.sign(utf8(text)) };
}

const slot = (name: string, keyId: number): string => `${name} ${keyId}`;

/** The note with these signatures after its own; one of its own by the same name and key id is replaced. */
export function addSignatures(note: Note, added: readonly NoteSignature[]): Note {
  const replaced = new Set(added.map((s) => slot(s.name, s.keyId)));
  return { text: note.text, signatures: [...note.signatures.filter((s) => !replaced.has(slot(s.name, s.keyId))), ...added] };
}

/**
 * Signs a text (a string is always the text, never a note to read), or a parsed note again (as Go's Sign): its
 * signatures stay first, in order, but one by a signer's own name and key id, which the new one replaces. Returns
 * the note's bytes.
 */
export function signNote(note: Note | string, signers: NoteSigner | readonly NoteSigner[]): string {
  const base: Note = typeof note === 'string' ? { text: note, signatures: [] } : note;
  const list: readonly NoteSigner[] = Array.isArray(signers) ? signers : [signers as NoteSigner];
  return formatNote(addSignatures(base, list.map((signer) => signText(base.text, signer))));
}

const isNote = (message: string | Uint8Array | Note): message is Note => typeof message === 'object' && 'text' in message;

/**
 * Verifies a note against the keys the caller accepts (signed-note's rules): a line whose name and key id are not
 * both a known key's is kept unverified; a line that is a known key's must verify, or the whole note is refused
 * (`invalid_signature`, even when it repeats a key that verified); and at least one must (`unknown_key`).
 */
export function verifyNote(message: string | Uint8Array | Note, verifiers: Iterable<NoteVerifier>, options?: ReadOptions): VerifiedNote {
  const note = isNote(message) ? message : parseNote(message, options);
  checkCount(note.signatures.length, options);
  const known = new Map<string, NoteVerifier>();
  const ambiguous = new Set<string>();
  for (const verifier of verifiers) {
    const key = slot(verifier.name, verifier.keyId);
    const same = known.get(key);
    if (same === undefined) known.set(key, verifier);
    else if (same.verifierKey !== verifier.verifierKey) ambiguous.add(key);
  }
  const text = utf8(note.text);
  const signatures: NoteSignature[] = [];
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenLines = new Set<string>();
  const seenKeys = new Set<string>();
  for (const signature of note.signatures) {
    const key = slot(signature.name, signature.keyId);
    const verifier = known.get(key);
    if (verifier === undefined) {
      const line = formatSignatureLine(signature);
      if (seenLines.has(line)) continue;
      seenLines.add(line);
      unverified.push(signature);
    } else {
      const id = { name: signature.name, keyId: signature.keyId };
      if (ambiguous.has(key)) throw new NoteError('ambiguous_key', `two verifiers answer to ${signature.name} with key id ${signature.keyId}`, id);
      if (!verifier.verify(text, signature.signature)) throw new NoteError('invalid_signature', `the signature by ${signature.name} does not verify`, id);
      if (seenKeys.has(key)) continue;
      seenKeys.add(key);
      verified.push(signature);
    }
    signatures.push(signature);
  }
  if (verified.length === 0) throw new NoteError('unknown_key', 'no signature on the note is by a key the verifier accepts');
  return { text: note.text, signatures, verified, unverified };
}
