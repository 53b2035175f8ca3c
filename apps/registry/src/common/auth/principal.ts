import type { Role } from '../../members/member.entity.js';
import type { OrganisationKind } from '../../organisations/organisation.entity.js';
import type { Actor } from '../../journal/unit-of-work.js';

/** The member behind an authenticated request. */
export interface Principal {
  keyId: string;
  keyPrefix: string;
  memberId: string;
  roles: Role[];
  organisationId: string;
  organisationSlug: string;
  organisationKind: OrganisationKind;
}

export function actorOf(principal: Principal): Actor {
  return { organisationId: principal.organisationId, memberId: principal.memberId };
}
