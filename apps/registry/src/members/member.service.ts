import { Inject, Injectable } from '@nestjs/common';
import { actorOf, type Principal } from '../kernel/auth/principal.js';
import { isUniqueViolation } from '../kernel/errors/unique-violation.js';
import type { Page, PageQuery } from '../kernel/paging/paging.js';
import { UnitOfWork } from '../platform/journal/unit-of-work.js';
import type { Member } from './member.entity.js';
import { recordMember } from './member-record.js';
import { MemberError, MemberErrorCode } from './member-error.js';
import { MemberRepository } from './member.repository.js';
import { type CreateMemberDto, MemberResponse, type UpdateMemberDto } from './member.dto.js';
import type { Actor } from '../kernel/auth/actor.js';
import { OrganisationScope } from '../organisations/index.js';

@Injectable()
export class MemberService {
  constructor(
    @Inject(UnitOfWork) private readonly uow: UnitOfWork,
    @Inject(MemberRepository) private readonly members: MemberRepository,
    @Inject(OrganisationScope) private readonly scope: OrganisationScope,
  ) {}

  async create(principal: Principal, slug: string, dto: CreateMemberDto): Promise<MemberResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    return MemberResponse.from(await this.insert(actorOf(principal), organisation.id, dto));
  }

  /** Also used at first start for the operator's own member. */
  async insert(actor: Actor, organisationId: string, dto: CreateMemberDto): Promise<Member> {
    try {
      return await this.uow.run(actor, async (tx) => {
        if (await this.members.emailTaken(organisationId, dto.email, tx.manager)) throw emailTaken();
        const member = await this.members.insert({ organisationId, name: dto.name, email: dto.email, roles: dto.roles }, tx.manager);
        recordMember(tx, 'member.created', member);
        await this.members.syncRoleGrants(member, actor.memberId, tx.manager);
        return member;
      });
    } catch (error) {
      throw isUniqueViolation(error) ? emailTaken() : error;
    }
  }

  async update(principal: Principal, slug: string, memberId: string, dto: UpdateMemberDto): Promise<MemberResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    const member = await this.uow.run(actorOf(principal), async (tx) => {
      const admins = await this.members.lockActiveAdmins(organisation.id, tx.manager);
      const current = await this.members.lockInOrganisation(organisation.id, memberId, tx.manager);
      if (!current) throw notFound(memberId);
      const staysAdmin = (dto.active ?? current.active) && (dto.roles ?? current.roles).includes('admin');
      if (admins.length === 1 && admins[0] === current.id && !staysAdmin) {
        throw new MemberError(MemberErrorCode.LastAdmin, 'This is the last active admin of the organisation; make another member admin first.');
      }
      if (current.id === principal.memberId && (dto.roles ?? []).some((role) => !current.roles.includes(role))) {
        throw new MemberError(MemberErrorCode.SelfGrant, 'Nobody grants a role to themselves: another admin of the organisation, or the operator, must.');
      }
      await this.members.update(current, dto, tx.manager);
      recordMember(tx, 'member.updated', current);
      await this.members.syncRoleGrants(current, principal.memberId, tx.manager);
      return current;
    });
    return MemberResponse.from(member);
  }

  async get(principal: Principal, slug: string, memberId: string): Promise<MemberResponse> {
    const organisation = await this.scope.resolve(principal, slug);
    const member = await this.members.findInOrganisation(organisation.id, memberId);
    if (!member) throw notFound(memberId);
    return MemberResponse.from(member);
  }

  async list(principal: Principal, slug: string, page: PageQuery): Promise<Page<MemberResponse>> {
    const organisation = await this.scope.resolve(principal, slug);
    const { rows, nextCursor } = await this.members.list(organisation.id, page);
    return { items: rows.map(MemberResponse.from), nextCursor };
  }
}

function notFound(id: string): MemberError {
  return new MemberError(MemberErrorCode.NotFound, `There is no member ${id} in this organisation.`);
}

function emailTaken(): MemberError {
  return new MemberError(MemberErrorCode.EmailTaken, 'A member of this organisation already has this email.');
}
