// The standards feature's port: what other features may use. Everything else in this folder is internal.
export { StandardModule } from './standard.module.js';
export { StandardService } from './standard.service.js';
export { StandardPublisher } from './standard-publisher.js';
export { StandardsCatalogue } from './standards-catalogue.js';
export { STANDARD_DIRECTORY, type StandardDirectory } from './standard-directory.js';
export type { StandardVersion, VersionExamples } from './standard.entity.js';
export { StandardDetailResponse, StandardResponse } from './standard.dto.js';
export { StandardError, StandardErrorCode } from './standard-error.js';
