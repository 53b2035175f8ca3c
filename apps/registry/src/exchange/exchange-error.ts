import { PlazaError } from '../kernel/errors/plaza-error.js';
import type { ProblemTable } from '../kernel/errors/problem-table.js';

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
  // subscriptions
  SubscriptionNotFound = 'exchange.subscription_not_found',
  SinkInvalid = 'exchange.sink_invalid',
  FilterUnsupported = 'exchange.filter_unsupported',
  TypeNotReadable = 'exchange.type_not_readable',
  SubscriptionStateConflict = 'exchange.subscription_state_conflict',
  RewindInvalid = 'exchange.rewind_invalid',
  SubscriptionLimit = 'exchange.subscription_limit',
}

/** The seven checks of the README's "Exchange API", in order. */
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

/** Every ExchangeErrorCode with its HTTP status and stable title. */
export const EXCHANGE_PROBLEMS: ProblemTable<ExchangeErrorCode> = {
  [ExchangeErrorCode.BodyUnreadable]: { status: 422, title: 'The event is not strict JSON (or not UTF-8, or not an object)' },
  [ExchangeErrorCode.DuplicateMember]: { status: 422, title: 'The JSON repeats a member name in one object' },
  [ExchangeErrorCode.TooDeep]: { status: 422, title: 'The JSON is nested too deeply' },
  [ExchangeErrorCode.RepeatedHeader]: { status: 422, title: 'A ce-* or Content-Type header appears more than once' },
  [ExchangeErrorCode.AttributeMissing]: { status: 422, title: 'A required attribute is missing or empty' },
  [ExchangeErrorCode.AttributeEmpty]: { status: 422, title: 'An attribute is present but empty' },
  [ExchangeErrorCode.AttributeInvalid]: { status: 422, title: 'An attribute has a value the exchange does not accept' },
  [ExchangeErrorCode.AttributeNameInvalid]: { status: 422, title: 'An attribute name is not lowercase letters and digits, at most 20' },
  [ExchangeErrorCode.SpecversionUnsupported]: { status: 422, title: 'Only CloudEvents specversion 1.0 is accepted' },
  [ExchangeErrorCode.TimeMissing]: { status: 422, title: 'The event has no time' },
  [ExchangeErrorCode.TimeInvalid]: { status: 422, title: 'The time is not an RFC 3339 timestamp with an offset' },
  [ExchangeErrorCode.TimeNotWholeSeconds]: { status: 422, title: 'The time is not in whole seconds' },
  [ExchangeErrorCode.TimeOutOfBounds]: { status: 422, title: 'The time is too far ahead of or behind the receipt time' },
  [ExchangeErrorCode.SignatureMissing]: { status: 422, title: 'The event has no dssematerial' },
  [ExchangeErrorCode.MaterialMalformed]: { status: 422, title: 'The dssematerial is not a well-formed DSSE envelope and payload' },
  [ExchangeErrorCode.PayloadTypeUnknown]: { status: 422, title: 'The DSSE payloadType is not the Verifiability extension' },
  [ExchangeErrorCode.SignedExtensionsInvalid]: { status: 422, title: 'signedextattrs names a core attribute, repeats a name or is not a list of names' },
  [ExchangeErrorCode.KeyUnknown]: { status: 422, title: 'No registered signing key has this keyid' },
  [ExchangeErrorCode.KeyOfAnotherOrganisation]: { status: 403, title: "The signing key belongs to another organisation than the caller's" },
  [ExchangeErrorCode.KeyRevoked]: { status: 422, title: 'The signing key is revoked' },
  [ExchangeErrorCode.KeyExpired]: { status: 422, title: 'The signing key has expired' },
  [ExchangeErrorCode.KeyNotYetValid]: { status: 422, title: 'The signing key is not valid yet' },
  [ExchangeErrorCode.SignatureDer]: { status: 422, title: 'The ECDSA signature is DER-encoded; raw r||s is required' },
  [ExchangeErrorCode.SignatureInvalid]: { status: 422, title: 'The signature does not verify' },
  [ExchangeErrorCode.ContentMismatch]: { status: 422, title: 'The event differs from what was signed' },
  [ExchangeErrorCode.SourceUnknown]: { status: 404, title: 'No registered source has this CloudEvents source value' },
  [ExchangeErrorCode.SourceInactive]: { status: 422, title: 'The source is not active' },
  [ExchangeErrorCode.NotSourceOperator]: { status: 403, title: "Only the source's owning city or its operator may send its events" },
  [ExchangeErrorCode.NoActiveAgreement]: { status: 403, title: 'No agreement in force covers this source for your organisation' },
  [ExchangeErrorCode.TypeNotCoveredByAgreement]: { status: 422, title: 'The agreement in force does not cover this event type' },
  [ExchangeErrorCode.TimeOutsideAgreement]: { status: 422, title: 'The event time is outside what the agreement covers' },
  [ExchangeErrorCode.PrivacyRecordRequired]: { status: 422, title: 'No approved, unexpired privacy impact record covers the source then' },
  [ExchangeErrorCode.TypeUnknown]: { status: 422, title: 'No standard has this CloudEvents type' },
  [ExchangeErrorCode.DataschemaMissing]: { status: 422, title: 'The event names no dataschema' },
  [ExchangeErrorCode.DataschemaUnpublished]: { status: 422, title: 'The dataschema is not a published version of the standard of this type' },
  [ExchangeErrorCode.TypeNotDeclaredBySource]: { status: 422, title: 'The source does not declare this standard and major version' },
  [ExchangeErrorCode.DataMissing]: { status: 422, title: 'The event has no data' },
  [ExchangeErrorCode.DataNotJson]: { status: 422, title: 'The data is not JSON' },
  [ExchangeErrorCode.DataNulCharacter]: { status: 422, title: 'The data contains a NUL character' },
  [ExchangeErrorCode.DataNumberOutOfRange]: { status: 422, title: 'The data holds a number beyond 2^53' },
  [ExchangeErrorCode.DataInvalid]: { status: 422, title: "The data is not valid against the standard's schema" },
  [ExchangeErrorCode.FieldNotAllowed]: { status: 422, title: 'The data holds a field the agreement does not allow' },
  [ExchangeErrorCode.EventConflict]: { status: 409, title: 'Another event with this source and id was accepted' },
  [ExchangeErrorCode.BatchEmpty]: { status: 422, title: 'The batch holds no event' },
  [ExchangeErrorCode.BatchTooLarge]: { status: 413, title: 'The batch holds more than 1000 events' },
  [ExchangeErrorCode.QuotaExceeded]: { status: 429, title: "The organisation's event quota for this minute is spent" },
  [ExchangeErrorCode.ContentEncodingUnsupported]: { status: 415, title: 'Compressed bodies are not accepted' },
  [ExchangeErrorCode.SourceNotFound]: { status: 404, title: 'No such source among those you may read' },
  [ExchangeErrorCode.SubscriptionNotFound]: { status: 404, title: 'No such subscription of your organisation' },
  [ExchangeErrorCode.SinkInvalid]: { status: 422, title: 'The sink is not a URL the registry may deliver to' },
  [ExchangeErrorCode.FilterUnsupported]: { status: 422, title: 'A filter uses a dialect or attribute the registry does not support' },
  [ExchangeErrorCode.TypeNotReadable]: { status: 422, title: 'An event type is not one you may read from this source' },
  [ExchangeErrorCode.SubscriptionStateConflict]: { status: 409, title: "The subscription's state does not allow this" },
  [ExchangeErrorCode.RewindInvalid]: { status: 400, title: 'A rewind names exactly one of a cursor and an RFC 3339 time' },
  [ExchangeErrorCode.SubscriptionLimit]: { status: 409, title: 'The organisation holds as many subscriptions as it may' },
};
