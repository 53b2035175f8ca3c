import { PlazaError } from '../common/errors/plaza-error.js';

/**
 * Every way the exchange refuses an event or a request. The codes are part of the exchange's published HTTP contract,
 * which vendors' integrations read: never rename one.
 */
export enum ExchangeErrorCode {
  // 1. envelope: a valid CloudEvent read from the raw bytes
  BodyUnreadable = 'exchange.body_unreadable',
  DuplicateMember = 'exchange.duplicate_member',
  TooDeep = 'exchange.too_deep',
  RepeatedHeader = 'exchange.repeated_header',
  AttributeMissing = 'exchange.attribute_missing',
  AttributeEmpty = 'exchange.attribute_empty',
  AttributeInvalid = 'exchange.attribute_invalid',
  AttributeNameInvalid = 'exchange.attribute_name_invalid',
  SpecversionUnsupported = 'exchange.specversion_unsupported',
  TimeMissing = 'exchange.time_missing',
  TimeInvalid = 'exchange.time_invalid',
  TimeNotWholeSeconds = 'exchange.time_not_whole_seconds',
  TimeOutOfBounds = 'exchange.time_out_of_bounds',
  // 2. signature
  SignatureMissing = 'exchange.signature_missing',
  MaterialMalformed = 'exchange.material_malformed',
  PayloadTypeUnknown = 'exchange.payload_type_unknown',
  SignedExtensionsInvalid = 'exchange.signedextattrs_invalid',
  KeyUnknown = 'exchange.key_unknown',
  KeyOfAnotherOrganisation = 'exchange.key_of_another_organisation',
  KeyRevoked = 'exchange.key_revoked',
  KeyExpired = 'exchange.key_expired',
  KeyNotYetValid = 'exchange.key_not_yet_valid',
  SignatureDer = 'exchange.signature_der',
  SignatureInvalid = 'exchange.signature_invalid',
  ContentMismatch = 'exchange.content_mismatch',
  // 3. source
  SourceUnknown = 'exchange.source_unknown',
  SourceInactive = 'exchange.source_inactive',
  // 4. agreement
  NotSourceOperator = 'exchange.not_source_operator',
  NoActiveAgreement = 'exchange.no_active_agreement',
  TypeNotCoveredByAgreement = 'exchange.type_not_covered_by_agreement',
  TimeOutsideAgreement = 'exchange.time_outside_agreement',
  PrivacyRecordRequired = 'exchange.privacy_record_required',
  // 5. standard
  TypeUnknown = 'exchange.type_unknown',
  DataschemaMissing = 'exchange.dataschema_missing',
  DataschemaUnpublished = 'exchange.dataschema_unpublished',
  TypeNotDeclaredBySource = 'exchange.type_not_declared_by_source',
  DataMissing = 'exchange.data_missing',
  DataNotJson = 'exchange.data_not_json',
  DataNulCharacter = 'exchange.data_nul_character',
  DataNumberOutOfRange = 'exchange.data_number_out_of_range',
  DataInvalid = 'exchange.data_invalid',
  // 6. agreement terms
  FieldNotAllowed = 'exchange.field_not_allowed',
  // 7. once
  EventConflict = 'exchange.event_conflict',
  // the whole request
  BatchEmpty = 'exchange.batch_empty',
  BatchTooLarge = 'exchange.batch_too_large',
  QuotaExceeded = 'exchange.quota_exceeded',
  ContentEncodingUnsupported = 'exchange.content_encoding_unsupported',
  // reading
  SourceNotFound = 'exchange.source_not_found',
}

/** The seven checks of DESIGN.md "The exchange protocol", in order. */
export const CHECKS = ['envelope', 'signature', 'source', 'agreement', 'standard', 'terms', 'once'] as const;
export type Check = (typeof CHECKS)[number];

/** A JSON pointer into the event (or its data) and what is wrong there. */
export interface PointerError {
  pointer: string;
  detail: string;
}

/** Why one event was refused: the stable code, the check that refused it, and the details. */
export interface Refusal {
  code: ExchangeErrorCode;
  check: Check;
  detail: string;
  errors?: PointerError[];
}

export class ExchangeError extends PlazaError<ExchangeErrorCode> {
  /** Seconds to wait before retrying (the quota), sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ExchangeErrorCode, detail: string, extensions: Record<string, unknown> = {}, retryAfterSeconds?: number) {
    super(code, detail, extensions);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** A refused single event, as a problem document: its code, its check and the pointers. */
  static refusing(refusal: Refusal): ExchangeError {
    return new ExchangeError(refusal.code, refusal.detail, { check: refusal.check, ...(refusal.errors ? { errors: refusal.errors } : {}) });
  }
}
