// The privacy-records feature's port: what other features may use. Everything else in this folder is internal.
export { PrivacyCoverageModule, PrivacyRecordModule } from './privacy-record.module.js';
export { PrivacyRecordService } from './privacy-record.service.js';
export { PrivacyGate, type RecordCitation } from './privacy-gate.js';
export { AGREEMENT_CITATIONS, type AgreementCitation, type AgreementCitations } from './agreement-citations.js';
export { PUBLIC_STATUSES } from './privacy-record-status.js';
export { PrivacyRecordResponse } from './privacy-record.dto.js';
export { PrivacyRecordError, PrivacyRecordErrorCode } from './privacy-record-error.js';
