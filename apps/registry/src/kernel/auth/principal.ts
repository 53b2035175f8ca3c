import type { OrganisationKind } from './vocabulary.js';
import type { Role } from './vocabulary.js';
import type { Actor } from './actor.js';

/** The member behind an authenticated request. */
export interface Principal {
  keyId: string;
  keyPrefix: string;
  /** Who issued the key: a member and their organisation; null for the operator's own key, which the registry makes. */
  keyIssuedBy: { organisationId: string; memberId: string } | null;
  /**
   * The operator stands behind this request: its own key, or a key a member of the operator issued (to a member of any
   * organisation). What such a request does for an organisation may be the operator's doing, and is marked so in public.
   */
  viaOperator: boolean;
  memberId: string;
  roles: Role[];
  organisationId: string;
  organisationSlug: string;
  organisationKind: OrganisationKind;
}

export function actorOf(principal: Principal): Actor {
  return {
    organisationId: principal.organisationId,
    memberId: principal.memberId,
    key: { id: principal.keyId, prefix: principal.keyPrefix, issuedBy: principal.keyIssuedBy, operator: principal.viaOperator },
  };
}
