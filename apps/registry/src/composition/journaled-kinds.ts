import { agreementVersionKind } from '../agreements/agreement-record.js';
import { apiKeyKind } from '../api-keys/api-key-record.js';
import { subscriptionKind } from '../exchange/delivery/subscription-record.js';
import { memberKind } from '../members/member-record.js';
import { organisationKind } from '../organisations/organisation-record.js';
import type { JournaledKind } from '../platform/journal/journaled-kind.js';
import { privacyRecordKind } from '../privacy-records/privacy-record-journal.js';
import { proposalKind, proposalReviewKind, proposalVoteKind } from '../proposals/proposal-record.js';
import { signingKeyKind } from '../signing-keys/signing-key-record.js';
import { sourceKind } from '../sources/source-record.js';
import { standardKind, standardVersionKind } from '../standards/standard-record.js';
import { withholdingKind } from '../transparency/withholding-record.js';

/**
 * Every kind of record the journal holds entries about. The unit of work refuses a change of a kind missing here, and
 * the transparency log discloses records through this list alone.
 */
export const JOURNALED_KIND_LIST: readonly JournaledKind[] = [
  organisationKind,
  memberKind,
  apiKeyKind,
  signingKeyKind,
  sourceKind,
  standardKind,
  standardVersionKind,
  proposalKind,
  proposalReviewKind,
  proposalVoteKind,
  privacyRecordKind,
  agreementVersionKind,
  subscriptionKind,
  withholdingKind,
];
