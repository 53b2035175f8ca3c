import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { displayNameKeys } from '#plaza/text';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import type { LocalizedText } from '../kernel/text/localized-text.js';
import { Organisation } from './organisation.entity.js';
import { looksLikeId } from './organisation-reference.js';
import type { OrganisationKind } from '../kernel/auth/vocabulary.js';

/** What a new organisation is given; the database adds its id, timestamps and journal index. */
export type NewOrganisation = Omit<Organisation, 'id' | 'createdAt' | 'updatedAt' | 'journalIndex'>;

/** What a change to an organisation may touch (its slug and kind are fixed). */
export type OrganisationChanges = Partial<Pick<Organisation, 'name' | 'coalitionMember' | 'jurisdiction' | 'privacyContact' | 'website'>>;

export interface OrganisationFilter {
  kind?: OrganisationKind;
  coalitionMember?: boolean;
}

/** The unique constraint that keeps one display name (normalised, in either language) to one organisation. */
export const DISPLAY_NAME_CONSTRAINT = 'organisation_display_names_unique';

/** Every query of the organisations feature. */
@Injectable()
export class OrganisationRepository {
  private readonly pager = new KeysetPager({ slug: { expression: 'o.slug', cast: 'text' }, createdAt: { expression: 'o.created_at', cast: 'timestamptz' } }, 'slug', 'o.id');

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findBySlug(slug: string, manager: EntityManager = this.db.manager): Promise<Organisation | null> {
    return manager.findOneBy(Organisation, { slug });
  }

  /** By id or by slug, whichever the reference is (organisation-reference.ts). */
  findByReference(reference: string, manager: EntityManager = this.db.manager): Promise<Organisation | null> {
    return manager.findOneBy(Organisation, looksLikeId(reference) ? { id: reference.toLowerCase() } : { slug: reference });
  }

  findById(id: string, manager: EntityManager = this.db.manager): Promise<Organisation | null> {
    return manager.findOneBy(Organisation, { id });
  }

  findForUpdate(id: string, manager: EntityManager): Promise<Organisation> {
    return manager.findOneOrFail(Organisation, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The organisation whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static atJournalIndex(manager: EntityManager, index: number): Promise<Organisation | null> {
    return manager.findOneBy(Organisation, { journalIndex: index });
  }

  /** An organisation that must exist, by id, in the caller's transaction. */
  static getById(manager: EntityManager, id: string): Promise<Organisation> {
    return manager.findOneByOrFail(Organisation, { id });
  }

  /** Stores a new organisation, in the unit of work that journals its creation. */
  insert(fields: NewOrganisation, manager: EntityManager): Promise<Organisation> {
    return manager.save(manager.create(Organisation, fields));
  }

  /** Applies the changes given (an absent field is left as it is) and stores the organisation, in the unit of work that journals them. */
  update(organisation: Organisation, changes: OrganisationChanges, manager: EntityManager): Promise<Organisation> {
    manager.merge(Organisation, organisation, changes);
    return manager.save(organisation);
  }

  /**
   * Makes `name` the organisation's display name in the registry-wide index of names: the database refuses it
   * (a unique violation of DISPLAY_NAME_CONSTRAINT) when another organisation holds the same name in either language.
   */
  async holdDisplayName(organisationId: string, name: LocalizedText, manager: EntityManager): Promise<void> {
    await manager.query('DELETE FROM organisation_display_names WHERE organisation_id = $1', [organisationId]);
    for (const key of displayNameKeys([name.en, name.fr])) {
      await manager.query('INSERT INTO organisation_display_names (name_key, organisation_id) VALUES ($1, $2)', [key, organisationId]);
    }
  }

  /** The coalition-member cities and vendors, by slug: the electorate of a vote opened now. */
  coalitionMembers(manager: EntityManager): Promise<Organisation[]> {
    return manager.createQueryBuilder(Organisation, 'o').where("o.coalition_member AND o.kind <> 'operator'").orderBy('o.slug').getMany();
  }

  findByIds(ids: string[], manager: EntityManager = this.db.manager): Promise<Organisation[]> {
    return ids.length === 0 ? Promise.resolve([]) : manager.createQueryBuilder(Organisation, 'o').where('o.id IN (:...ids)', { ids }).getMany();
  }

  list(filter: OrganisationFilter, page: PageQuery) {
    return this.pager.page(this.filtered(filter), page);
  }

  /** How many organisations `list` walks through with this filter, in one query. */
  count(filter: OrganisationFilter): Promise<number> {
    return this.filtered(filter).getCount();
  }

  private filtered(filter: OrganisationFilter) {
    const qb = this.db.manager.createQueryBuilder(Organisation, 'o').where("o.kind <> 'operator'");
    if (filter.kind) qb.andWhere('o.kind = :kind', { kind: filter.kind });
    if (filter.coalitionMember !== undefined) qb.andWhere('o.coalition_member = :cm', { cm: filter.coalitionMember });
    return qb;
  }
}
