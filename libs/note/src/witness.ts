import { decodeBase64, encodeBase64, noteText, parseDecimal } from './encoding.js';
import { NoteError } from './errors.js';
import { formatSignatureLine, type NoteSignature, parseNote, parseSignatureLines, type ReadOptions } from './note.js';

/** tlog-witness v1.0.0: the body of a 409 that tells the log the size the witness last cosigned is of this type. */
export const TREE_SIZE_CONTENT_TYPE = 'text/x.tlog.size';
/** tlog-witness: an add-checkpoint request carries 0 to 63 consistency proof hashes. */
export const MAX_CONSISTENCY_PROOF_LINES = 63;

/** `POST <prefix>/add-checkpoint`: the size the log believes the witness holds, a proof from it, the new checkpoint. */
export interface AddCheckpointRequest {
  /** The size of the witness's latest cosigned checkpoint as the log believes it (0 when none). */
  readonly oldSize: number;
  /** RFC 6962 consistency proof from oldSize to the checkpoint's size. */
  readonly consistencyProof: readonly Uint8Array[];
  /** The signed checkpoint note, byte for byte as the log serves it (it may carry several signatures). */
  readonly checkpoint: string;
}

const malformed = (detail: string): NoteError => new NoteError('malformed', detail);

function checkSize(size: number, what: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw malformed(`${what} ${size} is not a whole number from 0 to 2^53 - 1`);
}

export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  const { oldSize, consistencyProof, checkpoint } = request;
  checkSize(oldSize, 'old size');
  if (consistencyProof.length > MAX_CONSISTENCY_PROOF_LINES) throw malformed(`a consistency proof has at most ${MAX_CONSISTENCY_PROOF_LINES} hashes`);
  if (consistencyProof.some((hash) => hash.length !== 32)) throw malformed('a consistency proof hash is 32 bytes');
  parseNote(checkpoint);
  return `old ${oldSize}\n${consistencyProof.map((hash) => `${encodeBase64(hash)}\n`).join('')}\n${checkpoint}`;
}

/** Reads an add-checkpoint body: `old <size>`, proof lines, a blank line, then the note (not parsed here: a witness reads its origin first). */
export function parseAddCheckpointRequest(body: string | Uint8Array): AddCheckpointRequest {
  const text = noteText(body);
  if (text === null) throw malformed('an add-checkpoint body is UTF-8 with no control character but the newline');
  let at = 0;
  const nextLine = (): string => {
    const end = text.indexOf('\n', at);
    if (end < 0) throw malformed('an add-checkpoint body is the old size, proof lines and a blank line, each ending with a newline, then the checkpoint');
    const line = text.slice(at, end);
    at = end + 1;
    return line;
  };
  const first = nextLine();
  const oldSize = first.startsWith('old ') ? parseDecimal(first.slice(4)) : null;
  if (oldSize === null) throw malformed('an add-checkpoint body starts with "old <size>", the size in decimal without leading zeros');
  const consistencyProof: Uint8Array[] = [];
  for (let line = nextLine(); line !== ''; line = nextLine()) {
    if (consistencyProof.length === MAX_CONSISTENCY_PROOF_LINES) throw malformed(`a consistency proof has at most ${MAX_CONSISTENCY_PROOF_LINES} hashes`);
    const hash = decodeBase64(line);
    if (hash === null || hash.length !== 32) throw malformed('a consistency proof line is the base64 of a 32-byte hash');
    consistencyProof.push(hash);
  }
  const checkpoint = text.slice(at);
  if (checkpoint === '') throw malformed('an add-checkpoint body ends with the signed checkpoint');
  return { oldSize, consistencyProof, checkpoint };
}

/** A witness's 200 answer: its cosignature lines, which the log appends to its checkpoint. */
export function formatAddCheckpointResponse(cosignatures: readonly NoteSignature[]): string {
  if (cosignatures.length === 0) throw malformed('a witness answers with at least one cosignature');
  return cosignatures.map(formatSignatureLine).join('');
}

/** Reads a witness's 200 answer into signature lines (verify them by adding them to the checkpoint: addSignatures). */
export function parseAddCheckpointResponse(body: string | Uint8Array, options?: ReadOptions): NoteSignature[] {
  const text = noteText(body);
  if (text === null) throw malformed('a witness answer is UTF-8 with no control character but the newline');
  return parseSignatureLines(text, options);
}

/** The body of a witness's 409 (`text/x.tlog.size`): the size it last cosigned, then a newline. */
export function formatTreeSize(size: number): string {
  checkSize(size, 'tree size');
  return `${size}\n`;
}

export function parseTreeSize(body: string | Uint8Array): number {
  const text = noteText(body);
  const size = text?.endsWith('\n') ? parseDecimal(text.slice(0, -1)) : null;
  if (size === null) throw malformed(`a ${TREE_SIZE_CONTENT_TYPE} body is a decimal size without leading zeros, then a newline`);
  return size;
}
