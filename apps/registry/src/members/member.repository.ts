import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../common/paging/paging.js';
import { Member } from './member.entity.js';

/** Every query of the members feature. */
@Injectable()
export class MemberRepository {
  private readonly pager = new KeysetPager({ createdAt: { expression: 'm.created_at', cast: 'timestamptz' }, name: { expression: 'm.name', cast: 'text' } }, 'createdAt', 'm.id');

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findInOrganisation(organisationId: string, id: string, manager: EntityManager = this.db.manager): Promise<Member | null> {
    return manager.findOneBy(Member, { organisationId, id });
  }

  /** The organisation's first member: for the operator, the one its key belongs to. */
  firstOf(organisationId: string): Promise<Member | null> {
    return this.db.manager.findOne(Member, { where: { organisationId }, order: { createdAt: 'ASC' } });
  }

  emailTaken(organisationId: string, email: string, manager: EntityManager): Promise<boolean> {
    return manager.createQueryBuilder(Member, 'm').where('m.organisation_id = :organisationId AND lower(m.email) = lower(:email)', { organisationId, email }).getExists();
  }

  /** Locks the organisation's active admins, so two concurrent demotions cannot both pass the last-admin check. */
  async lockActiveAdmins(organisationId: string, manager: EntityManager): Promise<string[]> {
    const rows = await manager
      .createQueryBuilder(Member, 'm')
      .select('m.id', 'id')
      .where("m.organisation_id = :organisationId AND m.active AND 'admin' = ANY(m.roles)", { organisationId })
      .setLock('pessimistic_write')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  list(organisationId: string, page: PageQuery) {
    return this.pager.page(this.db.manager.createQueryBuilder(Member, 'm').where('m.organisation_id = :organisationId', { organisationId }), page);
  }
}
