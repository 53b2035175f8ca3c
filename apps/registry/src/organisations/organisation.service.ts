import { Inject, Injectable } from '@nestjs/common';
import { AuthError, AuthErrorCode } from '../kernel/errors/auth-error.js';
import { Action, isAllowed } from '../kernel/auth/permissions.js';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { isUniqueViolation } from '../kernel/errors/unique-violation.js';
import type { Page } from '../kernel/paging/paging.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import { recordOrganisation } from './organisation-record.js';
import { OrganisationError, OrganisationErrorCode } from './organisation-error.js';
import { OrganisationScope } from './organisation-scope.js';
import { looksLikeId } from './organisation-reference.js';
import { DISPLAY_NAME_CONSTRAINT, type NewOrganisation, OrganisationRepository } from './organisation.repository.js';
import { type CreateOrganisationDto, type ListOrganisationsQuery, OrganisationResponse, type UpdateOrganisationDto } from './organisation.dto.js';
import type { Actor } from '../kernel/auth/actor.js';

@Injectable()
export class OrganisationService {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(OrganisationRepository) private readonly organisations: OrganisationRepository,
    @Inject(OrganisationScope) private readonly scope: OrganisationScope,
  ) {}

  async create(principal: Principal, dto: CreateOrganisationDto): Promise<OrganisationResponse> {
    return this.insert(actorOf(principal), { ...dto, coalitionMember: dto.coalitionMember ?? false, website: dto.website ?? null });
  }

  /** Also used at first start, by the registry itself, for the operator's organisation. */
  async insert(actor: Actor, fields: NewOrganisation): Promise<OrganisationResponse> {
    if (looksLikeId(fields.slug)) throw new OrganisationError(OrganisationErrorCode.SlugLooksLikeId, 'An organisation is addressed by its slug or its id, so a slug may not have the shape of a UUID: choose a name-like slug.');
    try {
      const organisation = await this.uow.run(actor, async (tx) => {
        if (await this.organisations.findBySlug(fields.slug, tx.manager)) throw slugTaken(fields.slug);
        const created = await this.organisations.insert(fields, tx.manager);
        await this.organisations.holdDisplayName(created.id, created.name, tx.manager);
        recordOrganisation(tx, 'organisation.created', created);
        return created;
      });
      return OrganisationResponse.from(organisation);
    } catch (error) {
      throw isUniqueViolation(error, DISPLAY_NAME_CONSTRAINT) ? nameTaken() : isUniqueViolation(error) ? slugTaken(fields.slug) : error;
    }
  }

  async update(principal: Principal, reference: string, dto: UpdateOrganisationDto): Promise<OrganisationResponse> {
    const { id } = await this.scope.resolve(principal, reference);
    const organisation = await this.uow.run(actorOf(principal), async (tx) => {
      const current = await this.organisations.findForUpdate(id, tx.manager);
      const coalitionChange = dto.coalitionMember !== undefined && dto.coalitionMember !== current.coalitionMember;
      if (coalitionChange && !isAllowed(Action.OrganisationCoalition, principal.organisationKind, principal.roles)) {
        throw new AuthError(AuthErrorCode.Forbidden, 'Only the registry operator grants or withdraws coalition membership.');
      }
      await this.organisations.update(current, dto, tx.manager);
      if (dto.name) await this.organisations.holdDisplayName(current.id, current.name, tx.manager);
      recordOrganisation(tx, 'organisation.updated', current);
      return current;
    }).catch((error: unknown) => {
      throw isUniqueViolation(error, DISPLAY_NAME_CONSTRAINT) ? nameTaken() : error;
    });
    return OrganisationResponse.from(organisation);
  }

  async get(reference: string): Promise<OrganisationResponse> {
    return OrganisationResponse.from(await this.scope.findPublic(reference));
  }

  async list(query: ListOrganisationsQuery): Promise<Page<OrganisationResponse>> {
    const { rows, nextCursor } = await this.organisations.list({ kind: query.kind, coalitionMember: query.coalitionMember }, query);
    return { items: rows.map(OrganisationResponse.from), nextCursor };
  }

  /** How many organisations of this kind the public list holds. */
  count(kind: ListOrganisationsQuery['kind']): Promise<number> {
    return this.organisations.count({ kind });
  }
}


function nameTaken(): OrganisationError {
  return new OrganisationError(
    OrganisationErrorCode.NameTaken,
    'Another organisation already has this name, in English or French (letter case, spacing and character width aside). Choose a name of your own.',
  );
}

function slugTaken(slug: string): OrganisationError {
  return new OrganisationError(OrganisationErrorCode.SlugTaken, `The slug "${slug}" is already taken.`);
}
