import { agreementVersionKind } from '../agreements/agreement-record.js';
import { apiKeyKind } from '../api-keys/api-key-record.js';
import type { JournaledKind } from '../journal/journaled-kind.js';
import { memberKind } from '../members/member-record.js';
import { organisationKind } from '../organisations/organisation-record.js';
import { privacyRecordKind } from '../privacy-records/privacy-record-journal.js';
import { proposalKinds } from '../proposals/proposal-record.js';
import { signingKeyKind } from '../signing-keys/signing-key-record.js';
import { sourceKind } from '../sources/source-record.js';
import { standardKinds } from '../standards/standard-record.js';

/** Every kind of record the journal holds entries about, by the subject type its entries name. */
export const JOURNALED_KINDS: ReadonlyMap<string, JournaledKind> = new Map(
  [organisationKind, memberKind, apiKeyKind, signingKeyKind, sourceKind, ...standardKinds, ...proposalKinds, privacyRecordKind, agreementVersionKind].map(
    (kind) => [kind.subjectType, kind],
  ),
);
