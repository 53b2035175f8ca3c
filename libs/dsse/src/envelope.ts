import { Buffer, isUtf8 } from 'node:buffer';
import { decodeBase64, encodeBase64 } from './base64.js';
import { signedExtensionsProblem } from './canonical.js';
import { DsseError } from './errors.js';
import { assertStrictJson } from './scanner.js';

/** The DSSE payloadType of the CloudEvents Verifiability extension. */
export const PAYLOAD_TYPE = 'https://cloudevents.io/verifiability/dsse/v0.1';

/**
 * The scheme this library implements: cloudevents/spec, cloudevents/extensions/verifiability.md at
 * commit d54e6bbc367755d227302d81e2969542cd7e8ecd (payload = base64 JSON {core, ext?, signedextattrs?}).
 * The extension changed its payload format twice under the same payloadType, so this identifier is
 * returned with every verification result: store it with every event you keep.
 */
export const SCHEME_VERSION = 'cloudevents-verifiability@d54e6bbc367755d227302d81e2969542cd7e8ecd';

/** DSSE v1 pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body. */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const head = payloadType === PAYLOAD_TYPE ? PAE_HEAD : paeHead(payloadType);
  const length = ` ${body.length} `;
  const message = Buffer.allocUnsafe(head.length + length.length + body.length);
  head.copy(message, 0);
  message.write(length, head.length, 'latin1');
  message.set(body, head.length + length.length);
  return message;
}

const paeHead = (payloadType: string): Buffer => {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type]);
};
// Every message this library signs or verifies starts with these bytes.
const PAE_HEAD = paeHead(PAYLOAD_TYPE);

/** The decoded verification material of one event. */
export interface DecodedMaterial {
  readonly payloadType: string;
  /** The payload bytes the signatures cover. */
  readonly payload: Uint8Array;
  readonly signatures: readonly { readonly keyid: string; readonly sig: string }[];
  /** The signed digests (32 bytes each) and the signed extension names. */
  readonly core: Uint8Array;
  readonly ext?: Uint8Array;
  readonly signedExtensions: readonly string[];
}

/**
 * Decodes a `dssematerial` value (base64 of the DSSE JSON envelope) and its payload, with every
 * structural check of the verification protocol (steps 2-6). It checks no signature. Throws
 * DsseError: `missing_material`, `malformed_material`, `unknown_payload_type`, `malformed_payload`,
 * `invalid_signedextattrs`.
 */
export function decodeMaterial(material: unknown): DecodedMaterial {
  if (material === undefined || material === null || material === '') throw new DsseError('missing_material', 'the event has no dssematerial');
  if (typeof material !== 'string') throw new DsseError('malformed_material', 'dssematerial is not a base64 string');
  const envelopeBytes = decodeBase64(material);
  if (!envelopeBytes) throw new DsseError('malformed_material', 'dssematerial is not base64');
  const compact = compactMaterial(envelopeBytes);
  if (compact) return compact;
  if (!isUtf8(envelopeBytes)) throw new DsseError('malformed_material', 'the DSSE envelope is not UTF-8');
  const envelope = strictObject(envelopeBytes, 'malformed_material', 'the DSSE envelope');
  const { payloadType, payload, signatures } = envelope;
  if (typeof payloadType !== 'string' || typeof payload !== 'string') throw new DsseError('malformed_material', 'the envelope needs string payloadType and payload');
  if (!Array.isArray(signatures) || signatures.length === 0) throw new DsseError('malformed_material', 'the envelope has no signatures');
  const sigs = signatures.map((s: unknown) => {
    const o = s as Record<string, unknown> | null;
    if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.keyid !== 'string' || typeof o.sig !== 'string') {
      throw new DsseError('malformed_material', 'each signature needs string keyid and sig');
    }
    return { keyid: o.keyid, sig: o.sig };
  });
  if (payloadType !== PAYLOAD_TYPE) throw new DsseError('unknown_payload_type', `unknown payloadType ${JSON.stringify(payloadType).slice(0, 200)}`);
  const payloadBytes = decodeBase64(payload);
  if (!payloadBytes) throw new DsseError('malformed_payload', 'the payload is not base64');
  if (!isUtf8(payloadBytes)) throw new DsseError('malformed_payload', 'the payload is not UTF-8');
  const body = strictObject(payloadBytes, 'malformed_payload', 'the payload');
  const core = typeof body.core === 'string' ? decodeBase64(body.core) : null;
  if (!core || core.length !== 32) throw new DsseError('malformed_payload', 'core must be a base64 32-byte digest');
  const hasExt = Object.prototype.hasOwnProperty.call(body, 'ext');
  const hasList = Object.prototype.hasOwnProperty.call(body, 'signedextattrs');
  if (hasExt !== hasList) throw new DsseError('malformed_payload', 'ext and signedextattrs must both be present or both absent');
  let ext: Uint8Array | undefined;
  let signedExtensions: string[] = [];
  if (hasExt) {
    ext = typeof body.ext === 'string' ? (decodeBase64(body.ext) ?? undefined) : undefined;
    if (!ext || ext.length !== 32) throw new DsseError('malformed_payload', 'ext must be a base64 32-byte digest');
    if (!Array.isArray(body.signedextattrs)) throw new DsseError('invalid_signedextattrs', 'signedextattrs must be an array of names');
    const problem = signedExtensionsProblem(body.signedextattrs);
    if (problem) throw new DsseError('invalid_signedextattrs', `signedextattrs: ${problem}`);
    signedExtensions = body.signedextattrs as string[];
  }
  const decoded: { -readonly [K in keyof DecodedMaterial]: DecodedMaterial[K] } = { payloadType, payload: payloadBytes, signatures: sigs, core, signedExtensions };
  if (ext) decoded.ext = ext;
  return decoded;
}

// The envelope and payload exactly as encodeMaterial and sign write them, one signature and no extension digest: these
// patterns admit only ASCII, no escape and each member once, so what they match is strict JSON whose reading is the
// groups they capture, and the strict reader and JSON.parse (most of the decoding's cost) are not needed.
const COMPACT_ENVELOPE = new RegExp(
  `^\\{"payloadType":"${PAYLOAD_TYPE.replace(/[.\/]/g, (c) => `\\${c}`)}","payload":"([A-Za-z0-9+/_=-]*)","signatures":\\[\\{"keyid":"([A-Za-z0-9._:-]*)","sig":"([A-Za-z0-9+/_=-]*)"\\}\\]\\}$`,
);
const COMPACT_PAYLOAD = /^\{"core":"([A-Za-z0-9+/_=-]*)"\}$/;

/** The decoding of an envelope in the compact form, as the long way gives it; null for any other form (or a fault, which the long way reports). */
function compactMaterial(envelopeBytes: Uint8Array): DecodedMaterial | null {
  const envelope = COMPACT_ENVELOPE.exec(Buffer.from(envelopeBytes.buffer, envelopeBytes.byteOffset, envelopeBytes.length).toString('latin1'));
  if (!envelope) return null;
  const payload = decodeBase64(envelope[1]!);
  if (!payload) return null;
  const body = COMPACT_PAYLOAD.exec(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('latin1'));
  const core = body ? decodeBase64(body[1]!) : null;
  if (!core || core.length !== 32) return null;
  return { payloadType: PAYLOAD_TYPE, payload, signatures: [{ keyid: envelope[2]!, sig: envelope[3]! }], core, signedExtensions: [] };
}

function strictObject(bytes: Uint8Array, code: 'malformed_material' | 'malformed_payload', what: string): Record<string, unknown> {
  try {
    assertStrictJson(bytes, { maxDepth: 8 });
  } catch (e) {
    throw new DsseError(code, `${what} is not strict JSON: ${(e as Error).message}`);
  }
  const value: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new DsseError(code, `${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** Builds the `dssematerial` value: standard base64 of the compact envelope JSON. */
export function encodeMaterial(payload: Uint8Array, signatures: readonly { keyid: string; sig: Uint8Array }[]): string {
  const envelope = {
    payloadType: PAYLOAD_TYPE,
    payload: encodeBase64(payload),
    signatures: signatures.map((s) => ({ keyid: s.keyid, sig: encodeBase64(s.sig) })),
  };
  return encodeBase64(Buffer.from(JSON.stringify(envelope), 'utf8'));
}
