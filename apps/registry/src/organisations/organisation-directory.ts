import type { EntityManager } from 'typeorm';
import type { Organisation } from './organisation.entity.js';
import { OrganisationRepository } from './organisation.repository.js';

/** What other features may read of organisations: by id, slug or either (optionally locked), in bulk, and the coalition electorate. Provided under ORGANISATION_DIRECTORY by the feature's module; the repository behind it stays inside the feature. */
export type OrganisationDirectory = Pick<OrganisationRepository, 'findById' | 'findBySlug' | 'findByReference' | 'findByIds' | 'coalitionMembers'>;

export const ORGANISATION_DIRECTORY = Symbol('ORGANISATION_DIRECTORY');

/**
 * An organisation by id, in the caller's transaction, for the journaled kinds of other features (plain objects, not
 * injectables) that digest an organisation's slug into their state.
 */
export function organisationById(manager: EntityManager, id: string): Promise<Organisation> {
  return OrganisationRepository.getById(manager, id);
}
