import type { Principal } from '../kernel/auth/principal.js';
import { type Agreement, type AgreementVersion, PUBLIC_STATUSES } from './agreement.entity.js';
import { AgreementError, AgreementErrorCode } from './agreement-error.js';

export function agreementNotFound(id: string): AgreementError {
  return new AgreementError(AgreementErrorCode.NotFound, `There is no agreement ${id}.`);
}

export function versionNotFound(id: string, n: number): AgreementError {
  return new AgreementError(AgreementErrorCode.VersionNotFound, `Agreement ${id} has no version ${n}.`);
}

/** Only the city that owns an agreement changes it; to anyone else it reads like a missing one. */
export function requireCity(agreement: Agreement | null, principal: Principal, id: string): Agreement {
  if (!agreement || agreement.cityId !== principal.organisationId) throw agreementNotFound(id);
  return agreement;
}

export function findVersion(versions: AgreementVersion[], id: string, n: number): AgreementVersion {
  const version = versions.find((v) => v.number === n);
  if (!version) throw versionNotFound(id, n);
  return version;
}

export function isParty(agreement: Agreement, version: AgreementVersion, organisationId: string): boolean {
  return agreement.cityId === organisationId || version.vendorIds.includes(organisationId);
}

/**
 * Who reads a version: anyone once it has been in force (active, then suspended, terminated, expired or superseded);
 * drafts, versions awaiting signatures and versions abandoned before coming into force only its parties. `viewer` null is a resident with no key.
 */
export function mayRead(agreement: Agreement, version: AgreementVersion, viewer: string | null): boolean {
  if (viewer !== null && isParty(agreement, version, viewer)) return true;
  return isPublic(version);
}

/** A version is public once it has come into force: its later statuses (suspended, terminated, expired, superseded) stay public. */
export function isPublic(version: AgreementVersion): boolean {
  return PUBLIC_STATUSES.includes(version.status) && version.history.some((change) => change.status === 'active');
}
