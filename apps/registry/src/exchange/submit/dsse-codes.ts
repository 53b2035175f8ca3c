import type { DsseError, DsseErrorCode } from '#plaza/dsse';
import type { JsonReadError } from '#plaza/json';
import { type Check, ExchangeErrorCode, type Refusal } from '../exchange-error.js';

/**
 * The one table from libs/dsse's failure codes (libs/json's strict reader uses the same names for its own) to the
 * exchange's. Reading codes arise only while reading a body or data (check 1, and data in check 5), the others only
 * while decoding the material and verifying (check 2), so one code never needs two meanings.
 */
export const EXCHANGE_CODES: Readonly<Record<DsseErrorCode, ExchangeErrorCode>> = {
  not_utf8: ExchangeErrorCode.BodyUnreadable,
  invalid_json: ExchangeErrorCode.BodyUnreadable,
  duplicate_member: ExchangeErrorCode.DuplicateMember,
  too_deep: ExchangeErrorCode.TooDeep,
  invalid_event: ExchangeErrorCode.BodyUnreadable,
  too_many_events: ExchangeErrorCode.BatchTooLarge,
  invalid_attribute: ExchangeErrorCode.AttributeInvalid,
  invalid_data_base64: ExchangeErrorCode.AttributeInvalid,
  repeated_header: ExchangeErrorCode.RepeatedHeader,
  missing_material: ExchangeErrorCode.SignatureMissing,
  malformed_material: ExchangeErrorCode.MaterialMalformed,
  malformed_payload: ExchangeErrorCode.MaterialMalformed,
  unknown_payload_type: ExchangeErrorCode.PayloadTypeUnknown,
  invalid_signedextattrs: ExchangeErrorCode.SignedExtensionsInvalid,
  unknown_key: ExchangeErrorCode.KeyUnknown,
  unsupported_key: ExchangeErrorCode.SignatureInvalid,
  signature_der: ExchangeErrorCode.SignatureDer,
  bad_signature: ExchangeErrorCode.SignatureInvalid,
  invalid_time: ExchangeErrorCode.SignatureInvalid,
  core_mismatch: ExchangeErrorCode.ContentMismatch,
  ext_mismatch: ExchangeErrorCode.ContentMismatch,
  unsupported_extension_type: ExchangeErrorCode.ContentMismatch,
  invalid_sign_input: ExchangeErrorCode.SignatureInvalid,
};

/** A libs/dsse (or libs/json) failure as the refusal of one event by a check. */
export const refusalOf = (failure: Pick<DsseError | JsonReadError, 'code' | 'message'>, check: Check): Refusal => ({
  code: EXCHANGE_CODES[failure.code],
  check,
  detail: failure.message,
});
