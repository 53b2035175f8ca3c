// The organisations feature's port: what other features may use. Everything else in this folder is internal.
export { OrganisationModule } from './organisation.module.js';
export { OrganisationScope } from './organisation-scope.js';
export { OrganisationService } from './organisation.service.js';
export { ORGANISATION_DIRECTORY, type OrganisationDirectory, organisationById } from './organisation-directory.js';
export type { Organisation, PrivacyContact } from './organisation.entity.js';
export { OrganisationParam, OrganisationResponse, SLUG_PATTERN } from './organisation.dto.js';
