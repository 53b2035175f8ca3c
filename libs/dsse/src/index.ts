/**
 * @plaza/dsse - sign and verify CloudEvents with the CloudEvents Verifiability extension (DSSE
 * `dssematerial`), pinned to cloudevents/spec commit d54e6bbc367755d227302d81e2969542cd7e8ecd.
 * See libs/dsse/README.md.
 */
export {
  sign,
  verify,
  verifyDecoded,
  signStructured,
  signBatch,
  signBinary,
  verifyStructured,
  verifyBatch,
  verifyBinary,
  detectMode,
  type SignOptions,
  type VerifyOptions,
  type VerificationResult,
  type VerificationSuccess,
  type VerificationFailure,
  type VerifiedEvent,
  type Coverage,
} from './dsse.js';
export { scanStructured, scanBatch, type ScannedEvent, type ScanOptions, type ByteRange } from './scanner.js';
export { percentEncode, readBinary, type BinaryEvent, type HeaderInput } from './binary.js';
export { decodeMaterial, PAYLOAD_TYPE, SCHEME_VERSION, type DecodedMaterial } from './envelope.js';
export { normalizeTime } from './canonical.js';
export { decodeBase64, encodeBase64 } from './base64.js';
export { generateSigningKey, type Algorithm } from './keys.js';
export { DsseError, type DsseErrorCode } from './errors.js';
export type { AttributeValue, CloudEventInput, ExtensionType, KeyInput, KeyResolver, PublicKeys, SigningKey } from './types.js';
