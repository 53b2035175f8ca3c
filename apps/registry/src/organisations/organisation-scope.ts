import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../kernel/auth/principal.js';
import type { Organisation } from './organisation.entity.js';
import { OrganisationError, OrganisationErrorCode } from './organisation-error.js';
import { OrganisationRepository } from './organisation.repository.js';

/**
 * Resolves the organisation a request addresses. Members act only on their own organisation; the
 * operator on any. Anything else is answered exactly like a missing organisation (404), so a key
 * learns nothing about other organisations' private records.
 */
@Injectable()
export class OrganisationScope {
  constructor(@Inject(OrganisationRepository) private readonly organisations: OrganisationRepository) {}

  /** `reference`: the organisation's slug or id. */
  async resolve(principal: Principal, reference: string): Promise<Organisation> {
    const organisation = await this.organisations.findByReference(reference);
    const mayAct = principal.organisationKind === 'operator' || principal.organisationId === organisation?.id;
    if (!organisation || !mayAct) throw notFound(reference);
    return organisation;
  }

  async findPublic(reference: string): Promise<Organisation> {
    const organisation = await this.organisations.findByReference(reference);
    if (!organisation) throw notFound(reference);
    return organisation;
  }
}

function notFound(reference: string): OrganisationError {
  return new OrganisationError(OrganisationErrorCode.NotFound, `There is no organisation "${reference}".`);
}
