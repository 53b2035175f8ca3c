import { journalState, type Transaction } from '../journal/unit-of-work.js';
import type { AgreementSignature, AgreementVersion } from './agreement.entity.js';

/** The journal subject of a version: `<agreement id>/<number>`. */
export function versionSubject(version: Pick<AgreementVersion, 'agreementId' | 'number'>): string {
  return `${version.agreementId}/${version.number}`;
}

/** The recorded state of a version: its terms and lifecycle, with the document by digest. */
function versionState(v: AgreementVersion) {
  const { document: _bytes, createdAt: _c, updatedAt: _u, ...rest } = v;
  return journalState({ ...rest, journalIndex: v.journalIndex });
}

/** Journals a change to a version: every step of its life is an entry, and so is each signature (same subject). */
export function recordVersion(tx: Transaction, action: string, version: AgreementVersion, cityId: string): void {
  tx.record({ action, subjectType: 'agreement-version', subjectId: versionSubject(version), organisationId: cityId, state: versionState(version), record: version, recordKey: { id: version.id } });
}

export function recordSignature(tx: Transaction, signature: AgreementSignature, version: AgreementVersion): void {
  tx.record({
    action: 'agreement.signed', subjectType: 'agreement-version', subjectId: versionSubject(version), organisationId: signature.organisationId,
    state: { agreement: version.agreementId, version: version.number, documentDigest: version.documentDigest, kid: signature.kid, jws: signature.jws, signedAt: signature.signedAt.toISOString() },
    record: signature, recordKey: { id: signature.id },
  });
}
