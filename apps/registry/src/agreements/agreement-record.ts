import type { Principal } from '../kernel/auth/principal.js';
import type { JournaledKind } from '../platform/journal/journaled-kind.js';
import { journalState, type Transaction } from '../platform/journal/unit-of-work.js';
import { isPublic, mayRead } from './agreement-access.js';
import type { AgreementSignature, AgreementVersion } from './agreement.entity.js';
import { AgreementRepository } from './agreement.repository.js';

/** The journal subject of a version: `<agreement id>/<number>`. */
export function versionSubject(version: Pick<AgreementVersion, 'agreementId' | 'number'>): string {
  return `${version.agreementId}/${version.number}`;
}

/** The recorded state of a version: its terms and lifecycle, with the document by digest. */
function versionState(v: AgreementVersion) {
  const { document: _bytes, createdAt: _c, updatedAt: _u, ...rest } = v;
  return journalState({ ...rest, journalIndex: v.journalIndex });
}

function signatureState(signature: AgreementSignature, version: AgreementVersion) {
  return { agreement: version.agreementId, version: version.number, documentDigest: version.documentDigest, kid: signature.kid, jws: signature.jws, signedAt: signature.signedAt.toISOString() };
}

/**
 * Journals a change to a version: every step of its life is an entry, and so is each signature (same subject). A state
 * is public once the version has come into force (its drafting and signing stay its parties').
 */
export function recordVersion(tx: Transaction, action: string, version: AgreementVersion, cityId: string): void {
  tx.record({ action, kind: agreementVersionKind, subjectId: versionSubject(version), organisationId: cityId, state: versionState(version), isPublic: isPublic(version), record: version, recordKey: { id: version.id } });
}

export function recordSignature(tx: Transaction, signature: AgreementSignature, version: AgreementVersion): void {
  tx.record({
    action: 'agreement.signed', kind: agreementVersionKind, subjectId: versionSubject(version), organisationId: signature.organisationId,
    state: signatureState(signature, version), isPublic: isPublic(version), record: signature, recordKey: { id: signature.id },
  });
}

/** A version's entries and its signatures' entries share the version's subject; both read like the version. */
export const agreementVersionKind: JournaledKind = {
  subjectType: 'agreement-version',
  async disclose(manager, index) {
    const found = await AgreementRepository.atJournalIndex(manager, index);
    if (!found) return null;
    const { agreement, version, signature } = found;
    return {
      state: signature ? signatureState(signature, version) : versionState(version),
      visibleTo: (viewer: Principal | undefined) => mayRead(agreement, version, viewer?.organisationId ?? null),
    };
  },
};
