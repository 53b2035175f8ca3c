import { Agreement, AgreementSignature, AgreementVersion } from '../agreements/agreement.entity.js';
import { ApiKey } from '../api-keys/api-key.entity.js';
import { Subscription } from '../exchange/delivery/subscription.entity.js';
import { JournalEntry } from '../platform/journal/journal-entry.entity.js';
import { Member } from '../members/member.entity.js';
import { MemberRoleGrant } from '../members/member-role-grant.entity.js';
import { Organisation } from '../organisations/organisation.entity.js';
import { PrivacyRecord } from '../privacy-records/privacy-record.entity.js';
import { Proposal, ProposalReview, ProposalVote } from '../proposals/proposal.entity.js';
import { SigningKey, SigningKeyChallenge } from '../signing-keys/signing-key.entity.js';
import { Source } from '../sources/source.entity.js';
import { Standard, StandardVersion } from '../standards/standard.entity.js';
import { WitnessState } from '../witness/witness-state.entity.js';

/** Every entity of the registry; the schema itself is defined by the migrations in libs/database. */
export const ENTITIES = [
  JournalEntry, Organisation, Member, MemberRoleGrant, ApiKey, SigningKey, SigningKeyChallenge, Source,
  Standard, StandardVersion, Proposal, ProposalReview, ProposalVote,
  PrivacyRecord,
  Agreement, AgreementVersion, AgreementSignature,
  Subscription,
  WitnessState,
];
