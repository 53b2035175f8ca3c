import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { KeysetPager, type PageQuery } from '../kernel/paging/paging.js';
import { Member } from './member.entity.js';
import { MemberRoleGrant } from './member-role-grant.entity.js';
import type { Role } from '../kernel/auth/vocabulary.js';

/** What a new member is given: an active member, never deactivated yet. */
export type NewMember = Pick<Member, 'organisationId' | 'name' | 'email' | 'roles'>;

/** What a change to a member may touch. */
export type MemberChanges = Partial<Pick<Member, 'name' | 'roles' | 'active'>>;

/** Every query of the members feature. */
@Injectable()
export class MemberRepository {
  private readonly pager = new KeysetPager({ createdAt: { expression: 'm.created_at', cast: 'timestamptz' }, name: { expression: 'm.name', cast: 'text' } }, 'createdAt', 'm.id');

  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  findInOrganisation(organisationId: string, id: string, manager: EntityManager = this.db.manager): Promise<Member | null> {
    return manager.findOneBy(Member, { organisationId, id });
  }

  /** The member, locked for update: its role changes happen one at a time. */
  lockInOrganisation(organisationId: string, id: string, manager: EntityManager): Promise<Member | null> {
    return manager.findOne(Member, { where: { organisationId, id }, lock: { mode: 'pessimistic_write' } });
  }

  /** The member whose latest change is the journal entry `index`, for its journaled kind (a plain object, not an injectable). */
  static atJournalIndex(manager: EntityManager, index: number): Promise<Member | null> {
    return manager.findOneBy(Member, { journalIndex: index });
  }

  /** Stores a new, active member, in the unit of work that journals its creation. */
  insert(fields: NewMember, manager: EntityManager): Promise<Member> {
    return manager.save(manager.create(Member, { ...fields, active: true }));
  }

  /**
   * Applies the changes given (an absent field is left as it is) and stores the member, in the unit of work that journals
   * them. Deactivating an active member counts one more deactivation, which ends every key issued before it (api-keys).
   */
  update(member: Member, changes: MemberChanges, manager: EntityManager): Promise<Member> {
    if (member.active && changes.active === false) member.deactivations += 1;
    manager.merge(Member, member, changes);
    return manager.save(member);
  }

  /**
   * Brings the member's role grants in line with its roles: a grant, by `by`, for each role it did not hold, and the
   * withdrawal of each it no longer holds (`by` null: the registry itself).
   */
  async syncRoleGrants(member: Member, by: string | null, manager: EntityManager): Promise<void> {
    const now = new Date();
    const current = await manager.createQueryBuilder(MemberRoleGrant, 'g').where('g.member_id = :memberId AND g.withdrawn_at IS NULL', { memberId: member.id }).getMany();
    for (const grant of current.filter((g) => !member.roles.includes(g.role))) {
      Object.assign(grant, { withdrawnAt: now, withdrawnByMemberId: by });
      await manager.save(grant);
    }
    for (const role of member.roles.filter((r) => !current.some((g) => g.role === r))) {
      await manager.insert(MemberRoleGrant, {
        organisationId: member.organisationId, memberId: member.id, role, grantedAt: now, grantedByMemberId: by, withdrawnAt: null, withdrawnByMemberId: null,
      });
    }
  }

  /** The grant through which the member holds `role` now, or null; locked against a concurrent withdrawal. */
  currentGrant(memberId: string, role: Role, manager: EntityManager): Promise<MemberRoleGrant | null> {
    return manager
      .createQueryBuilder(MemberRoleGrant, 'g')
      .where('g.member_id = :memberId AND g.role = :role AND g.withdrawn_at IS NULL', { memberId, role })
      .setLock('pessimistic_read')
      .getOne();
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
