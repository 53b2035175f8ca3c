import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../common/paging/paging.js';
import { Organisation, type OrganisationKind } from './organisation.entity.js';

export interface OrganisationFilter {
  kind?: OrganisationKind;
  coalitionMember?: boolean;
}

/** Every query of the organisations feature. */
@Injectable()
export class OrganisationRepository {
  private readonly pager = new KeysetPager({ slug: { expression: 'o.slug', cast: 'text' }, createdAt: { expression: 'o.created_at', cast: 'timestamptz' } }, 'slug', 'o.id');

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findBySlug(slug: string, manager: EntityManager = this.db.manager): Promise<Organisation | null> {
    return manager.findOneBy(Organisation, { slug });
  }

  findById(id: string, manager: EntityManager = this.db.manager): Promise<Organisation | null> {
    return manager.findOneBy(Organisation, { id });
  }

  findForUpdate(id: string, manager: EntityManager): Promise<Organisation> {
    return manager.findOneOrFail(Organisation, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The coalition-member cities and vendors, by slug: the electorate of a vote opened now. */
  coalitionMembers(manager: EntityManager): Promise<Organisation[]> {
    return manager.createQueryBuilder(Organisation, 'o').where("o.coalition_member AND o.kind <> 'operator'").orderBy('o.slug').getMany();
  }

  findByIds(ids: string[]): Promise<Organisation[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.db.manager.createQueryBuilder(Organisation, 'o').where('o.id IN (:...ids)', { ids }).getMany();
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
