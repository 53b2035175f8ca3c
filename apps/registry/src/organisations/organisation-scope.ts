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

  async resolve(principal: Principal, slug: string): Promise<Organisation> {
    const mayAct = principal.organisationKind === 'operator' || principal.organisationSlug === slug;
    const organisation = mayAct ? await this.organisations.findBySlug(slug) : null;
    if (!organisation) throw notFound(slug);
    return organisation;
  }

  async findPublic(slug: string): Promise<Organisation> {
    const organisation = await this.organisations.findBySlug(slug);
    if (!organisation) throw notFound(slug);
    return organisation;
  }
}

function notFound(slug: string): OrganisationError {
  return new OrganisationError(OrganisationErrorCode.NotFound, `There is no organisation "${slug}".`);
}
