import { ApiKeyErrorCode } from '../../api-keys/api-key-error.js';
import { MemberErrorCode } from '../../members/member-error.js';
import { OrganisationErrorCode } from '../../organisations/organisation-error.js';
import { SigningKeyErrorCode } from '../../signing-keys/signing-key-error.js';
import { AgreementErrorCode } from '../../agreements/agreement-error.js';
import { PrivacyRecordErrorCode } from '../../privacy-records/privacy-record-error.js';
import { ProposalErrorCode } from '../../proposals/proposal-error.js';
import { SourceErrorCode } from '../../sources/source-error.js';
import { StandardErrorCode } from '../../standards/standard-error.js';
import { TransparencyErrorCode } from '../../transparency/transparency-error.js';
import { ExchangeErrorCode } from '../../exchange/exchange-error.js';
import { AuthErrorCode } from '../auth/auth-error.js';
import { RequestErrorCode, ServiceErrorCode } from './request-error.js';

export type ErrorCode =
  | RequestErrorCode
  | ServiceErrorCode
  | AuthErrorCode
  | OrganisationErrorCode
  | MemberErrorCode
  | ApiKeyErrorCode
  | SigningKeyErrorCode
  | SourceErrorCode
  | StandardErrorCode
  | ProposalErrorCode
  | PrivacyRecordErrorCode
  | AgreementErrorCode
  | TransparencyErrorCode
  | ExchangeErrorCode;

interface ProblemType {
  status: number;
  title: string;
}

/**
 * Every error code Plaza can answer with, its HTTP status and its stable title. The type makes this
 * table exhaustive: a code added to a feature's enum does not compile until it is mapped here.
 */
export const PROBLEM_CATALOG: { readonly [C in ErrorCode]: ProblemType } = {
  [RequestErrorCode.Invalid]: { status: 400, title: 'The request is not valid' },
  [RequestErrorCode.UnknownField]: { status: 400, title: 'The request has a field this endpoint does not accept' },
  [RequestErrorCode.MalformedJson]: { status: 400, title: 'The body is not well-formed JSON' },
  [RequestErrorCode.DuplicateMember]: { status: 400, title: 'The body repeats a member name in one object' },
  [RequestErrorCode.TooDeep]: { status: 400, title: 'The body is nested too deeply' },
  [RequestErrorCode.TooManyMembers]: { status: 400, title: 'An object of the body has too many members' },
  [RequestErrorCode.ForbiddenMember]: { status: 400, title: 'The body has a member name that is never accepted' },
  [RequestErrorCode.BodyTooLarge]: { status: 413, title: 'The body is too large' },
  [RequestErrorCode.UnsupportedMediaType]: { status: 415, title: 'The body has a media type this endpoint does not accept' },
  [RequestErrorCode.InvalidCursor]: { status: 400, title: 'The paging cursor is not valid' },
  [RequestErrorCode.RouteNotFound]: { status: 404, title: 'There is no such endpoint' },
  [RequestErrorCode.RateLimited]: { status: 429, title: 'Too many requests' },
  [RequestErrorCode.MalformedUrl]: { status: 400, title: 'The URL is not well-formed' },
  [RequestErrorCode.UriTooLong]: { status: 414, title: 'A part of the path is too long' },
  [RequestErrorCode.HeadersTooLarge]: { status: 431, title: 'The request line and headers are too large' },
  [RequestErrorCode.Timeout]: { status: 408, title: 'The request was not received in time' },
  [ServiceErrorCode.DatabaseUnavailable]: { status: 503, title: 'The registry database is unreachable' },
  [ServiceErrorCode.Internal]: { status: 500, title: 'Internal error' },
  [AuthErrorCode.Unauthenticated]: { status: 401, title: 'An API key is required' },
  [AuthErrorCode.InvalidKey]: { status: 401, title: 'The API key is not valid' },
  [AuthErrorCode.Forbidden]: { status: 403, title: 'The API key may not do this' },
  [OrganisationErrorCode.NotFound]: { status: 404, title: 'No such organisation' },
  [OrganisationErrorCode.SlugTaken]: { status: 409, title: 'The slug is already taken' },
  [OrganisationErrorCode.NameTaken]: { status: 409, title: 'Another organisation already has this display name' },
  [MemberErrorCode.NotFound]: { status: 404, title: 'No such member' },
  [MemberErrorCode.EmailTaken]: { status: 409, title: 'A member of this organisation already has this email' },
  [MemberErrorCode.LastAdmin]: { status: 409, title: 'The organisation would have no active admin' },
  [MemberErrorCode.SelfGrant]: { status: 403, title: 'Nobody grants a role to themselves' },
  [ApiKeyErrorCode.NotFound]: { status: 404, title: 'No such API key' },
  [ApiKeyErrorCode.AlreadyRevoked]: { status: 409, title: 'The API key is already revoked' },
  [ApiKeyErrorCode.ExpiryNotInFuture]: { status: 400, title: 'The expiry must be in the future' },
  [ApiKeyErrorCode.MemberInactive]: { status: 409, title: 'The member is not active' },
  [SigningKeyErrorCode.NotFound]: { status: 404, title: 'No such signing key' },
  [SigningKeyErrorCode.InvalidJwk]: { status: 400, title: 'The JWK is not a valid public key' },
  [SigningKeyErrorCode.PrivateKeyMaterial]: { status: 400, title: 'The JWK contains private key material' },
  [SigningKeyErrorCode.UnsupportedKeyType]: { status: 400, title: 'Only Ed25519 and P-256 keys are accepted' },
  [SigningKeyErrorCode.AlgorithmMismatch]: { status: 400, title: "The JWK's alg does not match its key type" },
  [SigningKeyErrorCode.AlreadyRegistered]: { status: 409, title: 'A key with this thumbprint is already registered' },
  [SigningKeyErrorCode.ChallengeInvalid]: { status: 400, title: 'The challenge is unknown, expired or already used' },
  [SigningKeyErrorCode.ProofInvalid]: { status: 400, title: 'The proof of possession does not verify' },
  [SigningKeyErrorCode.InvalidValidity]: { status: 400, title: 'The validity window is not valid' },
  [SigningKeyErrorCode.AlreadyRevoked]: { status: 409, title: 'The signing key is already revoked' },
  [SigningKeyErrorCode.DemoKey]: { status: 403, title: 'Demo signing keys are refused outside the demo' },
  [SourceErrorCode.NotFound]: { status: 404, title: 'No such data source' },
  [SourceErrorCode.CeSourceTaken]: { status: 409, title: 'The CloudEvents source value is already registered' },
  [SourceErrorCode.InvalidLocation]: { status: 400, title: 'The location is not valid GeoJSON' },
  [SourceErrorCode.InvalidOperator]: { status: 400, title: 'The operator must be the owning city or a vendor' },
  [SourceErrorCode.InvalidTransition]: { status: 409, title: 'The status cannot change this way' },
  [SourceErrorCode.PrivacyRecordRequired]: { status: 409, title: 'An approved, unexpired privacy impact record is required' },
  [SourceErrorCode.RetiredIsFinal]: { status: 409, title: 'A retired source cannot be changed' },
  [StandardErrorCode.NotFound]: { status: 404, title: 'No such standard' },
  [StandardErrorCode.VersionNotFound]: { status: 404, title: 'No such version of the standard' },
  [ProposalErrorCode.NotFound]: { status: 404, title: 'No such proposal' },
  [ProposalErrorCode.InvalidForKind]: { status: 400, title: 'The proposal does not carry what its kind needs' },
  [ProposalErrorCode.WrongStatus]: { status: 409, title: 'The proposal is not at the step this needs' },
  [ProposalErrorCode.NotAuthor]: { status: 403, title: 'Only the proposing organisation can do this' },
  [ProposalErrorCode.SchemaRefused]: { status: 422, title: 'The proposed schema cannot be accepted' },
  [ProposalErrorCode.ExamplesDisagree]: { status: 422, title: 'The examples and the schema disagree' },
  [ProposalErrorCode.VersionContradictsReport]: { status: 422, title: 'The version number contradicts the compatibility report' },
  [ProposalErrorCode.VersionNotAfterLatest]: { status: 422, title: 'The version number does not follow the published versions' },
  [ProposalErrorCode.NotAReviewer]: { status: 403, title: 'Reviews come from standards editors or coalition members' },
  [ProposalErrorCode.NotInElectorate]: { status: 403, title: 'Your organisation does not vote on this proposal' },
  [ProposalErrorCode.NotCoalitionMember]: { status: 403, title: 'Only coalition members (or the operator) run votes' },
  [ProposalErrorCode.StandardExists]: { status: 409, title: 'The standard already exists' },
  [ProposalErrorCode.StandardUnknown]: { status: 404, title: 'No such standard' },
  [ProposalErrorCode.VotingStillOpen]: { status: 409, title: 'Voting is still open' },
  [ProposalErrorCode.InvalidExampleName]: { status: 400, title: 'An example name cannot be a file name' },
  [ProposalErrorCode.TypeTaken]: { status: 409, title: 'Another standard already has this CloudEvents type' },
  // privacy records
  [PrivacyRecordErrorCode.NotFound]: { status: 404, title: 'No such privacy impact record' },
  [PrivacyRecordErrorCode.WrongStatus]: { status: 409, title: 'The privacy impact record is not at the step this needs' },
  [PrivacyRecordErrorCode.UnknownSource]: { status: 400, title: "A covered source is not one of the city's sources" },
  [PrivacyRecordErrorCode.ReviewDateNotAhead]: { status: 400, title: 'The next review date must be after today' },
  [PrivacyRecordErrorCode.NothingCovered]: { status: 422, title: 'The privacy impact record covers no source and no agreement' },
  [PrivacyRecordErrorCode.DeciderIsAuthor]: { status: 403, title: 'Whoever wrote or submitted a privacy impact record cannot decide on it' },
  [PrivacyRecordErrorCode.DeciderRoleTooRecent]: { status: 403, title: 'The decider was not a privacy approver when the record was submitted' },
  [PrivacyRecordErrorCode.DeciderRoleFromAuthor]: { status: 403, title: "The decider's privacy-approver role was granted by an author of the record" },
  [PrivacyRecordErrorCode.DeciderKeyFromAuthor]: { status: 403, title: "The decider's API key was issued by an author of the record" },
  [PrivacyRecordErrorCode.AgreementNotFound]: { status: 404, title: 'A covered agreement does not exist, or is not one you may read' },
  [PrivacyRecordErrorCode.AgreementNotCitable]: { status: 409, title: "A covered agreement is not one of the city's own that has not ended" },
  // agreements
  [AgreementErrorCode.NotFound]: { status: 404, title: 'No such agreement' },
  [AgreementErrorCode.VersionNotFound]: { status: 404, title: 'No such version of the agreement' },
  [AgreementErrorCode.WrongStatus]: { status: 409, title: 'The agreement version is not at the step this needs' },
  [AgreementErrorCode.InvalidParty]: { status: 400, title: 'Every other party must be a registered vendor' },
  [AgreementErrorCode.InvalidSource]: { status: 400, title: "An agreement covers only the city's own sources" },
  [AgreementErrorCode.UnknownEventType]: { status: 400, title: 'No published version of this standard and major' },
  [AgreementErrorCode.InvalidAllowedFields]: { status: 400, title: 'Allowed fields must name a vendor party and a covered event type' },
  [AgreementErrorCode.FieldNotInStandard]: { status: 422, title: "An allowed field is not in the standard's schema" },
  [AgreementErrorCode.InvalidValidity]: { status: 400, title: 'The validity window is not valid' },
  [AgreementErrorCode.AmendmentInProgress]: { status: 409, title: 'An amendment of this agreement is already being prepared' },
  [AgreementErrorCode.PrivacyRecordRequired]: { status: 409, title: 'Usable privacy impact records are required' },
  [AgreementErrorCode.PrivacyRecordNotFound]: { status: 404, title: 'A cited privacy impact record does not exist, or is not one you may read' },
  [AgreementErrorCode.PrivacyRecordNotCitable]: { status: 409, title: "A cited privacy impact record is not one of the city's own that is still in play" },
  [AgreementErrorCode.AlreadySigned]: { status: 409, title: 'Your organisation has already signed this version' },
  [AgreementErrorCode.SignatureMalformed]: { status: 400, title: 'The signature is not a detached compact JWS with alg and kid' },
  [AgreementErrorCode.SigningKeyUnknown]: { status: 422, title: 'No registered signing key has this kid' },
  [AgreementErrorCode.SigningKeyOfAnotherOrganisation]: { status: 422, title: 'The signing key belongs to another organisation' },
  [AgreementErrorCode.SigningKeyRevoked]: { status: 422, title: 'The signing key is revoked' },
  [AgreementErrorCode.SigningKeyExpired]: { status: 422, title: 'The signing key has expired' },
  [AgreementErrorCode.SigningKeyNotYetValid]: { status: 422, title: 'The signing key is not valid yet' },
  [AgreementErrorCode.SignatureOverOtherVersion]: { status: 422, title: "The signature is over another version's document" },
  [AgreementErrorCode.SignatureInvalid]: { status: 422, title: "The signature does not verify over this version's document" },
  // transparency log
  [TransparencyErrorCode.InvalidRange]: { status: 400, title: 'The index range is not valid' },
  [TransparencyErrorCode.SizeBeyondTree]: { status: 400, title: 'The tree size is beyond the current size of the log' },
  [TransparencyErrorCode.IndexOutOfRange]: { status: 400, title: 'The index is not below the tree size' },
  [TransparencyErrorCode.CheckpointConflict]: { status: 500, title: 'A checkpoint of this size was signed over another root' },
  [TransparencyErrorCode.RecordSuperseded]: { status: 409, title: 'The record has changed since this entry' },
  [TransparencyErrorCode.RecordNotDisclosed]: { status: 404, title: 'This entry is about a record you may not read' },
  // the exchange (per event: check 1 envelope ... 7 once; then whole requests and reads)
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
};

export const PROBLEM_TYPE_PREFIX = 'urn:plaza:problem:';
