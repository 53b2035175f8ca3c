/**
 * Every failure the library reports carries one of these stable codes, whether it is thrown
 * (a message that cannot be read at all, bad signing input) or returned in a verification result.
 */
export type DsseErrorCode =
  // reading a message
  | 'not_utf8' // the body is not valid UTF-8
  | 'invalid_json' // the body is not strict JSON (RFC 8259)
  | 'duplicate_member' // a JSON object repeats a member name (anywhere in the body)
  | 'too_deep' // JSON nesting exceeds the configured maximum depth
  | 'invalid_event' // an event is not a JSON object, or carries both `data` and `data_base64`
  | 'too_many_events' // a batch holds more events than the caller's `maxEvents`
  | 'invalid_attribute' // an attribute has an object/array value, a non-string core value, a lone surrogate...
  | 'invalid_data_base64' // `data_base64` is not valid base64
  | 'repeated_header' // binary mode: a `ce-*` (or content-type) header appears more than once
  // the verification material
  | 'missing_material' // no (or an empty) `dssematerial`
  | 'malformed_material' // not base64, not UTF-8, not a JSON DSSE envelope, no signatures
  | 'unknown_payload_type' // payloadType is not https://cloudevents.io/verifiability/dsse/v0.1
  | 'malformed_payload' // payload not base64 / not a JSON object / core or ext not 32 bytes / ext without signedextattrs
  | 'invalid_signedextattrs' // repeated names, a core attribute, dssematerial, not a lowercase alphanumeric name
  // keys and signatures
  | 'unknown_key' // no signature names a key the caller accepts
  | 'unsupported_key' // the key is neither Ed25519 nor ECDSA P-256
  | 'signature_der' // an ECDSA signature in DER form instead of raw r||s
  | 'bad_signature' // no signature by an accepted key verifies
  // the event against the signed digests
  | 'invalid_time' // `time` is not an RFC 3339 timestamp
  | 'core_mismatch' // the event (core attributes or data) differs from what was signed
  | 'ext_mismatch' // a signed extension attribute differs from what was signed
  | 'unsupported_extension_type' // a signed extension value cannot be serialised canonically
  // signing
  | 'invalid_sign_input'; // bad signing input (key, extension list, missing required attribute)

export class DsseError extends Error {
  override readonly name = 'DsseError';
  constructor(readonly code: DsseErrorCode, message: string) {
    super(message);
  }
}
