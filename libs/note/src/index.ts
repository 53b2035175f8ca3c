/**
 * @module #plaza/note
 * C2SP signed notes (signed-note v1.0.0), checkpoints (tlog-checkpoint v1.0.0), Ed25519 cosignatures
 * (tlog-cosignature v1, type 0x04) and the tlog-witness v1.0.0 wire formats, over node:crypto. See ../README.md.
 */
export { NoteError, type NoteErrorReason } from './errors.js';
export {
  SignatureType,
  isValidKeyName,
  keyId,
  encodeVerifierKey,
  decodeVerifierKey,
  encodeSignerKey,
  decodeSignerKey,
  ed25519PublicKey,
  ed25519PrivateKey,
  rawEd25519PublicKey,
  ed25519Signer,
  ed25519Verifier,
  noteVerifierFromKey,
  type NoteSigner,
  type NoteVerifier,
  type VerifierKey,
} from './keys.js';
export {
  parseNote,
  formatNote,
  signText,
  addSignatures,
  signNote,
  verifyNote,
  DEFAULT_MAX_SIGNATURES,
  MIN_MAX_SIGNATURES,
  type Note,
  type NoteSignature,
  type VerifiedNote,
  type ReadOptions,
} from './note.js';
export { formatCheckpoint, parseCheckpoint, openCheckpoint, type Checkpoint } from './checkpoint.js';
export {
  cosigner,
  cosignatureVerifier,
  cosignatureVerifierFromKey,
  cosignatureMessage,
  cosignatureTime,
  type CosignerOptions,
} from './cosignature.js';
export {
  TREE_SIZE_CONTENT_TYPE,
  MAX_CONSISTENCY_PROOF_LINES,
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
  formatAddCheckpointResponse,
  parseAddCheckpointResponse,
  formatTreeSize,
  parseTreeSize,
  type AddCheckpointRequest,
} from './witness.js';
export {
  KEY_ROTATION_LINE,
  formatKeyRotation,
  parseKeyRotation,
  signKeyRotation,
  openKeyRotation,
  followKeyRotations,
  type KeyRotation,
  type FollowedKey,
} from './rotation.js';
