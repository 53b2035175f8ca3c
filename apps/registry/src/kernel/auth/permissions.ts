import type { OrganisationKind } from './vocabulary.js';
import type { Role } from './vocabulary.js';

/** Every action a key can be allowed to take. Routes name one with @Allow; public routes say @Public. */
export enum Action {
  OrganisationCreate = 'organisation.create',
  OrganisationUpdate = 'organisation.update',
  /** Grant or withdraw coalition membership (a field of the organisation, checked by OrganisationService). */
  OrganisationCoalition = 'organisation.coalition',
  MemberRead = 'member.read',
  MemberManage = 'member.manage',
  ApiKeyRead = 'api-key.read',
  ApiKeyManage = 'api-key.manage',
  SigningKeyRegister = 'signing-key.register',
  SigningKeyRevoke = 'signing-key.revoke',
  SourceManage = 'source.manage',
  ProposalWrite = 'proposal.write',
  ProposalReview = 'proposal.review',
  ProposalVote = 'proposal.vote',
  ProposalSteward = 'proposal.steward',
  PrivacyRecordRead = 'privacy-record.read',
  PrivacyRecordWrite = 'privacy-record.write',
  PrivacyRecordApprove = 'privacy-record.approve',
  AgreementRead = 'agreement.read',
  AgreementWrite = 'agreement.write',
  AgreementSign = 'agreement.sign',
  ExchangeSubmit = 'exchange.submit',
  ExchangeRead = 'exchange.read',
  SubscriptionRead = 'subscription.read',
  SubscriptionManage = 'subscription.manage',
  LogWithhold = 'log.withhold',
}

type Grants = Partial<Record<OrganisationKind, readonly Role[]>>;

const ALL_ROLES: readonly Role[] = ['admin', 'member', 'privacy-approver', 'standards-editor'];

/**
 * The one permission table: action x organisation kind x role. Anything not granted here is denied.
 * The operator acts on any organisation; everyone else only on their own (scope.ts enforces that).
 */
export const PERMISSIONS: { readonly [A in Action]: Grants } = {
  [Action.OrganisationCreate]: { operator: ['admin'] },
  [Action.OrganisationUpdate]: { operator: ['admin'], city: ['admin'], vendor: ['admin'] },
  // Coalition membership makes an organisation a reviewer and a voter on proposals (and its standards editors
  // stewards), so an organisation's admin cannot give it to their own organisation: only the operator.
  [Action.OrganisationCoalition]: { operator: ['admin'] },
  [Action.MemberRead]: { operator: ['admin'], city: ALL_ROLES, vendor: ALL_ROLES },
  [Action.MemberManage]: { operator: ['admin'], city: ['admin'], vendor: ['admin'] },
  [Action.ApiKeyRead]: { operator: ['admin'], city: ['admin'], vendor: ['admin'] },
  [Action.ApiKeyManage]: { operator: ['admin'], city: ['admin'], vendor: ['admin'] },
  [Action.SigningKeyRegister]: { city: ['admin'], vendor: ['admin'] },
  [Action.SigningKeyRevoke]: { operator: ['admin'], city: ['admin'], vendor: ['admin'] },
  [Action.SourceManage]: { city: ['admin', 'member'] },
  [Action.ProposalWrite]: { city: ['admin', 'member', 'standards-editor'], vendor: ['admin', 'member', 'standards-editor'] },
  // Reviews and stewardship also depend on the coalition flag, which proposal-access.ts checks.
  [Action.ProposalReview]: { city: ALL_ROLES, vendor: ALL_ROLES },
  [Action.ProposalVote]: { city: ['admin', 'standards-editor'], vendor: ['admin', 'standards-editor'] },
  [Action.ProposalSteward]: { operator: ['admin'], city: ['standards-editor'], vendor: ['standards-editor'] },
  // Private parts of privacy records (drafts, internal detail) stay with the city.
  [Action.PrivacyRecordRead]: { city: ALL_ROLES },
  [Action.PrivacyRecordWrite]: { city: ['admin', 'member', 'privacy-approver'] },
  // The approver must also not be the record's author (checked by the approval use case).
  [Action.PrivacyRecordApprove]: { city: ['privacy-approver'] },
  // Drafts are private to their parties (checked by the agreements service).
  [Action.AgreementRead]: { city: ALL_ROLES, vendor: ALL_ROLES },
  [Action.AgreementWrite]: { city: ['admin', 'member'] },
  [Action.AgreementSign]: { city: ['admin'], vendor: ['admin'] },
  // Signed events: the signer's organisation is checked against the key by the exchange; reads are for parties to an agreement covering the source.
  [Action.ExchangeSubmit]: { city: ['admin', 'member'], vendor: ['admin', 'member'] },
  [Action.ExchangeRead]: { city: ALL_ROLES, vendor: ALL_ROLES },
  // Subscriptions push what the feed would serve: the same parties, judged again at every delivery.
  [Action.SubscriptionRead]: { city: ALL_ROLES, vendor: ALL_ROLES },
  [Action.SubscriptionManage]: { city: ['admin', 'member'], vendor: ['admin', 'member'] },
  // Withholding a state typed in error from the log's disclosure is the operator's alone, and is itself journaled.
  [Action.LogWithhold]: { operator: ['admin'] },
};

export function isAllowed(action: Action, kind: OrganisationKind, roles: readonly Role[]): boolean {
  const granted = PERMISSIONS[action][kind] ?? [];
  return roles.some((role) => granted.includes(role));
}
