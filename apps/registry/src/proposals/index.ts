// The proposals feature's port: what other features may use. Everything else in this folder is internal.
export { ProposalModule } from './proposal.module.js';
export { ProposalService } from './proposal.service.js';
export { ProposalDetailResponse, ProposalResponse } from './proposal.dto.js';
export { ProposalError, ProposalErrorCode } from './proposal-error.js';
