// The agreements feature's port: what other features may use. Everything else in this folder is internal.
export { AgreementCitationsModule, AgreementModule } from './agreement.module.js';
export { AgreementService } from './agreement.service.js';
export { AgreementLifecycle } from './agreement-lifecycle.js';
export type { AgreementStatus, EventType } from './agreement.entity.js';
export { AgreementResponse, AgreementSummary, AgreementVersionResponse } from './agreement.dto.js';
export { AgreementError, AgreementErrorCode } from './agreement-error.js';
