import { Buffer } from 'node:buffer';
import {
  cosignatureTime, cosignatureVerifierFromKey, decodeVerifierKey, formatAddCheckpointResponse, type NoteSignature, type NoteVerifier, parseAddCheckpointResponse, parseTreeSize,
  TREE_SIZE_CONTENT_TYPE,
} from '#plaza/note';
import type { OutboundError, OutboundReason, OutboundResponse } from '#plaza/outbound';
import type { LogWitnessSetting } from '../../platform/config/config.js';

/** A configured witness: where to send checkpoints, and the key its cosignatures must verify with. */
export interface Witness {
  name: string;
  /** The key id of its cosignature lines (type 0x04), 8 lowercase hex digits. */
  keyId: string;
  /** Its canonical verifier key (type 0x04): how its state and cosignatures are stored. */
  key: string;
  /** The raw Ed25519 public key, to refuse a witness holding the log's own key. */
  publicKey: Uint8Array;
  /** `<prefix>/add-checkpoint`. */
  url: string;
  verifier: NoteVerifier;
}

export function witnessesOf(settings: readonly LogWitnessSetting[]): Witness[] {
  return settings.map(({ url, vkey }) => {
    const verifier = cosignatureVerifierFromKey(vkey);
    return {
      name: verifier.name,
      keyId: verifier.keyId.toString(16).padStart(8, '0'),
      key: verifier.verifierKey,
      publicKey: decodeVerifierKey(verifier.verifierKey).publicKey,
      url: `${url}/add-checkpoint`,
      verifier,
    };
  });
}

/** What a witness's answer to add-checkpoint means for the log (tlog-witness v1.0.0). */
export type WitnessAnswer =
  | { kind: 'cosigned'; signatures: NoteSignature[] }
  /** 409 with a text/x.tlog.size body: the witness holds another size; resend with a proof from it. */
  | { kind: 'resync'; size: number }
  /** Any other 409, or a 422: the witness has seen a tree this checkpoint is not consistent with. */
  | { kind: 'fork'; status: number }
  /**
   * Anything else: try again at the next interval. The reason is shown publicly (the witnesses' standing); the detail,
   * for the operator's log only, may name addresses and the outbound guard's ranges.
   */
  | { kind: 'failed'; reason: string; detail?: string };

/** What the public standing of a witness says of a request that failed, by kind only. */
const OUTBOUND_FAILURES: Record<OutboundReason, string> = {
  'refused-url': 'the outbound guard refused its URL',
  'refused-address': 'the outbound guard refused its address',
  dns: 'its name did not resolve',
  timeout: 'it did not answer in time',
  connection: 'the connection failed',
};

const REQUEST_FAILED = 'the request failed';
const PUBLIC_REQUEST_FAILURES = new Set(Object.values(OUTBOUND_FAILURES).map((kind) => `${REQUEST_FAILED}: ${kind}`));

/** A request that got no answer: its kind in public, the outbound client's message (host, address, range) in the log. */
export function failedRequest(error: OutboundError): WitnessAnswer {
  return { kind: 'failed', reason: `${REQUEST_FAILED}: ${OUTBOUND_FAILURES[error.reason]}`, detail: error.message };
}

/**
 * A stored failure as the witnesses' public standing shows it. Rows stored before failures were recorded by kind hold
 * the outbound client's own message after "the request failed: " (it may name the witness's URL with credentials, an
 * address, the guard's ranges): they show as "the request failed", without the message. Every other reason stored is
 * the registry's own words, never a witness's nor a library's.
 */
export function publicFailure(stored: string): string {
  return stored.startsWith(`${REQUEST_FAILED}: `) && !PUBLIC_REQUEST_FAILURES.has(stored) ? REQUEST_FAILED : stored;
}

/** Reads an answer; never quotes the witness's body (what a witness says is not the log's to repeat). */
export function readWitnessAnswer(response: OutboundResponse): WitnessAnswer {
  const { status, body, truncated } = response;
  if (truncated) return { kind: 'failed', reason: `it answered ${status} with a body too long for a witness's answer` };
  const mediaType = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (status === 200) {
    try {
      return { kind: 'cosigned', signatures: parseAddCheckpointResponse(body) };
    } catch {
      return { kind: 'failed', reason: 'it answered 200 with a body that is not cosignature lines' };
    }
  }
  if (status === 409 && mediaType === TREE_SIZE_CONTENT_TYPE) {
    try {
      return { kind: 'resync', size: parseTreeSize(body) };
    } catch {
      return { kind: 'failed', reason: `it answered 409 with a ${TREE_SIZE_CONTENT_TYPE} body that is not a size` };
    }
  }
  if (status === 409 || status === 422) return { kind: 'fork', status };
  return { kind: 'failed', reason: `it answered ${status}` };
}

/**
 * The witness's cosignature of this checkpoint text among the lines it answered: the first line by its name and key id
 * that verifies. Lines by other keys, and lines by its key that do not verify, are left out.
 */
export function validCosignature(witness: Witness, checkpointText: string, signatures: readonly NoteSignature[]): { line: string; cosignedAt: Date } | null {
  const text = Buffer.from(checkpointText, 'utf8');
  const valid = signatures.find((s) => s.name === witness.name && s.keyId === witness.verifier.keyId && witness.verifier.verify(text, s.signature));
  return valid ? { line: formatAddCheckpointResponse([valid]), cosignedAt: new Date(cosignatureTime(valid) * 1000) } : null;
}
