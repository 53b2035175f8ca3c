// The sources feature's port: what other features may use. Everything else in this folder is internal.
export { SourceModule } from './source.module.js';
export { SourceService } from './source.service.js';
export { SOURCE_DIRECTORY, type SourceDirectory } from './source-directory.js';
export type { RegisteredSource, SourceLife } from './source.repository.js';
export { PRIVACY_COVERAGE, type PrivacyCoverage } from './privacy-coverage.js';
export { SourcePrivacyFlags, type CoveringRecord } from './source-privacy-flags.js';
export { SOURCE_KINDS, SOURCE_STATUSES, type Source, type SourceKind, type SourceStatus, type Technology } from './source.entity.js';
export { SourceResponse } from './source.dto.js';
export { SourceError, SourceErrorCode } from './source-error.js';
